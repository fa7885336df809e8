"""The slot engine: which start times a calendar can offer for a service. A pure function of
the availability rules, the booking limits, the service and the members' busy intervals - no
database, no clock (``now`` is an argument).

Rules, exactly:

* Open hours are evaluated per local date in each rule's IANA zone. A date with any override
  uses only its overrides (an override without hours closes the day); otherwise the weekly
  ranges of that weekday whose ``valid_from``/``valid_to`` contain the date apply.
* A range ``[start, end)`` covers the real time from the first instant the clock reads
  ``start`` to the last instant it reads before ``end``: on a fall-back day both passes of the
  repeated hour are inside; a bound that does not exist (spring-forward gap) is the moment of
  the jump.
* Candidate starts are the wall-clock times ``start + k * interval`` of the range's date.
  Wall times that do not exist are skipped; ambiguous ones give two slots (one per pass). The
  appointment itself must lie inside the range; its buffers may fall outside open hours.
* Busy intervals already include the buffers of the appointments that cause them. A slot
  needs ``[start - buffer_before, end + buffer_after)`` free of them (buffers never overlap).
* Limits: start >= now + minimum notice; the start's date in the calendar's zone at most
  ``max_days_ahead`` days after today there; fewer than ``max_per_day`` bookings of the member
  on that date.
* User calendars have one member. Round robin: a slot is offered when any member is free; it
  goes to the free member with the fewest bookings in the period (ties: priority, lower first)
  or, by priority, to the highest-priority free member. Collective: every member must be free.

Each member's busy intervals are merged once and probed with ``bisect``, so a slot costs
O(members * log busy) instead of a scan over every appointment.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


class TeamMode(StrEnum):
    SINGLE = "single"  # a user calendar
    ROUND_ROBIN_EQUAL = "round_robin_equal"
    ROUND_ROBIN_PRIORITY = "round_robin_priority"
    COLLECTIVE = "collective"


@dataclass(frozen=True)
class WeeklyRange:
    weekday: int  # 0 = Sunday ... 6 = Saturday
    start: time
    end: time
    timezone: str
    valid_from: date | None = None
    valid_to: date | None = None

    def applies(self, day: date) -> bool:
        return (
            (day.weekday() + 1) % 7 == self.weekday
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True)
class DateOverride:
    day: date
    timezone: str
    start: time | None = None  # None: closed all day
    end: time | None = None


@dataclass(frozen=True)
class Limits:
    min_notice: timedelta = timedelta(0)
    max_days_ahead: int = 60
    max_per_day: int | None = None
    slot_interval: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class ServiceSpec:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class Member:
    user_id: str
    priority: int = 0
    busy: Sequence[Interval] = ()  # UTC, buffers included
    bookings_in_period: int = 0  # for equal distribution
    bookings_per_day: Mapping[date, int] = field(default_factory=dict)  # calendar-zone dates


@dataclass(frozen=True)
class CalendarSpec:
    timezone: str
    weekly: tuple[WeeklyRange, ...] = ()
    overrides: tuple[DateOverride, ...] = ()
    limits: Limits = Limits()
    mode: TeamMode = TeamMode.SINGLE


@dataclass(frozen=True)
class Slot:
    start: datetime  # in the visitor's zone
    end: datetime
    assignees: tuple[str, ...]  # one member, or every member for a collective calendar

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)


class BusyIndex:
    """One member's busy intervals, merged and sorted, probed by bisection."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def is_free(self, start: datetime, end: datetime) -> bool:
        # Merged intervals are disjoint, so their ends are sorted too: the first one ending
        # after ``start`` is the only one that can overlap.
        i = bisect.bisect_right(self.ends, start)
        return i == len(self.starts) or self.starts[i] >= end


def local_instants(day: date, wall: time, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The UTC instants at which the clock in ``zone`` reads ``wall`` on ``day``: none in a
    spring-forward gap, two in a fall-back overlap."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return (first,)
    if first < second:
        return (first, second)
    return ()


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The instant between ``before`` and ``after`` where the zone's offset changes."""
    lo, hi = before, after
    offset = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0)


def range_bounds(day: date, start: time, end: time, zone: ZoneInfo) -> Interval:
    """The real time an open range of ``day`` covers (see the module rules)."""
    return _bound(day, start, zone, latest=False), _bound(day, end, zone, latest=True)


def _bound(day: date, wall: time, zone: ZoneInfo, *, latest: bool) -> datetime:
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first < second and latest:
        # Ambiguous: the second pass ends the range only if the clock reads a time before
        # ``wall`` just before it - not when ``wall`` is where the repeated hour begins.
        before = (second - timedelta(microseconds=1)).astimezone(zone).replace(tzinfo=None)
        return second if before < naive else first
    if first <= second:  # exists (ambiguous when they differ)
        return first
    return _jump(second, first, zone)  # in a gap: fold=1 lies before the jump, fold=0 after


