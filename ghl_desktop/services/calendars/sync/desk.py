"""The desktop app's calendar actions, one transaction each, on top of the booking and
availability functions (which work inside a caller's unit of work): services offered by a
calendar, open slots of a day, contacts to pick, book / reschedule / cancel / close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ghl_desktop.models.crm import Contact
from ghl_desktop.services import contact_search
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars import availability as av
from ghl_desktop.services.calendars import booking
from ghl_desktop.services.uow import UnitOfWorkFactory

CONTACT_PICKS = 20


@dataclass(frozen=True)
class ServiceChoice:
    id: str
    name: str
    duration_minutes: int


@dataclass(frozen=True)
class SlotChoice:
    start: datetime
    end: datetime
    assignees: tuple[str, ...]


@dataclass(frozen=True)
class ContactChoice:
    id: str
    label: str


def services_of(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str
) -> list[ServiceChoice]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        calendar = av.load_calendar(uow, calendar_id, sub_account_id)
        return [
            ServiceChoice(s.id, s.name, s.duration_minutes)
            for s in av.offered_services(uow, calendar)
        ]


def slots_on(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
    service_id: str,
    day: date,
    zone: str,
    *,
    exclude_appointment: str | None = None,
) -> list[SlotChoice]:
    """Open slots starting on ``day`` (a local date in ``zone``)."""
    visitor_zone = av.parse_zone(zone)
    start, end = av.local_day_window(day, day, visitor_zone)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        calendar = av.load_calendar(uow, calendar_id, sub_account_id)
        service = av.load_service(uow, calendar, service_id)
        found = av.find_slots(
            uow, calendar, service, start, end, visitor_zone,
            exclude_appointment=exclude_appointment,
        )  # fmt: skip
        return [SlotChoice(s.start, s.end, s.assignees) for s in found]


def find_contacts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, text: str
) -> list[ContactChoice]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        ids = contact_search.search_contact_ids(uow.session, sub_account_id, text, CONTACT_PICKS)
        if not ids:
            return []
        rows = {c.id: c for c in uow.session.scalars(select(Contact).where(Contact.id.in_(ids)))}
        found = []
        for contact_id in ids:
            contact = rows.get(contact_id)
            if contact is None:
                continue
            name = f"{contact.first_name} {contact.last_name}".strip() or contact.company
            detail = contact.email or contact.phone or ""
            found.append(ContactChoice(contact.id, f"{name} <{detail}>" if detail else name))
        return found


def book(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    *,
    calendar_id: str,
    service_id: str,
    contact_id: str,
    start_at: datetime,
    notes: str = "",
    timezone: str = "UTC",
) -> str:
    with uows.tenant(actor, sub_account_id) as uow:
        info = booking.book(
            uow, calendar_id=calendar_id, service_id=service_id, start_at=start_at,
            contact_id=contact_id, notes=notes, invitee_timezone=timezone,
            booked_via="desktop", sub_account_id=sub_account_id,
        )  # fmt: skip
        uow.commit()
        return info.id


def reschedule(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, appointment_id: str, start: datetime
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        booking.reschedule(uow, appointment_id, start, sub_account_id=sub_account_id)
        uow.commit()


def set_outcome(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, appointment_id: str, outcome: str,
    *, reason: str = "",
) -> None:  # fmt: skip
    """``outcome``: cancelled, confirmed, completed or no_show."""
    with uows.tenant(actor, sub_account_id) as uow:
        if outcome == "cancelled":
            booking.cancel(uow, appointment_id, reason=reason, sub_account_id=sub_account_id)
        elif outcome == "confirmed":
            booking.confirm(uow, appointment_id, sub_account_id=sub_account_id)
        elif outcome == "completed":
            booking.complete(uow, appointment_id, sub_account_id=sub_account_id)
        elif outcome == "no_show":
            booking.mark_no_show(uow, appointment_id, sub_account_id=sub_account_id)
        else:
            raise ValueError(f"unknown outcome {outcome!r}")
        uow.commit()


def first_open_day(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
    service_id: str,
    day: date,
    zone: str,
    *,
    days: int = 31,
) -> date | None:
    """The first local date from ``day`` on (within ``days``) with an open slot."""
    visitor_zone = av.parse_zone(zone)
    start, end = av.local_day_window(day, day + timedelta(days=days - 1), visitor_zone)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        calendar = av.load_calendar(uow, calendar_id, sub_account_id)
        service = av.load_service(uow, calendar, service_id)
        found = av.find_slots(uow, calendar, service, start, end, visitor_zone)
        return found[0].start.date() if found else None
