"""The CalDAV adapter against a real Radicale server: connection checks with clear errors,
incremental listings by sync token, guarded writes and deletes."""

from __future__ import annotations

import pytest

from ghl_desktop.providers.caldav_client import connect
from ghl_desktop.services.calendars.sync.port import (
    ConnectionSettings,
    ProblemKind,
    RemoteCalendarError,
    RemoteChanged,
)
from tests.caldav_server import RadicaleServer, free_port, radicale_server

__all__ = ["radicale_server"]

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261120T100000Z
DTSTART:20261126T100000Z
DTEND:20261126T110000Z
SUMMARY:{summary}
END:VEVENT
END:VCALENDAR
"""


def _settings(server: RadicaleServer, url: str, password: str | None = None) -> ConnectionSettings:
    return ConnectionSettings(url, server.username, password or server.password)


def test_check_names_the_calendar(radicale_server: RadicaleServer) -> None:
    url = radicale_server.new_calendar()
    info = connect(_settings(radicale_server, url)).check()
    assert info.display_name == "Work"
    assert info.event_count == 0


@pytest.mark.parametrize(
    ("case", "kind", "words"),
    [
        ("password", ProblemKind.BAD_CREDENTIALS, "not accepted"),
        ("port", ProblemKind.UNREACHABLE, "cannot reach"),
        ("addressbook", ProblemKind.NOT_A_CALENDAR, "not a calendar"),
        ("scheme", ProblemKind.NOT_FOUND, "must start with https://"),
    ],
)
def test_check_explains_what_is_wrong(
    radicale_server: RadicaleServer, case: str, kind: ProblemKind, words: str
) -> None:
    url = radicale_server.new_calendar()
    settings = _settings(radicale_server, url)
    if case == "password":
        settings = _settings(radicale_server, url, "wrong")
    elif case == "port":
        settings = ConnectionSettings(f"http://127.0.0.1:{free_port()}/x/", "a", "b")
    elif case == "addressbook":
        settings = _settings(radicale_server, radicale_server.new_address_book())
    elif case == "scheme":
        settings = ConnectionSettings("ftp://example.org/cal", "a", "b")
    with pytest.raises(RemoteCalendarError, match=words) as caught:
        connect(settings).check()
    assert caught.value.kind == kind
    if case == "addressbook":  # the message points at the calendars the account has
        assert url in str(caught.value)


def test_listing_is_incremental_by_sync_token(radicale_server: RadicaleServer) -> None:
    remote = connect(_settings(radicale_server, radicale_server.new_calendar()))
    first = remote.list_changes(None)
    assert first.complete
    assert first.etags == {}
    created = remote.put("u-1", EVENT.format(uid="u-1", summary="One"), href=None, etag=None)
    remote.put("u-2", EVENT.format(uid="u-2", summary="Two"), href=None, etag=None)
    second = remote.list_changes(first.token)
    assert not second.complete
    assert set(second.etags) == {created.href, created.href.replace("u-1", "u-2")}
    assert second.etags[created.href] == created.etag
    unchanged = remote.list_changes(second.token)
    assert unchanged.etags == {}
    assert unchanged.deleted == frozenset()

    remote.delete(created.href, etag=created.etag)
    third = remote.list_changes(second.token)
    assert third.deleted == {created.href}
    [fetched] = remote.fetch([created.href.replace("u-1", "u-2")])
    assert "SUMMARY:Two" in fetched.ical

    # An unknown token (expired on the server) falls back to a complete listing.
    again = remote.list_changes("http://radicale.org/ns/sync/0000")
    assert again.complete
    assert len(again.etags) == 1


def test_writes_are_guarded_by_etags(radicale_server: RadicaleServer) -> None:
    remote = connect(_settings(radicale_server, radicale_server.new_calendar()))
    first = remote.put("u-3", EVENT.format(uid="u-3", summary="A"), href=None, etag=None)
    second = remote.put(
        "u-3", EVENT.format(uid="u-3", summary="B"), href=first.href, etag=first.etag
    )
    assert second.etag != first.etag
    with pytest.raises(RemoteChanged):
        remote.put("u-3", EVENT.format(uid="u-3", summary="C"), href=first.href, etag=first.etag)
    with pytest.raises(RemoteChanged):
        remote.delete(first.href, etag=first.etag)
    remote.delete(second.href, etag=second.etag)
    remote.delete(second.href, etag=None)  # already gone: fine
    assert remote.list_changes(None).etags == {}