def open_ranges(spec: CalendarSpec, day: date, zone_name: str) -> list[tuple[time, time]]:
    """The ranges of local ``day`` in ``zone_name`` (rules of other zones are not included)."""
    overrides = [o for o in spec.overrides if o.day == day and o.timezone == zone_name]
    if overrides:
        return [(o.start, o.end) for o in overrides if o.start is not None and o.end is not None]
    return [(w.start, w.end) for w in spec.weekly if w.timezone == zone_name and w.applies(day)]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _steady(day: date, open_start: time, lo: datetime, hi: datetime, zone: ZoneInfo) -> bool:
    """True when the zone's offset is the same all through ``[lo, hi)`` and the range's start
    is a plain (existing, unambiguous) wall time - the common case, computed without zones."""
    if lo.astimezone(zone).utcoffset() != (hi - timedelta(seconds=1)).astimezone(zone).utcoffset():
        return False
    return local_instants(day, open_start, zone) == (lo,)


def _candidates(
    spec: CalendarSpec, service: ServiceSpec, first: datetime, last: datetime
) -> list[datetime]:
    """Every start (UTC) inside open hours within ``[first, last)``, sorted, no duplicates."""
    step = max(1, int(spec.limits.slot_interval.total_seconds() // 60))
    interval = timedelta(minutes=step)
    zones = {w.timezone for w in spec.weekly} | {o.timezone for o in spec.overrides}
    starts: set[datetime] = set()
    for zone_name in zones:
        zone = ZoneInfo(zone_name)
        day = first.astimezone(zone).date() - timedelta(days=1)
        end_day = last.astimezone(zone).date() + timedelta(days=1)
        while day <= end_day:
            for open_start, open_end in open_ranges(spec, day, zone_name):
                lo, hi = range_bounds(day, open_start, open_end, zone)
                latest = hi - service.duration
                if latest < lo or latest < first or lo >= last:
                    continue
                if _steady(day, open_start, lo, hi, zone):
                    # No clock change inside: the grid is plain arithmetic from the start.
                    instant = lo
                    while instant <= latest:
                        if first <= instant < last:
                            starts.add(instant)
                        instant += interval
                    continue
                # Walk the wall-clock grid past ``end`` too: after a fall-back the clock
                # rewinds, so grid times later than ``end`` may still lie inside.
                minute = _minutes(open_start)
                while minute < 24 * 60:
                    wall = time(minute // 60, minute % 60)
                    instants = local_instants(day, wall, zone)
                    if instants and instants[0] > latest:
                        break  # first passes grow with the wall time: nothing later fits
                    for instant in instants:
                        if lo <= instant <= latest and first <= instant < last:
                            starts.add(instant)
                    minute += step
            day += timedelta(days=1)
    return sorted(starts)


def _eligible(member: Member, index: BusyIndex, lo: datetime, hi: datetime, day: date,
              cap: int | None) -> bool:  # fmt: skip
    if cap is not None and member.bookings_per_day.get(day, 0) >= cap:
        return False
    return index.is_free(lo, hi)


def _offer_order(members: Sequence[Member], mode: TeamMode) -> list[Member]:
    """Members in the order a booking goes to them: the first free one takes it."""
    if mode is TeamMode.ROUND_ROBIN_PRIORITY:
        return sorted(members, key=lambda m: (m.priority, m.bookings_in_period, m.user_id))
    if mode is TeamMode.ROUND_ROBIN_EQUAL:
        return sorted(members, key=lambda m: (m.bookings_in_period, m.priority, m.user_id))
    return list(members)


def available_slots(
    spec: CalendarSpec,
    service: ServiceSpec,
    members: Sequence[Member],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    visitor_zone: ZoneInfo,
) -> list[Slot]:
    """Slots starting in ``[window_start, window_end)``, in the visitor's zone, in order."""
    if not members or service.duration <= timedelta(0):
        return []
    limits = spec.limits
    home = ZoneInfo(spec.timezone)
    last_day = now.astimezone(home).date() + timedelta(days=limits.max_days_ahead)
    first = max(window_start.astimezone(UTC), now.astimezone(UTC) + limits.min_notice)
    last = window_end.astimezone(UTC)
    if first >= last:
        return []
    ordered = _offer_order(members, spec.mode)
    probes = [(m, BusyIndex(m.busy)) for m in ordered]
    everyone = tuple(m.user_id for m in members)
    cap = limits.max_per_day
    slots: list[Slot] = []
    for start in _candidates(spec, service, first, last):
        day = start.astimezone(home).date()
        if day > last_day:
            continue
        end = start + service.duration
        lo, hi = start - service.buffer_before, end + service.buffer_after
        if spec.mode is TeamMode.COLLECTIVE:
            if not all(_eligible(m, index, lo, hi, day, cap) for m, index in probes):
                continue
            assignees = everyone
        else:
            chosen = next((m for m, index in probes if _eligible(m, index, lo, hi, day, cap)), None)
            if chosen is None:
                continue
            assignees = (chosen.user_id,)
        slots.append(Slot(start.astimezone(visitor_zone), end.astimezone(visitor_zone), assignees))
    return slots


def slots_by_day(slots: Iterable[Slot]) -> dict[date, list[Slot]]:
    """Slots grouped by the visitor's local date (their zone is already on each slot)."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start.date(), []).append(slot)
    return days
