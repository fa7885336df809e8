"""Setting calendars up: calendars (user or team), their booking limits and reminders, the
services they offer, weekly availability with date overrides, and team members.

Each command opens its own tenant unit of work, checks ``calendars.manage`` (reads:
``calendars.read``) and returns plain data for the GUI and the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import delete, select

from ghl_desktop.core.errors import Conflict, ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.calendars import (
    AvailabilityKind,
    AvailabilityRule,
    Calendar,
    CalendarKind,
    CalendarService,
    CalendarServiceLink,
    CalendarTeamMember,
    Distribution,
    RoundRobinMode,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars.availability import load_calendar, member_ids, parse_zone
from ghl_desktop.services.calendars.tokens import booking_path
from ghl_desktop.services.crm_common import check_assignee
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
LIMIT_FIELDS = {
    "min_notice_minutes": (0, 60 * 24 * 365), "max_days_ahead": (1, 730),
    "slot_interval_minutes": (5, 24 * 60), "max_per_day": (1, 1000),
}  # fmt: skip


@dataclass(frozen=True)
class CalendarInfo:
    id: str
    sub_account_id: str
    name: str
    slug: str
    kind: CalendarKind
    distribution: Distribution
    round_robin_mode: RoundRobinMode
    owner_user_id: str | None
    timezone: str
    description: str
    min_notice_minutes: int
    max_days_ahead: int
    max_per_day: int | None
    slot_interval_minutes: int
    reminder_offsets_minutes: tuple[int, ...]
    reminders_enabled: bool
    is_active: bool
    members: tuple[tuple[str, int], ...]  # (user id, priority)
    booking_path: str

    @staticmethod
    def of(uow: UnitOfWork, c: Calendar) -> CalendarInfo:
        return CalendarInfo(
            c.id, c.sub_account_id, c.name, c.slug, CalendarKind(c.kind),
            Distribution(c.distribution), RoundRobinMode(c.round_robin_mode), c.owner_user_id,
            c.timezone, c.description, c.min_notice_minutes, c.max_days_ahead, c.max_per_day,
            c.slot_interval_minutes, tuple(c.reminder_offsets_minutes or ()),
            c.reminders_enabled, c.is_active, tuple(member_ids(uow, c)),
            booking_path(c.sub_account_id, c.slug),
        )  # fmt: skip


@dataclass(frozen=True)
class RuleInfo:
    id: str
    kind: AvailabilityKind
    day_of_week: int | None
    override_date: date | None
    start_time: time | None
    end_time: time | None
    timezone: str
    valid_from: date | None
    valid_to: date | None


def _int(values: Mapping[str, Any], key: str) -> int | None:
    value = values[key]
    if value is None and key == "max_per_day":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(key, f"must be a whole number, got {value!r}")
    low, high = LIMIT_FIELDS[key]
    if not low <= value <= high:
        raise ValidationError(key, f"must be between {low} and {high}")
    return value


def _apply(uow: UnitOfWork, c: Calendar, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if key in ("name", "description"):
            text = str(value or "").strip()
            if key == "name" and not text:
                raise ValidationError("name", "is required")
            setattr(c, key, text[:200] if key == "name" else text)
        elif key == "slug":
            slug = str(value or "").strip().lower()
            if not _SLUG.match(slug):
                raise ValidationError("slug", "use lower-case letters, digits and dashes")
            taken = uow.session.scalar(
                select(Calendar.id).where(Calendar.slug == slug, Calendar.id != c.id)
            )
            if taken:
                raise Conflict("slug", f"another calendar already uses {slug!r}")
            c.slug = slug
        elif key in LIMIT_FIELDS:
            setattr(c, key, _int(values, key))
        elif key == "timezone":
            c.timezone = parse_zone(str(value)).key
        elif key == "distribution":
            c.distribution = _enum(Distribution, value, key)
        elif key == "round_robin_mode":
            c.round_robin_mode = _enum(RoundRobinMode, value, key)
        elif key == "reminder_offsets_minutes":
            offsets = sorted({int(v) for v in value or ()}, reverse=True)
            if any(not 1 <= o <= 60 * 24 * 30 for o in offsets) or len(offsets) > 5:
                raise ValidationError(key, "up to 5 offsets between 1 minute and 30 days")
            c.reminder_offsets_minutes = offsets
        elif key in ("reminders_enabled", "is_active"):
            setattr(c, key, bool(value))
        elif key == "owner_user_id":
            check_assignee(uow, value, key)
            c.owner_user_id = value
        else:
            raise ValidationError(key, "is not a calendar setting")


def _enum(cls: Any, value: Any, field: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(field, f"must be one of {allowed}") from None


def create_calendar(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, name: str, slug: str,
    kind: CalendarKind = CalendarKind.USER, owner_user_id: str | None = None,
    timezone: str = "UTC", **settings: Any,
) -> CalendarInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = Calendar(id=new_id(), kind=_enum(CalendarKind, kind, "kind"), name="", slug="")
        _apply(uow, calendar, {"name": name, "slug": slug, "timezone": timezone, **settings})
        if calendar.kind == CalendarKind.USER:
            if owner_user_id is None:
                raise ValidationError("owner_user_id", "a user calendar needs its user")
            _apply(uow, calendar, {"owner_user_id": owner_user_id})
        uow.session.add(calendar)
        uow.flush()
        info = CalendarInfo.of(uow, calendar)
        uow.commit()
        return info


def update_calendar(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                    calendar_id: str, changes: Mapping[str, Any]) -> CalendarInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = load_calendar(uow, calendar_id, sub_account_id)
        _apply(uow, calendar, changes)
        calendar.updated_at = uow.clock.now()
        uow.flush()
        info = CalendarInfo.of(uow, calendar)
        uow.commit()
        return info


def list_calendars(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
                   ) -> list[CalendarInfo]:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        rows = uow.session.scalars(select(Calendar).order_by(Calendar.name)).all()
        return [CalendarInfo.of(uow, c) for c in rows]


def get_calendar(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                 calendar_id: str) -> CalendarInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        return CalendarInfo.of(uow, load_calendar(uow, calendar_id, sub_account_id))


def set_team_members(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str,
    members: Sequence[tuple[str, int]],
) -> CalendarInfo:  # fmt: skip
    """Replace a team calendar's members with (user id, priority; lower = first)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = load_calendar(uow, calendar_id, sub_account_id)
        if calendar.kind != CalendarKind.TEAM:
            raise ValidationError("calendar_id", "only team calendars have members")
        if len({u for u, _ in members}) != len(members):
            raise ValidationError("members", "a user is listed twice")
        for user_id, _ in members:
            check_assignee(uow, user_id, "members")
        uow.session.execute(
            delete(CalendarTeamMember).where(CalendarTeamMember.calendar_id == calendar.id)
        )
        uow.session.add_all(
            CalendarTeamMember(calendar_id=calendar.id, user_id=u, priority=int(p))
            for u, p in members
        )
        uow.flush()
        info = CalendarInfo.of(uow, calendar)
        uow.commit()
        return info


