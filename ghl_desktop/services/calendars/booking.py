"""Booking an appointment and moving it through its lifecycle.

    scheduled -> confirmed -> completed | no_show      scheduled/confirmed -> cancelled
    (a reschedule moves the times and puts it back to scheduled)

Double booking is impossible, also for concurrent requests for the same time: every booking
and reschedule first locks the people it may assign (PostgreSQL: a transaction advisory lock
per user, taken in a fixed order; SQLite: the single ``BEGIN IMMEDIATE`` writer serialises
writers already), then checks the slot against the busy times read *after* the lock, then
inserts. A unique index on (assignee, start) of live appointments backs this up in the schema.

The functions take a unit of work (a tenant one from the desktop/CLI, the system one from the
public booking page, which passes ``sub_account_id``); the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.calendars import Appointment, AppointmentStatus, Calendar
from ghl_desktop.services.calendars import availability as av
from ghl_desktop.services.calendars.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from ghl_desktop.services.calendars.invitees import Invitee, load_contact_of, match_or_create
from ghl_desktop.services.calendars.reminders import withdraw_reminders
from ghl_desktop.services.calendars.slots import BusyIndex, TeamMode
from ghl_desktop.services.uow import ScopeKind, UnitOfWork

TAKEN = "this time is no longer available - please pick another"
OPEN = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True)
class AppointmentInfo:
    id: str
    sub_account_id: str
    calendar_id: str
    contact_id: str | None
    service_id: str | None
    assigned_user_id: str | None
    start_at: datetime
    end_at: datetime
    status: AppointmentStatus
    title: str
    notes: str
    invitee_timezone: str
    booked_via: str
    cancellation_reason: str
    external_uid: str | None

    @staticmethod
    def of(a: Appointment) -> AppointmentInfo:
        return AppointmentInfo(
            a.id, a.sub_account_id, a.calendar_id, a.contact_id, a.service_id,
            a.assigned_user_id, a.start_at, a.end_at, AppointmentStatus(a.status), a.title,
            a.notes, a.invitee_timezone, a.booked_via, a.cancellation_reason, a.external_uid,
        )  # fmt: skip


def tenant_of(uow: UnitOfWork, sub_account_id: str | None) -> str:
    """The sub-account to work in: the unit of work's own, or the one named for a system one."""
    if uow.scope.kind == ScopeKind.TENANT:
        if sub_account_id not in (None, uow.sub_account_id):
            raise NotFound("sub-account", sub_account_id)
        return uow.sub_account_id
    if sub_account_id is None:
        raise ValidationError("sub_account_id", "is required outside a sub-account")
    return sub_account_id


