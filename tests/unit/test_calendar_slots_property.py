"""The slot engine against a brute-force reference that walks every minute of the window.

The reference shares no code with the engine: it decides each UTC minute on its own from the
module's written rules (range = first minute the clock reads ``start`` .. last minute it reads
before ``end``; wall time on the interval grid; naive overlap test against every busy interval).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghl_desktop.services.calendars.slots import (
    CalendarSpec,
    DateOverride,
    Limits,
    Member,
    ServiceSpec,
    TeamMode,
    WeeklyRange,
    available_slots,
)

# Each zone with the days before its 2026 clock changes (Kolkata has none) and a plain day.
ZONE_DAYS = {
    "America/New_York": (date(2026, 3, 7), date(2026, 10, 31), date(2026, 6, 1)),
    "Europe/London": (date(2026, 3, 28), date(2026, 10, 24), date(2026, 6, 1)),
    "Australia/Sydney": (date(2026, 4, 4), date(2026, 10, 3), date(2026, 6, 1)),
    "Asia/Kolkata": (date(2026, 3, 7), date(2026, 6, 1)),
}
MINUTE = timedelta(minutes=1)


def _minute_of(t: time) -> int:
    return t.hour * 60 + t.minute


Found = list[tuple[datetime, tuple[str, ...]]]


def reference(spec: CalendarSpec, service: ServiceSpec, members: list[Member],
              start: datetime, end: datetime, now: datetime) -> Found:  # fmt: skip
    zone = ZoneInfo(spec.timezone)  # the strategy keeps every rule in the calendar's zone
    step = int(spec.limits.slot_interval.total_seconds() // 60)
    # Every minute's wall clock, then each (day, range)'s covered real time by scanning.
    scan_from, scan_to = start - timedelta(days=2), end + timedelta(days=2)
    minutes = []
    m = scan_from
    while m < scan_to:
        minutes.append((m, m.astimezone(zone)))
        m += MINUTE
    ranges: dict[date, list[tuple[datetime, datetime, int]]] = {}
    for day in {w.date() for _, w in minutes}:
        overrides = [o for o in spec.overrides if o.day == day]
        if overrides:
            hours = [(o.start, o.end) for o in overrides if o.start and o.end]
        else:
            hours = [(w.start, w.end) for w in spec.weekly if w.applies(day)]
        for open_start, open_end in hours:
            assert open_start is not None
            assert open_end is not None
            inside = [u for u, w in minutes
                      if w.date() == day and open_start <= w.time() < open_end]  # fmt: skip
            if inside:
                ranges.setdefault(day, []).append(
                    (min(inside), max(inside) + MINUTE, _minute_of(open_start))
                )
    home_today = now.astimezone(zone).date()
    found: Found = []
    u = start
    while u < end:
        wall = u.astimezone(zone)
        on_grid = any(
            lo <= u
            and u + service.duration <= hi
            and (_minute_of(wall.time()) - first) % step == 0
            and _minute_of(wall.time()) >= first
            for lo, hi, first in ranges.get(wall.date(), [])
        )
        ok = (
            on_grid and u >= now + spec.limits.min_notice
            and (wall.date() - home_today).days <= spec.limits.max_days_ahead
        )  # fmt: skip
        if ok:
            lo, hi = u - service.buffer_before, u + service.duration + service.buffer_after
            free = [
                mem for mem in members
                if all(not (s < hi and e > lo) for s, e in mem.busy)
                and (spec.limits.max_per_day is None
                     or mem.bookings_per_day.get(wall.date(), 0) < spec.limits.max_per_day)
            ]  # fmt: skip
            if spec.mode is TeamMode.COLLECTIVE:
                if len(free) == len(members):
                    found.append((u, tuple(x.user_id for x in members)))
            elif free:
                key = (
                    (lambda x: (x.priority, x.bookings_in_period, x.user_id))
                    if spec.mode is TeamMode.ROUND_ROBIN_PRIORITY
                    else (lambda x: (x.bookings_in_period, x.priority, x.user_id))
                )
                found.append((u, (min(free, key=key).user_id,)))
        u += MINUTE
    return found


quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
night = st.integers(0, 20).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple:
    zone = draw(st.sampled_from(sorted(ZONE_DAYS)))
    first_day = draw(st.sampled_from(ZONE_DAYS[zone]))
    tz = ZoneInfo(zone)
    weekly = []
    for _ in range(draw(st.integers(1, 3))):
        # Half the ranges span the small hours, where the clocks change.
        hours = night if draw(st.booleans()) else quarter_hours
        a, b = sorted(draw(st.lists(hours, min_size=2, max_size=2, unique=True)))
        days = range(7) if draw(st.booleans()) else [draw(st.integers(0, 6))]
        weekly.extend(WeeklyRange(d, a, b, zone) for d in days)
    overrides = []
    if draw(st.booleans()):
        day = first_day + timedelta(days=draw(st.integers(0, 2)))
        if draw(st.booleans()):
            overrides.append(DateOverride(day, zone))
        else:
            a, b = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
            overrides.append(DateOverride(day, zone, a, b))
    base = datetime.combine(first_day, time(0), tzinfo=tz).astimezone(UTC)
    members = []
    for i in range(draw(st.integers(1, 3))):
        busy = []
        for _ in range(draw(st.integers(0, 6))):
            s = base + timedelta(minutes=draw(st.integers(0, 3 * 24 * 4)) * 15)
            busy.append((s, s + timedelta(minutes=draw(st.integers(1, 12)) * 15)))
        per_day = {first_day + timedelta(days=1): draw(st.integers(0, 3))}
        members.append(Member(f"m{i}", draw(st.integers(0, 2)), tuple(busy),
                              draw(st.integers(0, 3)), per_day))  # fmt: skip
    limits = Limits(
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 45, 600]))),
        max_days_ahead=draw(st.integers(0, 3)),
        max_per_day=draw(st.sampled_from([None, 1, 2])),
        slot_interval=timedelta(minutes=draw(st.sampled_from([15, 20, 30, 60]))),
    )
    service = ServiceSpec(
        timedelta(minutes=draw(st.sampled_from([15, 30, 45, 90]))),
        timedelta(minutes=draw(st.sampled_from([0, 10]))),
        timedelta(minutes=draw(st.sampled_from([0, 15]))),
    )
    mode = draw(st.sampled_from(list(TeamMode)))
    if mode is TeamMode.SINGLE:
        members = members[:1]
    now = base + timedelta(minutes=draw(st.integers(-24 * 60, 24 * 60)))
    spec = CalendarSpec(zone, tuple(weekly), tuple(overrides), limits, mode)
    return spec, service, members, base, base + timedelta(days=3), now


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_matches_the_brute_force_reference(scenario: tuple) -> None:
    spec, service, members, start, end, now = scenario
    got = available_slots(
        spec, service, members, window_start=start, window_end=end, now=now,
        visitor_zone=ZoneInfo("Asia/Kolkata"),
    )  # fmt: skip
    assert [(s.start_utc, s.assignees) for s in got] == reference(
        spec, service, members, start, end, now
    )
