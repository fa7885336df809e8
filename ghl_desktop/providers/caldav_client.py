"""CalDAV adapter for the calendar sync port, built on the ``caldav`` library.

Google, iCloud, Fastmail and Nextcloud all speak CalDAV; the URL is the calendar *collection*
(see the README). Errors are turned into ``RemoteCalendarError`` with a kind the GUI can show:
bad credentials (401/403), unreachable (DNS, refused, timeout, TLS), not a calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.lib import error as dav_error
from caldav.lib.url import URL

from ghl_desktop.services.calendars.sync.port import (
    ConnectionInfo,
    ConnectionSettings,
    ProblemKind,
    PutResult,
    RemoteCalendarError,
    RemoteChanged,
    RemoteListing,
    RemoteObject,
)

TIMEOUT_SECONDS = 20
_ICAL = {"Content-Type": "text/calendar; charset=utf-8"}
_CALENDAR_TYPE = "{urn:ietf:params:xml:ns:caldav}calendar"


@contextmanager
def _translated(url: str) -> Iterator[None]:
    """Library and network exceptions -> one error type naming the problem for a person."""
    try:
        yield
    except RemoteCalendarError:
        raise
    except dav_error.AuthorizationError as exc:
        if "Forbidden" in str(exc):
            raise RemoteCalendarError(
                ProblemKind.BAD_CREDENTIALS,
                f"the server refused access to {url} (403): this account may not use it",
            ) from None
        raise RemoteCalendarError(
            ProblemKind.BAD_CREDENTIALS,
            "the user name or password was not accepted (401); for Google, iCloud and Fastmail"
            " use an app password",
        ) from None
    except dav_error.NotFoundError:
        raise RemoteCalendarError(ProblemKind.NOT_FOUND, f"nothing found at {url} (404)") from None
    except dav_error.DAVError as exc:
        raise RemoteCalendarError(ProblemKind.PROTOCOL, f"CalDAV error at {url}: {exc}") from None
    except OSError as exc:  # niquests' ConnectionError/Timeout/SSLError derive from OSError
        raise RemoteCalendarError(
            ProblemKind.UNREACHABLE, f"cannot reach {url}: {type(exc).__name__}"
        ) from None


def canonical_href(href: object) -> str:
    """One spelling per resource: servers and the library differ in what they percent-encode
    (``@`` vs ``%40``), and hrefs are dictionary keys in the sync state."""
    parts = urlsplit(str(href))
    path = quote(unquote(parts.path), safe="/@:+!$&'()*,;=-._~")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _etag(props: dict[str, Any]) -> str | None:
    value = props.get(dav.GetEtag.tag)
    return str(value) if value else None


class CalDavCalendar:
    """One calendar collection on a CalDAV server (implements ``RemoteCalendar``)."""

    def __init__(self, settings: ConnectionSettings) -> None:
        url = settings.url.strip()
        if not url.startswith(("http://", "https://")):
            raise RemoteCalendarError(
                ProblemKind.NOT_FOUND, f"the calendar URL must start with https:// (got {url!r})"
            )
        self.url = url if url.endswith("/") else url + "/"
        self._client = DAVClient(
            url=self.url,
            username=settings.username,
            password=settings.password,
            timeout=TIMEOUT_SECONDS,
        )
        self._calendar = self._client.calendar(url=self.url)  # type: ignore[no-untyped-call,unused-ignore]

    def close(self) -> None:
        self._client.close()

    # -- connection -------------------------------------------------------------------------
    def check(self) -> ConnectionInfo:
        with _translated(self.url):
            props = self._calendar.get_properties([dav.ResourceType(), dav.DisplayName()])
            kinds = props.get(dav.ResourceType.tag) or []
            if _CALENDAR_TYPE not in kinds:
                raise RemoteCalendarError(
                    ProblemKind.NOT_A_CALENDAR,
                    f"{self.url} is not a calendar collection{self._suggestions()}",
                )
            listing = self._calendar.get_objects_by_sync_token(load_objects=False)
            name = str(props.get(dav.DisplayName.tag) or self.url.rstrip("/").rsplit("/", 1)[-1])
            return ConnectionInfo(display_name=name, event_count=len(listing))

    def _suggestions(self) -> str:
        """Name the calendars the account has, when the server tells (best effort)."""
        try:
            calendars = self._client.principal().get_calendars()  # type: ignore[no-untyped-call,unused-ignore]
        except Exception:
            return ""
        urls = [str(c.url) for c in calendars][:5]
        return "; calendars of this account: " + ", ".join(urls) if urls else ""

    # -- reading ----------------------------------------------------------------------------
    def list_changes(self, token: str | None) -> RemoteListing:
        with _translated(self.url):
            real_token = bool(token) and not str(token).startswith("fake-")
            if real_token:
                try:
                    changes = self._calendar.get_objects_by_sync_token(
                        sync_token=token, load_objects=False, disable_fallback=True
                    )
                except (dav_error.AuthorizationError, dav_error.ReportError):
                    changes = None  # token expired on the server: list everything again
                if changes is not None and not changes.truncated:
                    deleted = {canonical_href(u) for u in changes.deleted_urls}
                    etags = {
                        canonical_href(o.url): tag
                        for o in changes
                        if canonical_href(o.url) not in deleted and (tag := _etag(o.props))
                    }
                    return RemoteListing(
                        str(changes.sync_token), etags, frozenset(deleted), complete=False
                    )
            listing = self._calendar.get_objects_by_sync_token(load_objects=False)
            etags = {canonical_href(o.url): tag for o in listing if (tag := _etag(o.props))}
            new_token = str(listing.sync_token) if listing.sync_token else None
            return RemoteListing(new_token, etags, frozenset(), complete=True)

    def fetch(self, hrefs: Iterable[str]) -> list[RemoteObject]:
        wanted = list(hrefs)
        if not wanted:
            return []
        with _translated(self.url):
            objects = self._calendar.multiget([URL.objectify(h) for h in wanted])
            found: list[RemoteObject] = []
            for obj in objects:
                data = obj.data
                if not data:
                    continue
                found.append(
                    RemoteObject(canonical_href(obj.url), _etag(obj.props) or "", str(data))
                )
            return found

    # -- writing ----------------------------------------------------------------------------
    def put(self, uid: str, ical: str, *, href: str | None, etag: str | None) -> PutResult:
        target = href or canonical_href(f"{self.url}{quote(uid, safe='@')}.ics")
        headers = dict(_ICAL)
        if etag:
            headers["If-Match"] = etag
        elif href is None:
            headers["If-None-Match"] = "*"
        with _translated(self.url):
            response = self._client.put(target, ical, headers)
            if response.status == 412:
                raise RemoteChanged(f"{target} changed on the server")
            if response.status not in (200, 201, 204):
                raise RemoteCalendarError(
                    ProblemKind.PROTOCOL, f"the server answered {response.status} to saving {uid}"
                )
            new_etag = response.headers.get("ETag") or self._etag_of(target)
            return PutResult(canonical_href(target), new_etag)

    def _etag_of(self, href: str) -> str:
        response = self._client.propfind(href, props=[dav.GetEtag()], depth=0)
        props = response.expand_simple_props([dav.GetEtag()])
        for values in props.values():
            if tag := _etag(values):
                return tag
        return ""

    def delete(self, href: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else {}
        with _translated(self.url):
            try:
                response = self._client.delete(href, headers)
            except dav_error.NotFoundError:
                return
            if response.status == 412:
                raise RemoteChanged(f"{href} changed on the server")
            if response.status not in (200, 204, 404):
                raise RemoteCalendarError(
                    ProblemKind.PROTOCOL, f"the server answered {response.status} to deleting"
                )


def connect(settings: ConnectionSettings) -> CalDavCalendar:
    """The ``Connector`` the sync service and the GUI use for CalDAV calendars."""
    return CalDavCalendar(settings)