def lock_people(uow: UnitOfWork, user_ids: list[str]) -> None:
    """Serialise bookings that may assign any of these people (see the module docstring)."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    for user_id in sorted(set(user_ids)):  # one order everywhere: no deadlocks
        uow.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(f"appointments:{user_id}")))
        )


def _utc_start(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError("start_at", "must carry a time zone (an ISO time with an offset)")
    return value.astimezone(UTC).replace(microsecond=0)


def _choose(
    uow: UnitOfWork, calendar: Calendar, service: Any, start: datetime, *, enforce: bool,
    keep: str | None = None, exclude: str | None = None,
) -> tuple[str, ...]:  # fmt: skip
    """Who takes a booking at ``start`` - after the lock, from fresh busy times."""
    end = start + timedelta(minutes=service.duration_minutes)
    if enforce:
        slots = av.find_slots(uow, calendar, service, start, start + timedelta(seconds=1),
                              ZoneInfo("UTC"), exclude_appointment=exclude)  # fmt: skip
        if not slots or slots[0].start_utc != start:
            raise Conflict("start_at", TAKEN)
        chosen = slots[0].assignees
        if keep is not None and av.team_mode(calendar) is not TeamMode.COLLECTIVE:
            # A reschedule keeps its person when they are free at the new time.
            members = av.members_for(uow, calendar, start, end, uow.clock.now(),
                                     exclude_appointment=exclude)  # fmt: skip
            lo = start - timedelta(minutes=service.buffer_before_minutes)
            hi = end + timedelta(minutes=service.buffer_after_minutes)
            if any(m.user_id == keep and BusyIndex(m.busy).is_free(lo, hi) for m in members):
                chosen = (keep,)
        return chosen
    members = av.members_for(uow, calendar, start, end, uow.clock.now(),
                             exclude_appointment=exclude)  # fmt: skip
    if not members:
        raise ValidationError("calendar_id", "the calendar has no one to take bookings")
    lo = start - timedelta(minutes=service.buffer_before_minutes)
    hi = end + timedelta(minutes=service.buffer_after_minutes)
    free = [m for m in members if BusyIndex(m.busy).is_free(lo, hi)]
    if av.team_mode(calendar) is TeamMode.COLLECTIVE:
        if len(free) != len(members):
            raise Conflict("start_at", TAKEN)
        return tuple(m.user_id for m in members)
    if not free:
        raise Conflict("start_at", TAKEN)
    if keep is not None and any(m.user_id == keep for m in free):
        return (keep,)
    return (min(free, key=lambda m: (m.bookings_in_period, m.priority, m.user_id)).user_id,)


def _flush(uow: UnitOfWork) -> None:
    try:
        uow.session.flush()
    except IntegrityError as exc:
        if "uq_appointments_assignee_start_live" in str(exc) or "UNIQUE" in str(exc).upper():
            raise Conflict("start_at", TAKEN) from None
        raise


def book(
    uow: UnitOfWork, *, calendar_id: str, service_id: str, start_at: datetime,
    contact_id: str | None = None, invitee: Invitee | None = None,
    invitee_timezone: str = "UTC", notes: str = "", booked_via: str = "desktop",
    enforce_availability: bool = True, sub_account_id: str | None = None,
    appointment_id: str | None = None,
) -> AppointmentInfo:  # fmt: skip
    """Book ``service`` on the calendar at ``start_at`` for a contact (given, or matched or
    created from ``invitee``). Raises Conflict when the time is taken or not offered.
    ``appointment_id`` lets a caller choose the new row's id (a retried post finds it)."""
    uow.require("calendars.manage")
    sub = tenant_of(uow, sub_account_id)
    av.parse_zone(invitee_timezone, "timezone")
    if len(notes) > 5000:
        raise ValidationError("notes", "must be at most 5000 characters")
    calendar = av.load_calendar(uow, calendar_id, sub)
    if not calendar.is_active:
        raise ValidationError("calendar_id", "the calendar does not take bookings")
    service = av.load_service(uow, calendar, service_id)
    start = _utc_start(start_at)
    if (contact_id is None) == (invitee is None):
        raise ValidationError("contact_id", "give either a contact or the invitee's details")
    contact = (
        load_contact_of(uow, sub, contact_id) if contact_id is not None
        else match_or_create(uow, sub, invitee)[0]  # type: ignore[arg-type]
    )  # fmt: skip
    lock_people(uow, [u for u, _ in av.member_ids(uow, calendar)])
    assignees = _choose(uow, calendar, service, start, enforce=enforce_availability)
    who = " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.email or ""
    appointment = Appointment(
        id=appointment_id or new_id(), sub_account_id=sub, calendar_id=calendar.id,
        contact_id=contact.id,
        service_id=service.id, assigned_user_id=assignees[0], start_at=start,
        end_at=start + timedelta(minutes=service.duration_minutes),
        status=AppointmentStatus.SCHEDULED, title=f"{service.name} — {who}".strip(" —"),
        notes=notes, buffer_before_minutes=service.buffer_before_minutes,
        buffer_after_minutes=service.buffer_after_minutes, invitee_timezone=invitee_timezone,
        booked_via=booked_via, created_at=uow.clock.now(), updated_at=uow.clock.now(),
    )  # fmt: skip
    uow.session.add(appointment)
    _flush(uow)
    uow.record(
        AppointmentBooked(
            sub_account_id=sub, appointment_id=appointment.id, calendar_id=calendar.id,
            contact_id=contact.id, service_id=service.id, assigned_user_id=assignees[0],
            start_at=appointment.start_at, end_at=appointment.end_at, booked_via=booked_via,
        )
    )  # fmt: skip
    return AppointmentInfo.of(appointment)


def load_appointment(uow: UnitOfWork, appointment_id: str, sub_account_id: str) -> Appointment:
    appointment = uow.session.scalars(
        select(Appointment).where(
            Appointment.id == appointment_id, Appointment.sub_account_id == sub_account_id,
            Appointment.deleted_at.is_(None),
        )
    ).first()  # fmt: skip
    if appointment is None:
        raise NotFound("appointment", appointment_id)
    return appointment


def _require_status(a: Appointment, allowed: tuple[AppointmentStatus, ...], doing: str) -> None:
    if a.status not in allowed:
        raise Conflict("status", f"a {a.status} appointment cannot be {doing}")


