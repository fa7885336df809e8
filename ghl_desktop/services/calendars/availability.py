"""From the database to the slot engine: a calendar's rules, its members and their busy times.

Every query filters by the calendar's sub-account by hand, so the same code serves a tenant
unit of work (desktop, CLI) and the system unit of work of the public booking page.

Busy time of a member (a user) is everything that holds that person, whichever calendar it is
on: live appointments assigned to them, live appointments of collective team calendars they
belong to (every member attends), and busy external events of their own user calendars and of
the team calendars they belong to. Appointments count with their buffers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, func, or_, select, type_coerce

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    AvailabilityKind,
    AvailabilityRule,
    Calendar,
    CalendarExternalEvent,
    CalendarKind,
    CalendarService,
    CalendarServiceLink,
    CalendarTeamMember,
    Distribution,
    RoundRobinMode,
)
from ghl_desktop.services.calendars.slots import (
    CalendarSpec,
    DateOverride,
    Interval,
    Limits,
    Member,
    ServiceSpec,
    Slot,
    TeamMode,
    WeeklyRange,
    available_slots,
)
from ghl_desktop.services.uow import UnitOfWork

# Appointments reaching into the window from before it (long services, buffers) are found by
# looking this far back; services and buffers are capped well below it.
LOOKBACK = timedelta(days=2)
# "Fewest bookings in the period" for equal distribution: this many days back from now.
DISTRIBUTION_PERIOD = timedelta(days=30)
MAX_WINDOW = timedelta(days=400)


def load_calendar(uow: UnitOfWork, calendar_id: str, sub_account_id: str | None = None) -> Calendar:
    stmt = select(Calendar).where(Calendar.id == calendar_id)
    if sub_account_id is not None:
        stmt = stmt.where(Calendar.sub_account_id == sub_account_id)
    calendar = uow.session.scalars(stmt.where(Calendar.deleted_at.is_(None))).first()
    if calendar is None:
        raise NotFound("calendar", calendar_id)
    return calendar


def offered_services(uow: UnitOfWork, calendar: Calendar) -> list[CalendarService]:
    """The active services bookable on the calendar: its linked ones, or every one if none."""
    base = select(CalendarService).where(
        CalendarService.sub_account_id == calendar.sub_account_id,
        CalendarService.is_active.is_(True),
        CalendarService.deleted_at.is_(None),
    )
    linked = select(CalendarServiceLink.service_id).where(
        CalendarServiceLink.calendar_id == calendar.id,
        CalendarServiceLink.sub_account_id == calendar.sub_account_id,
    )
    if uow.session.scalar(select(func.count()).select_from(linked.subquery())):
        base = base.where(CalendarService.id.in_(linked))
    return list(uow.session.scalars(base.order_by(CalendarService.name)))


def load_service(uow: UnitOfWork, calendar: Calendar, service_id: str) -> CalendarService:
    for service in offered_services(uow, calendar):
        if service.id == service_id:
            return service
    raise ValidationError("service_id", "is not a bookable service of this calendar")


def team_mode(calendar: Calendar) -> TeamMode:
    if calendar.kind == CalendarKind.USER:
        return TeamMode.SINGLE
    if calendar.distribution == Distribution.COLLECTIVE:
        return TeamMode.COLLECTIVE
    if calendar.round_robin_mode == RoundRobinMode.PRIORITY:
        return TeamMode.ROUND_ROBIN_PRIORITY
    return TeamMode.ROUND_ROBIN_EQUAL


def calendar_spec(uow: UnitOfWork, calendar: Calendar) -> CalendarSpec:
    rules = uow.session.scalars(
        select(AvailabilityRule).where(
            AvailabilityRule.calendar_id == calendar.id,
            AvailabilityRule.sub_account_id == calendar.sub_account_id,
            AvailabilityRule.is_active.is_(True),
        )
    ).all()
    weekly, overrides = [], []
    for r in rules:
        if r.kind == AvailabilityKind.WEEKLY and r.day_of_week is not None and r.start_time:
            assert r.end_time is not None
            weekly.append(WeeklyRange(r.day_of_week, r.start_time, r.end_time, r.timezone,
                                      r.valid_from, r.valid_to))  # fmt: skip
        elif r.kind == AvailabilityKind.OVERRIDE and r.override_date is not None:
            overrides.append(DateOverride(r.override_date, r.timezone, r.start_time, r.end_time))
    limits = Limits(
        min_notice=timedelta(minutes=calendar.min_notice_minutes),
        max_days_ahead=calendar.max_days_ahead, max_per_day=calendar.max_per_day,
        slot_interval=timedelta(minutes=calendar.slot_interval_minutes),
    )  # fmt: skip
    return CalendarSpec(calendar.timezone, tuple(weekly), tuple(overrides), limits,
                        team_mode(calendar))  # fmt: skip


def member_ids(uow: UnitOfWork, calendar: Calendar) -> list[tuple[str, int]]:
    """(user id, priority) of who takes the calendar's bookings, by priority."""
    if calendar.kind == CalendarKind.USER:
        return [(calendar.owner_user_id, 0)] if calendar.owner_user_id else []
    rows = uow.session.execute(
        select(CalendarTeamMember.user_id, CalendarTeamMember.priority)
        .where(
            CalendarTeamMember.calendar_id == calendar.id,
            CalendarTeamMember.sub_account_id == calendar.sub_account_id,
            CalendarTeamMember.is_active.is_(True),
        )
        .order_by(CalendarTeamMember.priority, CalendarTeamMember.user_id)
    )
    return [(str(u), int(p)) for u, p in rows]


