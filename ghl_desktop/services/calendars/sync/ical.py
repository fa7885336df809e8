"""iCalendar in and out: remote VEVENTs -> busy intervals (recurrences expanded inside the sync
window), local appointments -> VEVENTs (for CalDAV pushes and the ICS feed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

PRODID = "-//ghl-desktop//calendars//EN"
UID_PREFIX = "ghl-appointment-"
UID_SUFFIX = "@ghl-desktop"


def appointment_uid(appointment_id: str) -> str:
    """The UID a pushed appointment carries: recognisable when it comes back in a pull."""
    return f"{UID_PREFIX}{appointment_id}{UID_SUFFIX}"


def appointment_id_of(uid: str) -> str | None:
    if uid.startswith(UID_PREFIX) and uid.endswith(UID_SUFFIX):
        return uid[len(UID_PREFIX) : -len(UID_SUFFIX)]
    return None


@dataclass(frozen=True)
class RemoteEvent:
    """One occurrence of a remote event (``recurrence_id`` "" for a single event)."""

    uid: str
    recurrence_id: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    is_busy: bool
    is_cancelled: bool
    is_recurring: bool


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    """DATE (all day) -> midnight in the calendar's zone; floating times -> that zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _end_of(component: Any, start: date | datetime) -> date | datetime:
    if component.get("DTEND") is not None:
        end: date | datetime = component.decoded("DTEND")
        return end
    if component.get("DURATION") is not None:
        duration: timedelta = component.decoded("DURATION")
        return start + duration
    # RFC 5545 3.6.1: a DATE start without end lasts one day; a DATE-TIME start, no time.
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def _event(component: Any, zone: tzinfo, recurring: bool) -> RemoteEvent | None:
    if component.get("DTSTART") is None:
        return None
    raw_start: date | datetime = component.decoded("DTSTART")
    starts_at = _as_utc(raw_start, zone)
    ends_at = _as_utc(_end_of(component, raw_start), zone)
    if ends_at <= starts_at:
        ends_at = starts_at + timedelta(minutes=1)  # zero-length events still mark a moment
    recurrence = ""
    if recurring:
        recurrence = starts_at.strftime("%Y%m%dT%H%M%SZ")
    transparency = str(component.get("TRANSP", "OPAQUE")).upper()
    status = str(component.get("STATUS", "CONFIRMED")).upper()
    return RemoteEvent(
        uid=str(component.get("UID", "")),
        recurrence_id=recurrence,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=str(component.get("SUMMARY", ""))[:500],
        is_busy=transparency != "TRANSPARENT",
        is_cancelled=status == "CANCELLED",
        is_recurring=recurring,
    )


def parse_events(
    ical: str, zone: tzinfo, window_start: datetime, window_end: datetime
) -> list[RemoteEvent]:
    """Every VEVENT of one calendar object; recurring series expanded inside the window
    (single events are kept whatever their time: they cost one row and never need expanding)."""
    calendar = icalendar.Calendar.from_ical(ical)
    events = list(calendar.walk("VEVENT"))
    recurring = any(e.get("RRULE") or e.get("RDATE") or e.get("RECURRENCE-ID") for e in events)
    if not recurring:
        return [e for c in events if (e := _event(c, zone, False)) is not None]
    found: list[RemoteEvent] = []
    for occurrence in recurring_ical_events.of(calendar).between(window_start, window_end):
        event = _event(occurrence, zone, True)
        if event is not None:
            found.append(event)
    return found


@dataclass(frozen=True)
class OutgoingEvent:
    """What a pushed appointment (or an ICS feed entry) says."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    status: str  # CONFIRMED / TENTATIVE / CANCELLED
    sequence: int = 0


def vevent(event: OutgoingEvent, stamp: datetime) -> icalendar.Event:
    component = icalendar.Event()
    component.add("UID", event.uid)
    component.add("DTSTAMP", stamp.astimezone(UTC))
    component.add("DTSTART", event.starts_at.astimezone(UTC))
    component.add("DTEND", event.ends_at.astimezone(UTC))
    component.add("SUMMARY", event.summary)
    if event.description:
        component.add("DESCRIPTION", event.description)
    component.add("STATUS", event.status)
    component.add("SEQUENCE", event.sequence)
    return component


def calendar_document(events: list[OutgoingEvent], stamp: datetime, name: str = "") -> str:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    if name:
        calendar.add("X-WR-CALNAME", name)
    for event in events:
        calendar.add_component(vevent(event, stamp))
    return str(calendar.to_ical().decode())


def fingerprint(event: OutgoingEvent) -> str:
    """What decides whether a pushed appointment needs pushing again (DTSTAMP excluded)."""
    text = "|".join(
        (event.uid, event.starts_at.isoformat(), event.ends_at.isoformat(), event.summary,
         event.description, event.status)
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:32]