def reschedule(
    uow: UnitOfWork, appointment_id: str, new_start: datetime, *,
    enforce_availability: bool = True, sub_account_id: str | None = None,
) -> AppointmentInfo:  # fmt: skip
    """Move an open appointment to ``new_start`` (same service and length); it keeps its
    person when they are free then, and is back to ``scheduled``."""
    uow.require("calendars.manage")
    sub = tenant_of(uow, sub_account_id)
    a = load_appointment(uow, appointment_id, sub)
    _require_status(a, OPEN, "rescheduled")
    calendar = av.load_calendar(uow, a.calendar_id, sub)
    start = _utc_start(new_start)
    if a.service_id is None:
        raise ValidationError("service_id", "the appointment has no service to reschedule")
    service = av.load_service(uow, calendar, a.service_id)
    lock_people(uow, [u for u, _ in av.member_ids(uow, calendar)])
    assignees = _choose(uow, calendar, service, start, enforce=enforce_availability,
                        keep=a.assigned_user_id, exclude=a.id)  # fmt: skip
    old_start = a.start_at
    withdraw_reminders(uow, a)
    a.start_at, a.end_at = start, start + (a.end_at - a.start_at)
    a.assigned_user_id = assignees[0]
    a.status = AppointmentStatus.SCHEDULED
    a.updated_at = uow.clock.now()
    _flush(uow)
    uow.record(
        AppointmentRescheduled(
            sub_account_id=sub, appointment_id=a.id, calendar_id=a.calendar_id,
            contact_id=a.contact_id, assigned_user_id=a.assigned_user_id,
            from_start_at=old_start, start_at=a.start_at, end_at=a.end_at,
        )
    )  # fmt: skip
    return AppointmentInfo.of(a)


def cancel(
    uow: UnitOfWork, appointment_id: str, *, reason: str = "", by_invitee: bool = False,
    sub_account_id: str | None = None,
) -> AppointmentInfo:  # fmt: skip
    uow.require("calendars.manage")
    sub = tenant_of(uow, sub_account_id)
    a = load_appointment(uow, appointment_id, sub)
    _require_status(a, OPEN, "cancelled")
    if len(reason) > 1000:
        raise ValidationError("reason", "must be at most 1000 characters")
    withdraw_reminders(uow, a)
    a.status = AppointmentStatus.CANCELLED
    a.cancellation_reason = reason.strip()
    a.updated_at = uow.clock.now()
    uow.record(
        AppointmentCancelled(
            sub_account_id=sub, appointment_id=a.id, calendar_id=a.calendar_id,
            contact_id=a.contact_id, start_at=a.start_at, reason=a.cancellation_reason,
            by_invitee=by_invitee,
        )
    )  # fmt: skip
    return AppointmentInfo.of(a)


def confirm(uow: UnitOfWork, appointment_id: str, *, sub_account_id: str | None = None
            ) -> AppointmentInfo:  # fmt: skip
    uow.require("calendars.manage")
    sub = tenant_of(uow, sub_account_id)
    a = load_appointment(uow, appointment_id, sub)
    _require_status(a, (AppointmentStatus.SCHEDULED,), "confirmed")
    a.status, a.updated_at = AppointmentStatus.CONFIRMED, uow.clock.now()
    uow.record(AppointmentConfirmed(sub_account_id=sub, appointment_id=a.id,
                                    calendar_id=a.calendar_id, contact_id=a.contact_id,
                                    start_at=a.start_at))  # fmt: skip
    return AppointmentInfo.of(a)


def _close(uow: UnitOfWork, appointment_id: str, status: AppointmentStatus,
           sub_account_id: str | None) -> AppointmentInfo:  # fmt: skip
    uow.require("calendars.manage")
    sub = tenant_of(uow, sub_account_id)
    a = load_appointment(uow, appointment_id, sub)
    doing = "completed" if status is AppointmentStatus.COMPLETED else "marked a no-show"
    _require_status(a, OPEN, doing)
    if a.start_at > uow.clock.now():
        raise Conflict("status", f"an appointment that has not started cannot be {doing}")
    a.status, a.updated_at = status, uow.clock.now()
    event_cls = AppointmentCompleted if status is AppointmentStatus.COMPLETED else AppointmentNoShow
    uow.record(event_cls(sub_account_id=sub, appointment_id=a.id, calendar_id=a.calendar_id,
                         contact_id=a.contact_id, start_at=a.start_at))  # fmt: skip
    return AppointmentInfo.of(a)


def complete(uow: UnitOfWork, appointment_id: str, *, sub_account_id: str | None = None
             ) -> AppointmentInfo:  # fmt: skip
    return _close(uow, appointment_id, AppointmentStatus.COMPLETED, sub_account_id)


def mark_no_show(uow: UnitOfWork, appointment_id: str, *, sub_account_id: str | None = None
                 ) -> AppointmentInfo:  # fmt: skip
    return _close(uow, appointment_id, AppointmentStatus.NO_SHOW, sub_account_id)
