"""Appointments as the outside world sees them (CalDAV pushes and the ICS feed): a title and
the contact's name - no email, phone or notes leave the app this way."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ghl_desktop.models.calendars import Appointment, AppointmentStatus, CalendarService
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.calendars.sync.ical import OutgoingEvent, appointment_uid
from ghl_desktop.services.uow import UnitOfWork

_STATUS = {
    AppointmentStatus.SCHEDULED: "TENTATIVE",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def outgoing_events(uow: UnitOfWork, appointments: Sequence[Appointment]) -> list[OutgoingEvent]:
    contact_ids = {a.contact_id for a in appointments if a.contact_id}
    service_ids = {a.service_id for a in appointments if a.service_id}
    names: dict[str, str] = {}
    if contact_ids:
        rows = uow.session.execute(
            select(Contact.id, Contact.first_name, Contact.last_name, Contact.company)
            .where(Contact.id.in_(contact_ids))
            .execution_options(include_deleted=True)
        )
        for cid, first, last, company in rows:
            names[cid] = f"{first} {last}".strip() or company or ""
    services: dict[str, str] = {}
    if service_ids:
        rows2 = uow.session.execute(
            select(CalendarService.id, CalendarService.name)
            .where(CalendarService.id.in_(service_ids))
            .execution_options(include_deleted=True)
        )
        services = {str(sid): str(name) for sid, name in rows2}
    events: list[OutgoingEvent] = []
    for appointment in appointments:
        contact = names.get(appointment.contact_id or "", "")
        title = appointment.title or services.get(appointment.service_id or "", "") or "Appointment"
        summary = f"{title} - {contact}" if contact and contact not in title else title
        events.append(
            OutgoingEvent(
                uid=appointment.external_uid or appointment_uid(appointment.id),
                starts_at=appointment.start_at,
                ends_at=appointment.end_at,
                summary=summary,
                description=f"With {contact}" if contact else "",
                status=_STATUS[appointment.status],
            )
        )
    return events
