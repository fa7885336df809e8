"""Desktop and CLI entry points: each opens a tenant unit of work for the actor, checks the
permission, and commits (the booking functions themselves take a unit of work)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.calendars import Appointment
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars import booking
from ghl_desktop.services.calendars.availability import (
    find_slots,
    load_calendar,
    load_service,
    local_day_window,
    offered_services,
    parse_zone,
)
from ghl_desktop.services.calendars.booking import AppointmentInfo
from ghl_desktop.services.calendars.slots import Slot
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")


def list_appointments(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *,
    start: datetime | None = None, end: datetime | None = None, calendar_id: str | None = None,
    assigned_user_id: str | None = None, limit: int = 5000,
) -> list[AppointmentInfo]:  # fmt: skip
    """Appointments overlapping ``[start, end)`` (either open), by start time."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        stmt = select(Appointment)
        if start is not None:
            stmt = stmt.where(Appointment.end_at > start)
        if end is not None:
            stmt = stmt.where(Appointment.start_at < end)
        if calendar_id is not None:
            stmt = stmt.where(Appointment.calendar_id == calendar_id)
        if assigned_user_id is not None:
            stmt = stmt.where(Appointment.assigned_user_id == assigned_user_id)
        rows = uow.session.scalars(stmt.order_by(Appointment.start_at, Appointment.id).limit(limit))
        return [AppointmentInfo.of(a) for a in rows]


def open_slots(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str, *,
    day_from: date, day_to: date, timezone: str, service_id: str | None = None,
) -> list[Slot]:  # fmt: skip
    """Slots from ``day_from`` to ``day_to`` (whole days in ``timezone``, the visitor's) of a
    service (default: the calendar's first offered one)."""
    zone = parse_zone(timezone)
    start, end = local_day_window(day_from, day_to, zone)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        calendar = load_calendar(uow, calendar_id, sub_account_id)
        if service_id is None:
            offered = offered_services(uow, calendar)
            if not offered:
                return []
            service = offered[0]
        else:
            service = load_service(uow, calendar, service_id)
        return find_slots(uow, calendar, service, start, end, zone)


def _run(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
         action: Callable[[UnitOfWork], T]) -> T:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        result = action(uow)
        uow.commit()
        return result


def book_appointment(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                     **kwargs: Any) -> AppointmentInfo:  # fmt: skip
    """``booking.book`` in its own transaction (same keyword arguments)."""
    return _run(uows, actor, sub_account_id, lambda uow: booking.book(uow, **kwargs))


def reschedule_appointment(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                           appointment_id: str, new_start: datetime,
                           **kwargs: Any) -> AppointmentInfo:  # fmt: skip
    def action(uow: UnitOfWork) -> AppointmentInfo:
        return booking.reschedule(uow, appointment_id, new_start, **kwargs)

    return _run(uows, actor, sub_account_id, action)


def cancel_appointment(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                       appointment_id: str, reason: str = "") -> AppointmentInfo:  # fmt: skip
    return _run(uows, actor, sub_account_id,
                lambda uow: booking.cancel(uow, appointment_id, reason=reason))  # fmt: skip


def set_status(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
               appointment_id: str, status: str) -> AppointmentInfo:  # fmt: skip
    """``confirmed``, ``completed`` or ``no_show``."""
    actions = {"confirmed": booking.confirm, "completed": booking.complete,
               "no_show": booking.mark_no_show}  # fmt: skip
    if status not in actions:
        raise ValidationError("status", f"must be one of {', '.join(actions)}")
    return _run(uows, actor, sub_account_id, lambda uow: actions[status](uow, appointment_id))


def first_service_id(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                     calendar_id: str) -> str:  # fmt: skip
    """The calendar's first offered service (for callers that do not name one)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        offered = offered_services(uow, load_calendar(uow, calendar_id, sub_account_id))
        if not offered:
            raise ValidationError("service", "the calendar offers no service")
        return offered[0].id
