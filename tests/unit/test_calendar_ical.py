"""iCalendar in and out without a server: all-day, floating, DURATION, transparent, cancelled
and recurring events; our own UIDs; the ICS document parses back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from ghl_desktop.services.calendars.sync.ical import (
    OutgoingEvent,
    appointment_id_of,
    appointment_uid,
    calendar_document,
    fingerprint,
    parse_events,
)

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC))


def doc(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\nUID:{i}\nDTSTAMP:20260101T000000Z\n{e}END:VEVENT\n"
                   for i, e in enumerate(events))  # fmt: skip
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n{body}END:VCALENDAR\n"


def test_all_day_floating_and_duration_events() -> None:
    all_day = parse_events(doc("DTSTART;VALUE=DATE:20260310\nSUMMARY:Holiday\n"), BERLIN, *WINDOW)
    assert (all_day[0].starts_at, all_day[0].ends_at) == (
        datetime(2026, 3, 9, 23, tzinfo=UTC), datetime(2026, 3, 10, 23, tzinfo=UTC))  # fmt: skip
    floating = parse_events(doc("DTSTART:20260310T090000\nDURATION:PT45M\n"), BERLIN, *WINDOW)
    assert floating[0].starts_at == datetime(2026, 3, 10, 8, tzinfo=UTC)
    assert floating[0].ends_at - floating[0].starts_at == timedelta(minutes=45)
    zoned = parse_events(
        doc("DTSTART;TZID=America/New_York:20260310T090000\nDTEND;TZID=America/New_York:"
            "20260310T100000\nTRANSP:TRANSPARENT\nSTATUS:CANCELLED\n"), BERLIN, *WINDOW,
    )  # fmt: skip
    assert zoned[0].starts_at == datetime(2026, 3, 10, 13, tzinfo=UTC)
    assert not zoned[0].is_busy
    assert zoned[0].is_cancelled


def test_recurrences_expand_in_the_window_across_dst() -> None:
    weekly = doc("DTSTART;TZID=Europe/Berlin:20260302T090000\nDTEND;TZID=Europe/Berlin:"
                 "20260302T093000\nRRULE:FREQ=WEEKLY;COUNT=6\nEXDATE;TZID=Europe/Berlin:"
                 "20260309T090000\n")  # fmt: skip
    found = parse_events(weekly, BERLIN, *WINDOW)
    assert len(found) == 5
    assert {e.starts_at.astimezone(BERLIN).hour for e in found} == {9}  # 09:00 local after DST
    assert found[-1].starts_at.utcoffset() == timedelta(0)
    assert all(e.is_recurring and e.recurrence_id for e in found)
    assert len({e.recurrence_id for e in found}) == 5


def test_own_uids_and_the_document_round_trip() -> None:
    uid = appointment_uid("01aa-bb")
    assert appointment_id_of(uid) == "01aa-bb"
    assert appointment_id_of("someone-else@example.com") is None
    event = OutgoingEvent(uid, datetime(2026, 3, 10, 9, tzinfo=UTC),
                          datetime(2026, 3, 10, 10, tzinfo=UTC), "Demo - Ada", "With Ada",
                          "CONFIRMED")  # fmt: skip
    text = calendar_document([event], datetime(2026, 3, 1, tzinfo=UTC), name="Sales")
    parsed = icalendar.Calendar.from_ical(text)
    [vevent] = parsed.walk("VEVENT")
    assert str(vevent["UID"]) == uid
    assert str(parsed["X-WR-CALNAME"]) == "Sales"
    back = parse_events(text, BERLIN, *WINDOW)
    assert (back[0].starts_at, back[0].summary) == (event.starts_at, "Demo - Ada")
    moved = OutgoingEvent(**{**event.__dict__, "starts_at": event.starts_at + timedelta(hours=1)})
    assert fingerprint(moved) != fingerprint(event)
    assert fingerprint(event) == fingerprint(OutgoingEvent(**event.__dict__))


def test_garbage_is_a_value_error() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the library's message varies by version
        parse_events("not a calendar", BERLIN, *WINDOW)