def _utc(value: str | datetime) -> datetime:
    """A stored instant read raw: ISO text from SQLite (UTC, naive), a datetime elsewhere."""
    if isinstance(value, str):
        if len(value) in (19, 26):  # "YYYY-MM-DD HH:MM:SS[.ffffff]": naive UTC, one C call
            return datetime.fromisoformat(value + "+00:00")
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _live(sub_account_id: str) -> list[ColumnElement[bool]]:
    return [
        Appointment.sub_account_id == sub_account_id,
        Appointment.deleted_at.is_(None),
        Appointment.status != AppointmentStatus.CANCELLED,
    ]


def busy_intervals(
    uow: UnitOfWork, sub_account_id: str, user_ids: Sequence[str], start: datetime,
    end: datetime, *, exclude_appointment: str | None = None,
) -> dict[str, list[Interval]]:  # fmt: skip
    """Each user's busy intervals overlapping ``[start, end)`` (see the module rules)."""
    busy: dict[str, list[Interval]] = {u: [] for u in user_ids}
    if not user_ids:
        return busy
    lo, hi = start - LOOKBACK, end + LOOKBACK
    in_window = [Appointment.start_at < hi, Appointment.end_at > lo]
    if exclude_appointment is not None:
        in_window.append(Appointment.id != exclude_appointment)
    s = uow.session
    memberships = s.execute(
        select(CalendarTeamMember.calendar_id, CalendarTeamMember.user_id).where(
            CalendarTeamMember.sub_account_id == sub_account_id,
            CalendarTeamMember.user_id.in_(user_ids),
            CalendarTeamMember.is_active.is_(True),
        )
    ).all()
    teams: dict[str, set[str]] = defaultdict(set)
    for calendar_id, user_id in memberships:
        teams[str(calendar_id)].add(str(user_id))
    collective = set(
        s.scalars(
            select(Calendar.id).where(
                Calendar.id.in_(list(teams)), Calendar.distribution == Distribution.COLLECTIVE,
                Calendar.kind == CalendarKind.TEAM,
            )
        )
    ) if teams else set()  # fmt: skip
    holders = or_(
        Appointment.assigned_user_id.in_(user_ids), Appointment.calendar_id.in_(collective)
    )
    # Columns, not entities, and times parsed here: thousands of appointments load several
    # times faster than through ORM objects and the generic SQLite datetime parser.
    rows = s.execute(
        select(Appointment.calendar_id, Appointment.assigned_user_id,
               type_coerce(Appointment.start_at, String), type_coerce(Appointment.end_at, String),
               Appointment.buffer_before_minutes, Appointment.buffer_after_minutes)
        .where(*_live(sub_account_id), *in_window, holders)
    )  # fmt: skip
    minute = timedelta(minutes=1)
    for calendar_id, assignee, raw_start, raw_end, before, after in rows:
        span = (_utc(raw_start) - before * minute, _utc(raw_end) + after * minute)
        if calendar_id in collective:
            for user_id in teams.get(calendar_id, ()):
                busy[user_id].append(span)
            if assignee in busy and assignee not in teams.get(calendar_id, ()):
                busy[assignee].append(span)
        elif assignee in busy:
            busy[assignee].append(span)
    # External busy events: of the users' own calendars and of their team calendars.
    owners = dict(
        s.execute(
            select(Calendar.id, Calendar.owner_user_id).where(
                Calendar.sub_account_id == sub_account_id, Calendar.kind == CalendarKind.USER,
                Calendar.owner_user_id.in_(user_ids), Calendar.deleted_at.is_(None),
            )
        ).all()
    )  # fmt: skip
    sources = set(owners) | set(teams)
    if sources:
        events = s.execute(
            select(CalendarExternalEvent.calendar_id, CalendarExternalEvent.starts_at,
                   CalendarExternalEvent.ends_at).where(
                CalendarExternalEvent.sub_account_id == sub_account_id,
                CalendarExternalEvent.calendar_id.in_(sources),
                CalendarExternalEvent.is_busy.is_(True),
                CalendarExternalEvent.starts_at < hi, CalendarExternalEvent.ends_at > lo,
            )
        )  # fmt: skip
        for calendar_id, starts_at, ends_at in events:
            users = set(teams.get(calendar_id, ()))
            if calendar_id in owners and owners[calendar_id] is not None:
                users.add(str(owners[calendar_id]))
            for user_id in users:
                busy[user_id].append((starts_at, ends_at))
    return busy


