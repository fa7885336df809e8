"""Read models for the calendar screens: the calendars of a sub-account (with their team and
sync state), and what happens in a date range - appointments plus external busy times - for
everything, one person, or one calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    Calendar,
    CalendarExternalEvent,
    CalendarService,
    CalendarSyncState,
    CalendarTeamMember,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import User
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_ITEMS = 3000  # a month of a busy team fits; more would not be readable in one view


@dataclass(frozen=True)
class CalendarRow:
    id: str
    name: str
    kind: str
    slug: str
    timezone: str
    owner_user_id: str | None
    owner_name: str
    member_ids: tuple[str, ...]
    is_active: bool
    sync_status: str | None  # None = not connected


@dataclass(frozen=True)
class PersonRow:
    id: str
    name: str


@dataclass(frozen=True)
class AgendaItem:
    id: str
    calendar_id: str
    calendar_name: str
    start_at: datetime
    end_at: datetime
    title: str
    contact_id: str | None
    contact_name: str
    service_name: str
    status: str
    assigned_user_id: str | None
    assigned_name: str
    notes: str


@dataclass(frozen=True)
class BusyItem:
    calendar_id: str
    start_at: datetime
    end_at: datetime
    summary: str


@dataclass(frozen=True)
class Agenda:
    items: list[AgendaItem]
    busy: list[BusyItem]
    truncated: bool


@dataclass(frozen=True)
class Overview:
    calendars: list[CalendarRow]
    people: list[PersonRow]


def _names(uow: UnitOfWork, user_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in user_ids if u}
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(User.id, User.full_name, User.email).where(User.id.in_(wanted))
    )
    return {uid: (name or email) for uid, name, email in rows}


def overview(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> Overview:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        calendars = list(uow.session.scalars(select(Calendar).order_by(Calendar.name)))
        members: dict[str, list[str]] = {}
        for cal_id, user_id in uow.session.execute(
            select(CalendarTeamMember.calendar_id, CalendarTeamMember.user_id)
            .where(CalendarTeamMember.is_active.is_(True))
            .order_by(CalendarTeamMember.priority)
        ):
            members.setdefault(cal_id, []).append(user_id)
        # .all(): dict() of a Result itself would take it for a mapping (it has keys())
        states = dict(
            uow.session.execute(
                select(CalendarSyncState.calendar_id, CalendarSyncState.status)
            ).all()
        )
        people_ids = {c.owner_user_id for c in calendars} | {
            u for ids in members.values() for u in ids
        }
        names = _names(uow, people_ids)
        rows = [
            CalendarRow(
                id=c.id,
                name=c.name,
                kind=c.kind.value,
                slug=c.slug,
                timezone=c.timezone,
                owner_user_id=c.owner_user_id,
                owner_name=names.get(c.owner_user_id or "", ""),
                member_ids=tuple(members.get(c.id, ())),
                is_active=c.is_active,
                sync_status=str(states[c.id]) if c.id in states else None,
            )
            for c in calendars
        ]
        people = sorted((PersonRow(i, n) for i, n in names.items()), key=lambda p: p.name.lower())
        return Overview(rows, people)


def agenda(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    start: datetime,
    end: datetime,
    *,
    calendar_id: str | None = None,
    user_id: str | None = None,
    include_cancelled: bool = False,
) -> Agenda:
    """Appointments overlapping ``[start, end)`` and external busy times, optionally narrowed to
    one calendar or to one person (their appointments on any calendar, and the busy times of
    calendars they own)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        query = (
            select(Appointment, Calendar.name, Contact.first_name, Contact.last_name,
                   CalendarService.name)
            .join(Calendar, Calendar.id == Appointment.calendar_id)
            .outerjoin(Contact, Contact.id == Appointment.contact_id)
            .outerjoin(CalendarService, CalendarService.id == Appointment.service_id)
            .where(Appointment.start_at < end, Appointment.end_at > start)
            .order_by(Appointment.start_at)
            .limit(MAX_ITEMS + 1)
        )  # fmt: skip
        if not include_cancelled:
            query = query.where(Appointment.status != AppointmentStatus.CANCELLED)
        if calendar_id is not None:
            query = query.where(Appointment.calendar_id == calendar_id)
        if user_id is not None:
            query = query.where(Appointment.assigned_user_id == user_id)
        rows = list(uow.session.execute(query))
        truncated = len(rows) > MAX_ITEMS
        rows = rows[:MAX_ITEMS]
        names = _names(uow, (r[0].assigned_user_id for r in rows))
        items = [
            AgendaItem(
                id=a.id,
                calendar_id=a.calendar_id,
                calendar_name=cal_name,
                start_at=a.start_at,
                end_at=a.end_at,
                title=a.title or service or "Appointment",
                contact_id=a.contact_id,
                contact_name=f"{first or ''} {last or ''}".strip(),
                service_name=service or "",
                status=a.status.value,
                assigned_user_id=a.assigned_user_id,
                assigned_name=names.get(a.assigned_user_id or "", ""),
                notes=a.notes,
            )
            for a, cal_name, first, last, service in rows
        ]
        busy_query = select(CalendarExternalEvent).where(
            CalendarExternalEvent.is_busy.is_(True),
            CalendarExternalEvent.starts_at < end,
            CalendarExternalEvent.ends_at > start,
        )
        if calendar_id is not None:
            busy_query = busy_query.where(CalendarExternalEvent.calendar_id == calendar_id)
        if user_id is not None:
            owned = select(Calendar.id).where(Calendar.owner_user_id == user_id)
            busy_query = busy_query.where(CalendarExternalEvent.calendar_id.in_(owned))
        busy = [
            BusyItem(e.calendar_id, e.starts_at, e.ends_at, e.summary)
            for e in uow.session.scalars(busy_query.order_by(CalendarExternalEvent.starts_at))
        ]
        return Agenda(items, busy, truncated)
