"""What the public booking page may see and do, for visitors who are nobody's users.

Each call opens a tenant unit of work as the system actor for the sub-account named in the
address, so every query is confined to it; a calendar is visible when it is live and active and
its sub-account is not archived. Appointments are reached only by id from a signed token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.calendars import Appointment, Calendar, CalendarService
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.calendars import availability as av
from ghl_desktop.services.calendars import booking
from ghl_desktop.services.calendars.booking import OPEN, AppointmentInfo
from ghl_desktop.services.calendars.invitees import Invitee
from ghl_desktop.services.calendars.reminders import preferred_channel
from ghl_desktop.services.calendars.slots import Slot
from ghl_desktop.services.outbox import enqueue
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

DAYS_SHOWN = 14


@dataclass(frozen=True)
class PublicService:
    id: str
    name: str
    description: str
    duration_minutes: int
    price_minor: int
    currency: str


@dataclass(frozen=True)
class PublicCalendar:
    id: str
    sub_account_id: str
    slug: str
    name: str
    description: str
    timezone: str
    max_days_ahead: int
    services: tuple[PublicService, ...]


@dataclass(frozen=True)
class PublicAppointment:
    id: str
    sub_account_id: str
    calendar: PublicCalendar
    service: PublicService | None
    start_at: datetime
    end_at: datetime
    status: str
    invitee_timezone: str
    is_open: bool  # can still be rescheduled or cancelled


def _visible_sub(uow: UnitOfWork, sub_account_id: str) -> bool:
    sub = uow.session.get(SubAccount, sub_account_id)
    return sub is not None and sub.archived_at is None


def _public(uow: UnitOfWork, c: Calendar) -> PublicCalendar:
    services = tuple(
        PublicService(s.id, s.name, s.description, s.duration_minutes, s.price_minor, s.currency)
        for s in av.offered_services(uow, c)
    )
    return PublicCalendar(c.id, c.sub_account_id, c.slug, c.name, c.description, c.timezone,
                          c.max_days_ahead, services)  # fmt: skip


def _open(uows: UnitOfWorkFactory, sub_account_id: str, *, read_only: bool) -> UnitOfWork | None:
    try:
        return uows.tenant(SYSTEM, sub_account_id, read_only=read_only)
    except NotFound:
        return None


def _calendar(uow: UnitOfWork, slug: str) -> Calendar | None:
    if not _visible_sub(uow, uow.sub_account_id):
        return None
    return uow.session.scalars(
        select(Calendar).where(Calendar.slug == slug, Calendar.is_active.is_(True))
    ).first()


def calendar_page(uows: UnitOfWorkFactory, sub_account_id: str, slug: str) -> PublicCalendar | None:
    uow = _open(uows, sub_account_id, read_only=True)
    if uow is None:
        return None
    with uow:
        calendar = _calendar(uow, slug)
        return _public(uow, calendar) if calendar is not None else None


def slots_for_days(
    uows: UnitOfWorkFactory, sub_account_id: str, calendar_id: str, service_id: str,
    first_day: date, zone: ZoneInfo, *, days: int = DAYS_SHOWN,
    exclude_appointment: str | None = None,
) -> list[Slot]:  # fmt: skip
    """Open slots of ``days`` days from ``first_day`` (the visitor's dates)."""
    start, end = av.local_day_window(first_day, first_day + timedelta(days=days - 1), zone)
    uow = _open(uows, sub_account_id, read_only=True)
    if uow is None:
        return []
    with uow:
        calendar = av.load_calendar(uow, calendar_id, sub_account_id)
        service = av.load_service(uow, calendar, service_id)
        return av.find_slots(uow, calendar, service, start, end, zone,
                             exclude_appointment=exclude_appointment)  # fmt: skip


def _confirm_message(uow: UnitOfWork, a: Appointment, links: dict[str, str]) -> None:
    """Queue the booking confirmation to the invitee (idempotent per appointment and time)."""
    contact = uow.session.get(Contact, a.contact_id) if a.contact_id else None
    if contact is None:
        return
    channel = preferred_channel(contact)
    if channel is None:
        return
    calendar = uow.session.get(Calendar, a.calendar_id)
    service = uow.session.get(CalendarService, a.service_id) if a.service_id else None
    zone = ZoneInfo(a.invitee_timezone)
    when = a.start_at.astimezone(zone)
    what = service.name if service else "your appointment"
    body = "\n".join([
        f"Hi {contact.first_name or 'there'},", "",
        f"{what} with {calendar.name if calendar else ''} is booked for "
        f"{when:%A %d %B %Y at %H:%M} ({zone.key}).", "",
        *(f"{k.capitalize()}: {v}" for k, v in links.items()),
    ])  # fmt: skip
    payload: dict[str, object] = {"to": contact.email if channel == "email" else contact.phone,
                                  "body": body}  # fmt: skip
    if channel == "email":
        payload |= {"subject": f"Booked: {what} on {when:%d %b %H:%M}", "kind": "transactional",
                    "to_name": f"{contact.first_name} {contact.last_name}".strip()}  # fmt: skip
    enqueue(uow, channel=channel, payload=payload, contact_id=contact.id,
            idempotency_key=f"appointment-confirmation:{a.id}:{int(a.start_at.timestamp())}",
            source="booking", source_ref=a.id)  # fmt: skip


def book(
    uows: UnitOfWorkFactory, sub_account_id: str, calendar_id: str, service_id: str,
    start_at: datetime, invitee: Invitee, invitee_timezone: str, *,
    appointment_id: str | None = None, links: dict[str, str] | None = None,
) -> AppointmentInfo:  # fmt: skip
    """Book from the page. ``appointment_id`` (the form token's nonce) makes a repeated post
    return the appointment the first one made instead of booking twice."""
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        if appointment_id is not None:
            existing = uow.session.get(Appointment, appointment_id)
            if existing is not None:
                return AppointmentInfo.of(existing)
        info = booking.book(
            uow, calendar_id=calendar_id, service_id=service_id, start_at=start_at,
            invitee=invitee, invitee_timezone=invitee_timezone, booked_via="booking_page",
            appointment_id=appointment_id,
        )  # fmt: skip
        if links is not None:
            _confirm_message(uow, uow.session.get_one(Appointment, info.id), links)
        uow.commit()
        return info


def _sub_of(uows: UnitOfWorkFactory, appointment_id: str) -> str | None:
    with uows.system(read_only=True) as uow:
        return uow.session.scalar(
            select(Appointment.sub_account_id).where(Appointment.id == appointment_id)
        )


def appointment_view(uows: UnitOfWorkFactory, appointment_id: str) -> PublicAppointment | None:
    sub = _sub_of(uows, appointment_id)
    uow = _open(uows, sub, read_only=True) if sub else None
    if uow is None:
        return None
    with uow:
        a = uow.session.get(Appointment, appointment_id)
        calendar = uow.session.get(Calendar, a.calendar_id) if a else None
        if a is None or a.deleted_at is not None or calendar is None:
            return None
        public = _public(uow, calendar)
        service = next((s for s in public.services if s.id == a.service_id), None)
        return PublicAppointment(
            a.id, a.sub_account_id, public, service, a.start_at, a.end_at, str(a.status),
            a.invitee_timezone, a.status in OPEN and a.start_at > uow.clock.now(),
        )  # fmt: skip


def cancel(uows: UnitOfWorkFactory, appointment_id: str, reason: str) -> AppointmentInfo:
    sub = _sub_of(uows, appointment_id)
    if sub is None:
        raise NotFound("appointment", appointment_id)
    with uows.tenant(SYSTEM, sub) as uow:
        info = booking.cancel(uow, appointment_id, reason=reason, by_invitee=True)
        uow.commit()
        return info


def reschedule(uows: UnitOfWorkFactory, appointment_id: str, start_at: datetime,
               links: dict[str, str] | None = None) -> AppointmentInfo:  # fmt: skip
    sub = _sub_of(uows, appointment_id)
    if sub is None:
        raise NotFound("appointment", appointment_id)
    with uows.tenant(SYSTEM, sub) as uow:
        info = booking.reschedule(uow, appointment_id, start_at)
        if links is not None:
            _confirm_message(uow, uow.session.get_one(Appointment, info.id), links)
        uow.commit()
        return info