def _counts(
    uow: UnitOfWork, calendar: Calendar, user_ids: Sequence[str], now: datetime,
    start: datetime, end: datetime,
) -> tuple[dict[str, int], dict[str, dict[date, int]]]:  # fmt: skip
    """Bookings per member of this calendar: since the distribution period began (round robin
    only), and per calendar-zone day of the window (only when there is a daily cap)."""
    where = [*_live(calendar.sub_account_id), Appointment.calendar_id == calendar.id,
             Appointment.assigned_user_id.in_(user_ids)]  # fmt: skip
    period: dict[str, int] = {}
    if team_mode(calendar) in (TeamMode.ROUND_ROBIN_EQUAL, TeamMode.ROUND_ROBIN_PRIORITY):
        rows = uow.session.execute(
            select(Appointment.assigned_user_id, func.count())
            .where(*where, Appointment.start_at >= now - DISTRIBUTION_PERIOD)
            .group_by(Appointment.assigned_user_id)
        )  # fmt: skip
        period = {str(user_id): int(n) for user_id, n in rows}
    per_day: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    if calendar.max_per_day is not None:
        home = ZoneInfo(calendar.timezone)
        starts = uow.session.execute(
            select(Appointment.assigned_user_id, Appointment.start_at).where(
                *where, Appointment.start_at >= start - timedelta(days=1),
                Appointment.start_at < end + timedelta(days=1),
            )
        )  # fmt: skip
        for user_id, start_at in starts:
            per_day[str(user_id)][start_at.astimezone(home).date()] += 1
    return period, {u: dict(d) for u, d in per_day.items()}


def members_for(
    uow: UnitOfWork, calendar: Calendar, start: datetime, end: datetime, now: datetime,
    *, exclude_appointment: str | None = None,
) -> list[Member]:  # fmt: skip
    ids = member_ids(uow, calendar)
    users = [u for u, _ in ids]
    busy = busy_intervals(uow, calendar.sub_account_id, users, start, end,
                          exclude_appointment=exclude_appointment)  # fmt: skip
    period, per_day = _counts(uow, calendar, users, now, start, end)
    if calendar.kind == CalendarKind.TEAM and calendar.distribution == Distribution.COLLECTIVE:
        # Per-day caps of a collective calendar count its bookings, held by its host.
        host_days = per_day.get(users[0], {}) if users else {}
        per_day = dict.fromkeys(users, host_days)
    return [Member(u, p, tuple(busy[u]), period.get(u, 0), per_day.get(u, {})) for u, p in ids]


def service_spec(service: CalendarService) -> ServiceSpec:
    return ServiceSpec(
        timedelta(minutes=service.duration_minutes),
        timedelta(minutes=service.buffer_before_minutes),
        timedelta(minutes=service.buffer_after_minutes),
    )


def check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("from", "must be timezone-aware")
    if end <= start:
        raise ValidationError("to", "must be after from")
    if end - start > MAX_WINDOW:
        raise ValidationError("to", f"the window is at most {MAX_WINDOW.days} days")


def find_slots(
    uow: UnitOfWork, calendar: Calendar, service: CalendarService, start: datetime,
    end: datetime, visitor_zone: ZoneInfo, *, exclude_appointment: str | None = None,
) -> list[Slot]:  # fmt: skip
    """Open slots of ``service`` on ``calendar`` starting in ``[start, end)``."""
    check_window(start, end)
    now = uow.clock.now()
    members = members_for(uow, calendar, start, end, now, exclude_appointment=exclude_appointment)
    return available_slots(
        calendar_spec(uow, calendar), service_spec(service), members,
        window_start=start.astimezone(UTC), window_end=end.astimezone(UTC), now=now,
        visitor_zone=visitor_zone,
    )  # fmt: skip


def parse_zone(value: str, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ValueError, KeyError):
        raise ValidationError(field, f"unknown IANA time zone {value!r}") from None


def local_day_window(day_from: date, day_to: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start of day_from, start of the day after day_to)`` in ``zone``, as UTC."""
    if day_to < day_from:
        raise ValidationError("to", "must not be before from")
    start = datetime.combine(day_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