def _time(value: Any, field: str) -> time | None:
    if value is None or isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a time like 09:00") from None


def _date(value: Any, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date like 2026-12-25") from None


def _rule(calendar: Calendar, raw: Mapping[str, Any], n: int) -> AvailabilityRule:
    kind = _enum(AvailabilityKind, raw.get("kind", "weekly"), f"rules[{n}].kind")
    start = _time(raw.get("start_time"), f"rules[{n}].start_time")
    end = _time(raw.get("end_time"), f"rules[{n}].end_time")
    if (start is None) != (end is None) or (start and end and start >= end):
        raise ValidationError(f"rules[{n}].end_time", "must be after the start time")
    zone = parse_zone(str(raw.get("timezone") or calendar.timezone), f"rules[{n}].timezone")
    rule = AvailabilityRule(calendar_id=calendar.id, kind=kind, start_time=start, end_time=end,
                            timezone=zone.key)  # fmt: skip
    if kind == AvailabilityKind.WEEKLY:
        day = raw.get("day_of_week")
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValidationError(f"rules[{n}].day_of_week", "must be 0 (Sunday) to 6")
        if start is None:
            raise ValidationError(f"rules[{n}].start_time", "a weekly range needs hours")
        rule.day_of_week = day
        rule.valid_from = _date(raw.get("valid_from"), f"rules[{n}].valid_from")
        rule.valid_to = _date(raw.get("valid_to"), f"rules[{n}].valid_to")
        if rule.valid_from and rule.valid_to and rule.valid_from > rule.valid_to:
            raise ValidationError(f"rules[{n}].valid_to", "must not be before valid_from")
    else:
        rule.override_date = _date(raw.get("date") or raw.get("override_date"), f"rules[{n}].date")
        if rule.override_date is None:
            raise ValidationError(f"rules[{n}].date", "an override needs its date")
    return rule


def set_availability(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str,
    rules: Sequence[Mapping[str, Any]],
) -> list[RuleInfo]:  # fmt: skip
    """Replace the calendar's rules. Each: ``kind`` weekly (``day_of_week`` 0 = Sunday,
    ``start_time``, ``end_time``, optional ``valid_from``/``valid_to``) or override (``date``;
    no times = closed); ``timezone`` defaults to the calendar's."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = load_calendar(uow, calendar_id, sub_account_id)
        built = [_rule(calendar, raw, n) for n, raw in enumerate(rules)]
        uow.session.execute(
            delete(AvailabilityRule).where(AvailabilityRule.calendar_id == calendar.id)
        )
        uow.session.add_all(built)
        uow.flush()
        result = list_rules_in(uow, calendar.id)
        uow.commit()
        return result


def list_rules_in(uow: UnitOfWork, calendar_id: str) -> list[RuleInfo]:
    rows = uow.session.scalars(
        select(AvailabilityRule)
        .where(AvailabilityRule.calendar_id == calendar_id)
        .order_by(AvailabilityRule.kind, AvailabilityRule.day_of_week,
                  AvailabilityRule.override_date, AvailabilityRule.start_time)
    )  # fmt: skip
    return [
        RuleInfo(r.id, AvailabilityKind(r.kind), r.day_of_week, r.override_date, r.start_time,
                 r.end_time, r.timezone, r.valid_from, r.valid_to)
        for r in rows
    ]  # fmt: skip


def list_rules(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
               calendar_id: str) -> list[RuleInfo]:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        load_calendar(uow, calendar_id, sub_account_id)
        return list_rules_in(uow, calendar_id)


def link_services(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                  calendar_id: str, service_ids: Sequence[str]) -> None:  # fmt: skip
    """The services the calendar offers (none linked = every active service)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = load_calendar(uow, calendar_id, sub_account_id)
        known = set(uow.session.scalars(select(CalendarService.id)))
        for sid in service_ids:
            if sid not in known:
                raise ValidationError("service_ids", f"no service {sid}")
        uow.session.execute(
            delete(CalendarServiceLink).where(CalendarServiceLink.calendar_id == calendar.id)
        )
        uow.session.add_all(
            CalendarServiceLink(calendar_id=calendar.id, service_id=s) for s in set(service_ids)
        )
        uow.commit()
