"""Pull side of the sync: what one fetched (or vanished) remote object means locally.

Foreign events become busy times. Our own pushed appointments (recognised by their UID) are
reconciled: cancelled or deleted remotely -> cancelled here; moved remotely -> moved here when
the new time is free, otherwise a conflict is reported and the local time is pushed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from ghl_desktop.core.errors import Conflict, ValidationError
from ghl_desktop.models.calendars import Appointment, AppointmentStatus, CalendarExternalEvent
from ghl_desktop.services.calendars import booking
from ghl_desktop.services.calendars.sync.connection import SOURCE
from ghl_desktop.services.calendars.sync.ical import RemoteEvent, appointment_id_of, parse_events
from ghl_desktop.services.calendars.sync.port import RemoteObject
from ghl_desktop.services.uow import UnitOfWork

if TYPE_CHECKING:
    from ghl_desktop.services.calendars.sync.engine import SyncReport

REMOTE_DELETED = "Deleted in the external calendar (CalDAV sync)"
REMOTE_CANCELLED = "Cancelled in the external calendar (CalDAV sync)"
OPEN = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


@dataclass
class PullContext:
    uow: UnitOfWork
    calendar_id: str
    zone: tzinfo
    window: tuple[datetime, datetime]
    hrefs: dict[str, dict[str, Any]]  # href -> {"etag", "uid", "recurring"?, "appointment_id"?}
    pushed: dict[str, dict[str, Any]]  # appointment id -> {"href", "fp"}
    report: SyncReport


def _drop_events(context: PullContext, uid: str) -> int:
    result = context.uow.session.execute(
        delete(CalendarExternalEvent).where(
            CalendarExternalEvent.sub_account_id == context.uow.sub_account_id,
            CalendarExternalEvent.calendar_id == context.calendar_id,
            CalendarExternalEvent.source == SOURCE,
            CalendarExternalEvent.uid == uid,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _own_appointment(context: PullContext, uid: str) -> Appointment | None:
    appointment_id = appointment_id_of(uid)
    if appointment_id is None:
        return None
    appointment = context.uow.session.get(
        Appointment, appointment_id, execution_options={"include_deleted": True}
    )
    if appointment is None or appointment.calendar_id != context.calendar_id:
        return None
    return appointment


def _is_live(appointment: Appointment) -> bool:
    return appointment.deleted_at is None and appointment.status != AppointmentStatus.CANCELLED


def _cancel(context: PullContext, appointment: Appointment, reason: str) -> None:
    """Cancelled through the remote calendar, like a cancel in the app (event, reminders
    withdrawn, activity log). Completed or no-show appointments are history: left alone."""
    if not _is_live(appointment) or appointment.status not in OPEN:
        return
    booking.cancel(
        context.uow, appointment.id, reason=reason, sub_account_id=context.uow.sub_account_id
    )
    appointment.external_etag = None
    context.pushed.pop(appointment.id, None)  # nothing left to delete remotely
    context.report.cancelled_locally += 1


def forget(context: PullContext, href: str) -> None:
    """The remote object is gone."""
    entry = context.hrefs.pop(href, None)
    if entry is None:
        return
    uid = str(entry.get("uid", ""))
    appointment = _own_appointment(context, uid)
    if appointment is not None:
        _cancel(context, appointment, REMOTE_DELETED)
        return
    context.report.removed += _drop_events(context, uid)


def absorb(context: PullContext, obj: RemoteObject) -> None:
    """A new or changed remote object."""
    try:
        events = parse_events(obj.ical, context.zone, *context.window)
    except ValueError as exc:
        context.report.conflicts.append(f"could not read {obj.href}: {exc}")
        return
    previous = context.hrefs.get(obj.href, {})
    uid = events[0].uid if events else str(previous.get("uid", ""))
    context.hrefs[obj.href] = {
        "etag": obj.etag, "uid": uid, "recurring": any(e.is_recurring for e in events),
    }  # fmt: skip
    appointment = _own_appointment(context, uid)
    if appointment is not None:
        context.hrefs[obj.href]["appointment_id"] = appointment.id
        _reconcile_appointment(context, appointment, events, obj)
        return
    if previous.get("uid") and previous.get("uid") != uid:
        _drop_events(context, str(previous["uid"]))
    _drop_events(context, uid)
    for event in events:
        if event.is_cancelled or event.ends_at <= context.window[0]:
            continue
        context.uow.session.add(
            CalendarExternalEvent(
                calendar_id=context.calendar_id,
                source=SOURCE,
                uid=event.uid[:500],
                recurrence_id=event.recurrence_id,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                summary=event.summary,
                etag=obj.etag[:200],
                is_busy=event.is_busy,
            )
        )
        context.report.pulled += 1
    context.uow.session.flush()


def _reconcile_appointment(
    context: PullContext, appointment: Appointment, events: list[RemoteEvent], obj: RemoteObject
) -> None:
    appointment.external_etag = obj.etag[:200]
    entry = context.pushed.setdefault(appointment.id, {"href": obj.href, "fp": ""})
    entry["href"] = obj.href
    if not events or events[0].is_cancelled:
        _cancel(context, appointment, REMOTE_CANCELLED)
        return
    if not _is_live(appointment):
        return  # cancelled here: the push removes the remote copy
    event = events[0]
    if (event.starts_at, event.ends_at) == (appointment.start_at, appointment.end_at):
        return
    if _move(context, appointment, event):
        context.report.moved_locally += 1
        entry["fp"] = ""  # re-push once so the remote copy carries our summary and status
        return
    context.report.conflicts.append(
        f"{appointment.title or 'Appointment'} was moved in the external calendar to"
        f" {event.starts_at:%Y-%m-%d %H:%M} UTC, which is taken; it stays at"
        f" {appointment.start_at:%Y-%m-%d %H:%M} UTC here and was put back there"
    )
    entry["fp"] = ""  # differs from any fingerprint: the local version is pushed back


def _move(context: PullContext, appointment: Appointment, event: RemoteEvent) -> bool:
    """Move to the remote start when the person is free then (open hours do not matter: the
    owner moved it on purpose). Through the booking service when the appointment has a
    service (same length, reminders re-planned, AppointmentRescheduled); otherwise by hand."""
    if appointment.status not in OPEN:
        return False
    if appointment.service_id is None:
        if not _is_free(context.uow, appointment, event.starts_at, event.ends_at):
            return False
        appointment.start_at, appointment.end_at = event.starts_at, event.ends_at
        return True
    try:
        with context.uow.session.begin_nested():
            booking.reschedule(
                context.uow, appointment.id, event.starts_at, enforce_availability=False,
                sub_account_id=context.uow.sub_account_id,
            )  # fmt: skip
    except (Conflict, ValidationError):
        return False
    return True


def _is_free(uow: UnitOfWork, appointment: Appointment, start: datetime, end: datetime) -> bool:
    """No other live appointment of the same person (or calendar, when unassigned) overlaps the
    new time, buffers included on both sides."""
    before = timedelta(minutes=appointment.buffer_before_minutes)
    after = timedelta(minutes=appointment.buffer_after_minutes)
    query = select(Appointment).where(
        Appointment.id != appointment.id,
        Appointment.status != AppointmentStatus.CANCELLED,
        Appointment.start_at < end + after + timedelta(days=1),
        Appointment.end_at > start - before - timedelta(days=1),
    )
    if appointment.assigned_user_id is not None:
        query = query.where(Appointment.assigned_user_id == appointment.assigned_user_id)
    else:
        query = query.where(Appointment.calendar_id == appointment.calendar_id)
    for other in uow.session.scalars(query):
        other_start = other.start_at - timedelta(minutes=other.buffer_before_minutes)
        other_end = other.end_at + timedelta(minutes=other.buffer_after_minutes)
        if other_start < end + after and start - before < other_end:
            return False
    return True
