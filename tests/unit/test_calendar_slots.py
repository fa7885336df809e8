"""The slot engine: open hours across DST in several zones, overrides, buffers, limits, teams."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ghl_desktop.services.calendars.slots import (
    BusyIndex,
    CalendarSpec,
    DateOverride,
    Limits,
    Member,
    ServiceSpec,
    TeamMode,
    WeeklyRange,
    available_slots,
    range_bounds,
    slots_by_day,
)

NY, LONDON, SYDNEY, KOLKATA = (
    "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
)  # fmt: skip
HALF_HOUR = ServiceSpec(timedelta(minutes=30))
NOW = datetime(2020, 1, 1, tzinfo=UTC)  # long before every day tested: limits stay out
ANYTIME = Limits(max_days_ahead=100_000)


def weekday(day: date) -> int:
    return (day.weekday() + 1) % 7


def every_day(zone: str, start: time, end: time) -> tuple[WeeklyRange, ...]:
    return tuple(WeeklyRange(d, start, end, zone) for d in range(7))


def slots_on(
    day: date, zone: str, *, weekly: tuple[WeeklyRange, ...], service: ServiceSpec = HALF_HOUR,
    members: tuple[Member, ...] = (Member("u1"),), overrides: tuple[DateOverride, ...] = (),
    limits: Limits = ANYTIME, now: datetime = NOW, mode: TeamMode = TeamMode.SINGLE,
    visitor: str | None = None,
) -> list:  # fmt: skip
    tz = ZoneInfo(zone)
    spec = CalendarSpec(zone, weekly, overrides, limits, mode)
    return available_slots(
        spec, service, members,
        window_start=datetime.combine(day, time(0), tzinfo=tz) - timedelta(hours=3),
        window_end=datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
        now=now, visitor_zone=ZoneInfo(visitor or zone),
    )  # fmt: skip


def local_walls(slots: list) -> list[str]:
    return [f"{s.start:%H:%M%z}" for s in slots]


# -- DST --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "day", "gap_walls"),
    [
        (NY, date(2026, 3, 8), ("02:00", "02:30")),
        (LONDON, date(2026, 3, 29), ("01:00", "01:30")),
        (SYDNEY, date(2026, 10, 4), ("02:00", "02:30")),  # southern spring: October
    ],
)
def test_spring_forward_skips_the_wall_times_that_do_not_exist(
    zone: str, day: date, gap_walls: tuple[str, ...]
) -> None:
    slots = slots_on(day, zone, weekly=every_day(zone, time(0), time(6)))
    walls = [f"{s.start:%H:%M}" for s in slots]
    for wall in gap_walls:
        assert wall not in walls
    # The day is an hour short: 5 real hours = 10 half-hour slots, every one 30 real minutes.
    assert len(slots) == 10
    # (Aware datetimes of one zone subtract as wall times: compare in UTC.)
    assert all(s.end.astimezone(UTC) - s.start_utc == timedelta(minutes=30) for s in slots)
    assert len({s.start_utc for s in slots}) == 10


@pytest.mark.parametrize(
    ("zone", "day", "repeated"),
    [
        (NY, date(2026, 11, 1), "01:00"),
        (LONDON, date(2026, 10, 25), "01:00"),
        (SYDNEY, date(2026, 4, 5), "02:00"),  # southern autumn: April
    ],
)
def test_fall_back_offers_both_passes_of_the_repeated_hour(
    zone: str, day: date, repeated: str
) -> None:
    slots = slots_on(day, zone, weekly=every_day(zone, time(0), time(6)))
    walls = [f"{s.start:%H:%M}" for s in slots]
    assert walls.count(repeated) == 2
    assert len({f"{s.start:%H:%M%z}" for s in slots if f"{s.start:%H:%M}" == repeated}) == 2
    assert len(slots) == 14  # 7 real hours
    starts = [s.start_utc for s in slots]
    assert starts == sorted(starts)


def test_kolkata_has_no_dst_and_a_half_hour_offset() -> None:
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        slots = slots_on(day, KOLKATA, weekly=every_day(KOLKATA, time(9), time(17)))
        assert len(slots) == 16
        assert slots[0].start_utc == datetime.combine(day, time(3, 30), tzinfo=UTC)


def test_a_range_ending_inside_the_gap_ends_at_the_jump() -> None:
    tz = ZoneInfo(NY)
    lo, hi = range_bounds(date(2026, 3, 8), time(1), time(2, 30), tz)
    assert lo == datetime(2026, 3, 8, 6, tzinfo=UTC)
    assert hi == datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT, the jump
    # Ending in the repeated hour of a fall-back day: the second pass (01:30 EST) ends it.
    lo, hi = range_bounds(date(2026, 11, 1), time(1, 15), time(1, 30), tz)
    assert lo == datetime(2026, 11, 1, 5, 15, tzinfo=UTC)  # 01:15 EDT, the first pass
    assert hi == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_a_range_ending_where_the_repeated_hour_begins_ends_at_its_first_pass() -> None:
    # 00:00-01:00 on New York's fall-back day: once the clock first reads 01:00 it never
    # reads a time before 01:00 again that day, so the range ends there (05:00 UTC), not at
    # the second 01:00 (06:00 UTC). Found by the brute-force property test.
    tz = ZoneInfo(NY)
    lo, hi = range_bounds(date(2026, 11, 1), time(0), time(1), tz)
    assert (lo, hi) == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 1, 5, tzinfo=UTC))
    slots = slots_on(date(2026, 11, 1), NY, weekly=every_day(NY, time(0), time(1)))
    assert [f"{s.start:%H:%M%z}" for s in slots] == ["00:00-0400", "00:30-0400"]


def test_visitor_zone_shows_the_same_instants() -> None:
    day = date(2026, 3, 8)
    here = slots_on(day, NY, weekly=every_day(NY, time(9), time(12)))
    there = slots_on(day, NY, weekly=every_day(NY, time(9), time(12)), visitor=KOLKATA)
    assert [s.start_utc for s in here] == [s.start_utc for s in there]
    assert there[0].start.utcoffset() == timedelta(hours=5, minutes=30)
    assert list(slots_by_day(there)) == [date(2026, 3, 8)]


# -- overrides and validity -------------------------------------------------------------------
def test_override_without_hours_closes_the_day_and_special_hours_replace_weekly() -> None:
    weekly = every_day(NY, time(9), time(17))
    closed = date(2026, 12, 25)
    assert slots_on(closed, NY, weekly=weekly, overrides=(DateOverride(closed, NY),)) == []
    special = date(2026, 12, 24)
    slots = slots_on(
        special, NY, weekly=weekly,
        overrides=(DateOverride(special, NY, time(10), time(11)),
                   DateOverride(special, NY, time(14), time(15))),
    )  # fmt: skip
    assert [f"{s.start:%H:%M}" for s in slots] == ["10:00", "10:30", "14:00", "14:30"]
    # The day after is untouched.
    assert len(slots_on(special + timedelta(days=2), NY, weekly=weekly)) == 16


def test_weekly_rules_only_on_their_weekday_and_within_validity() -> None:
    monday = date(2026, 6, 1)
    rule = WeeklyRange(1, time(9), time(10), LONDON, valid_from=date(2026, 6, 8))
    assert slots_on(monday, LONDON, weekly=(rule,)) == []
    assert len(slots_on(monday + timedelta(days=7), LONDON, weekly=(rule,))) == 2
    assert slots_on(monday + timedelta(days=8), LONDON, weekly=(rule,)) == []
    ended = WeeklyRange(1, time(9), time(10), LONDON, valid_to=date(2026, 6, 7))
    assert len(slots_on(monday, LONDON, weekly=(ended,))) == 2
    assert slots_on(monday + timedelta(days=7), LONDON, weekly=(ended,)) == []


# -- buffers, busy times, limits --------------------------------------------------------------
def utc(day: date, hh: int, mm: int = 0, zone: str = NY) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_buffers_may_fall_outside_open_hours_but_not_on_busy_time() -> None:
    day = date(2026, 6, 2)
    service = ServiceSpec(timedelta(minutes=30), timedelta(minutes=15), timedelta(minutes=15))
    weekly = every_day(NY, time(9), time(11))
    walls = [f"{s.start:%H:%M}" for s in slots_on(day, NY, weekly=weekly, service=service)]
    assert walls == ["09:00", "09:30", "10:00", "10:30"]  # edges kept: buffers outside hours
    # Busy 08:00-08:50 (an appointment with its buffer): 09:00 needs 08:45 free.
    busy = Member("u1", busy=((utc(day, 8), utc(day, 8, 50)),))
    walls = [f"{s.start:%H:%M}" for s in slots_on(day, NY, weekly=weekly, service=service,
                                                      members=(busy,))]  # fmt: skip
    assert walls == ["09:30", "10:00", "10:30"]
    # Busy from 11:10: 10:30 needs 11:15 free.
    late = Member("u1", busy=((utc(day, 11, 10), utc(day, 12)),))
    walls = [f"{s.start:%H:%M}" for s in slots_on(day, NY, weekly=weekly, service=service,
                                                      members=(late,))]  # fmt: skip
    assert walls == ["09:00", "09:30", "10:00"]
    # Back-to-back without buffers is fine: busy exactly up to the start.
    touching = Member("u1", busy=((utc(day, 8), utc(day, 9)),))
    assert len(slots_on(day, NY, weekly=weekly, members=(touching,))) == 4


def test_minimum_notice_max_days_ahead_and_slot_interval() -> None:
    day = date(2026, 6, 2)
    weekly = every_day(NY, time(9), time(17))
    now = utc(day, 9, 10)
    limits = Limits(min_notice=timedelta(hours=2), max_days_ahead=1,
                    slot_interval=timedelta(minutes=60))  # fmt: skip
    slots = slots_on(day, NY, weekly=weekly, limits=limits, now=now)
    assert [f"{s.start:%H:%M}" for s in slots][:2] == ["12:00", "13:00"]
    assert len(slots_on(day + timedelta(days=1), NY, weekly=weekly, limits=limits, now=now)) == 8
    assert slots_on(day + timedelta(days=2), NY, weekly=weekly, limits=limits, now=now) == []


def test_max_per_day_counts_the_members_bookings_of_that_local_day() -> None:
    day = date(2026, 6, 2)
    weekly = every_day(NY, time(9), time(10))
    full = Member("u1", bookings_per_day={day: 3})
    limits = Limits(max_per_day=3, max_days_ahead=100_000)
    assert slots_on(day, NY, weekly=weekly, members=(full,), limits=limits) == []
    assert len(slots_on(day + timedelta(days=1), NY, weekly=weekly, members=(full,),
                        limits=limits)) == 2  # fmt: skip


# -- teams ------------------------------------------------------------------------------------
def test_round_robin_offers_a_slot_while_anyone_is_free_and_picks_by_mode() -> None:
    day = date(2026, 6, 2)
    weekly = every_day(NY, time(9), time(10))
    ann = Member("ann", priority=0, bookings_in_period=5, busy=((utc(day, 9), utc(day, 9, 30)),))
    bob = Member("bob", priority=1, bookings_in_period=2)
    cat = Member("cat", priority=2, bookings_in_period=2)
    equal = slots_on(day, NY, weekly=weekly, members=(ann, bob, cat),
                     mode=TeamMode.ROUND_ROBIN_EQUAL)  # fmt: skip
    assert [s.assignees for s in equal] == [("bob",), ("bob",)]  # fewest, tie -> priority
    prio = slots_on(day, NY, weekly=weekly, members=(ann, bob, cat),
                    mode=TeamMode.ROUND_ROBIN_PRIORITY)  # fmt: skip
    assert [s.assignees for s in prio] == [("bob",), ("ann",)]  # ann busy at 9:00
    all_busy = tuple(Member(m, busy=((utc(day, 9), utc(day, 10)),)) for m in ("ann", "bob"))
    assert slots_on(day, NY, weekly=weekly, members=all_busy,
                    mode=TeamMode.ROUND_ROBIN_EQUAL) == []  # fmt: skip


def test_collective_needs_every_member_free() -> None:
    day = date(2026, 6, 2)
    weekly = every_day(NY, time(9), time(11))
    ann = Member("ann", busy=((utc(day, 9), utc(day, 9, 30)),))
    bob = Member("bob", busy=((utc(day, 10), utc(day, 10, 30)),))
    slots = slots_on(day, NY, weekly=weekly, members=(ann, bob), mode=TeamMode.COLLECTIVE)
    assert [f"{s.start:%H:%M}" for s in slots] == ["09:30", "10:30"]
    assert all(s.assignees == ("ann", "bob") for s in slots)


def test_busy_index_merges_and_probes() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    index = BusyIndex([(t + 3 * h, t + 4 * h), (t, t + h), (t + h / 2, t + 2 * h)])
    assert index.starts == [t, t + 3 * h]
    assert index.is_free(t + 2 * h, t + 3 * h)
    assert not index.is_free(t + 2 * h, t + 3 * h + timedelta(seconds=1))
    assert not index.is_free(t - h, t + timedelta(seconds=1))
    assert index.is_free(t + 4 * h, t + 9 * h)
