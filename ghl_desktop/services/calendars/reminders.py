"""Appointment reminders through the outbox.

Each calendar has reminder offsets (minutes before the start; default one day). The
``reminders.tick`` job queues every reminder due within the next ``LEAD`` (with ``not_before``
at its exact moment, so it leaves on time), on the contact's preferred channel: email, else
SMS (a channel the contact opted out of is not used; with neither the reminder is skipped).

One ``appointment_reminders`` row per (appointment, offset, start) - unique, written in the
same transaction as the outbox row - so a reminder is queued at most once; the outbox key is
``appointment-reminder:<appointment>:<offset>:<row>``. Rescheduling or cancelling withdraws
the reminders not yet sent: their outbox rows are cancelled and their rows deleted, and the
new start gets its own. Reminders whose moment had passed when the appointment was booked
are not sent (the booking confirmation covered them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    Calendar,
    CalendarService,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.calendars.tokens import manage_paths, signer_from
from ghl_desktop.services.outbox import enqueue
from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

LEAD = timedelta(minutes=15)
NO_CHANNEL = "none"
Links = Callable[[str], dict[str, str]]  # appointment id -> {"reschedule": url, "cancel": url}


def withdraw_reminders(uow: UnitOfWork, appointment: Appointment) -> int:
    """Cancel the queued reminders of the appointment's current start; returns how many."""
    rows = uow.session.execute(
        select(AppointmentReminder.id, AppointmentReminder.outbox_id).where(
            AppointmentReminder.appointment_id == appointment.id,
            AppointmentReminder.sub_account_id == appointment.sub_account_id,
        )
    ).all()
    if not rows:
        return 0
    outbox_ids = [o for _, o in rows if o is not None]
    unsent = set(
        uow.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.id.in_(outbox_ids),
                OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED]),
            )
        )
    ) if outbox_ids else set()  # fmt: skip
    if unsent:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(unsent))
            .values(status=OutboxStatus.CANCELLED, updated_at=uow.clock.now())
        )
    stale = [r for r, o in rows if o is None or o in unsent]
    if stale:
        uow.session.execute(delete(AppointmentReminder).where(AppointmentReminder.id.in_(stale)))
    return len(unsent)


def preferred_channel(contact: Contact) -> str | None:
    if contact.email and not contact.dnd_email:
        return "email"
    if contact.phone and not contact.dnd_sms:
        return "sms"
    return None


def _message(
    channel: str, contact: Contact, a: Appointment, service_name: str, calendar: Calendar,
    links: dict[str, str],
) -> dict[str, object]:  # fmt: skip
    zone = ZoneInfo(a.invitee_timezone or calendar.timezone)
    when = a.start_at.astimezone(zone)
    moment = f"{when:%A %d %B %Y at %H:%M} ({zone.key})"
    what = service_name or a.title or "your appointment"
    lines = [f"Hi {contact.first_name or 'there'},", "",
             f"This is a reminder of {what} with {calendar.name} on {moment}."]  # fmt: skip
    if links:
        lines += ["", f"Reschedule: {links['reschedule']}", f"Cancel: {links['cancel']}"]
    body = "\n".join(lines)
    if channel == "email":
        name = " ".join([contact.first_name, contact.last_name]).strip()
        return {"to": contact.email, "to_name": name,
                "subject": f"Reminder: {what} on {when:%d %b %H:%M}", "body": body,
                "kind": "transactional"}  # fmt: skip
    return {"to": contact.phone, "body": body}


def _queue_for_sub_account(
    uows: UnitOfWorkFactory, sub_account_id: str, appointment_ids: list[str], now: datetime,
    links: Links | None,
) -> int:  # fmt: skip
    queued = 0
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        s = uow.session
        rows = s.execute(
            select(Appointment, Calendar, Contact)
            .join(Calendar, Calendar.id == Appointment.calendar_id)
            .join(Contact, Contact.id == Appointment.contact_id)
            .where(Appointment.id.in_(appointment_ids))
        ).all()
        services = dict(s.execute(select(CalendarService.id, CalendarService.name)).all())
        done = {
            (r.appointment_id, r.offset_minutes, r.start_at)
            for r in s.scalars(
                select(AppointmentReminder).where(
                    AppointmentReminder.appointment_id.in_(appointment_ids)
                )
            )
        }
        for a, calendar, contact in rows:
            if a.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED):
                continue
            for offset in sorted(set(calendar.reminder_offsets_minutes or [])):
                due = a.start_at - timedelta(minutes=int(offset))
                if (a.id, offset, a.start_at) in done or due > now + LEAD or a.start_at <= now:
                    continue
                if due < a.created_at:
                    continue  # booked after the reminder's moment
                channel = preferred_channel(contact)
                row = AppointmentReminder(
                    appointment_id=a.id, offset_minutes=offset, start_at=a.start_at,
                    due_at=due, channel=channel or NO_CHANNEL,
                )  # fmt: skip
                s.add(row)
                s.flush()
                if channel is not None:
                    payload = _message(channel, contact, a, services.get(a.service_id or "", ""),
                                       calendar, links(a.id) if links else {})  # fmt: skip
                    row.outbox_id = enqueue(
                        uow, channel=channel, payload=payload, contact_id=contact.id,
                        idempotency_key=f"appointment-reminder:{a.id}:{offset}:{row.id}",
                        not_before=due, source="reminder", source_ref=a.id,
                    )  # fmt: skip
                    queued += 1
        uow.commit()
    return queued


def queue_due_reminders(uows: UnitOfWorkFactory, *, links: Links | None = None) -> int:
    """Queue every reminder due within ``LEAD`` in every sub-account; returns how many."""
    now = uows.clock.now()
    with uows.system(read_only=True) as uow:
        offsets = {
            cid: max((int(o) for o in (offs or [])), default=0)
            for cid, offs in uow.session.execute(
                select(Calendar.id, Calendar.reminder_offsets_minutes).where(
                    Calendar.reminders_enabled.is_(True), Calendar.deleted_at.is_(None)
                )
            ).all()
        }
        if not offsets or max(offsets.values()) <= 0:
            return 0
        horizon = now + timedelta(minutes=max(offsets.values())) + LEAD
        due = uow.session.execute(
            select(Appointment.id, Appointment.sub_account_id, Appointment.calendar_id,
                   Appointment.start_at).where(
                Appointment.calendar_id.in_(list(offsets)),
                Appointment.status.in_([AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]),
                Appointment.deleted_at.is_(None), Appointment.contact_id.is_not(None),
                Appointment.start_at > now, Appointment.start_at <= horizon,
            )
        ).all()  # fmt: skip
    by_sub: dict[str, list[str]] = defaultdict(list)
    for appointment_id, sub_account_id, calendar_id, start_at in due:
        if start_at - timedelta(minutes=offsets[calendar_id]) <= now + LEAD:
            by_sub[sub_account_id].append(appointment_id)
    queued = 0
    for sub_account_id, ids in by_sub.items():
        try:
            queued += _queue_for_sub_account(uows, sub_account_id, ids, now, links)
        except Exception:  # one sub-account's trouble must not hold up the others
            log.exception("queueing reminders failed for sub-account %s", sub_account_id)
    return queued


def reminders_tick(uows: UnitOfWorkFactory, secrets: SecretStore) -> int:
    """The ``reminders.tick`` job: queue due reminders with the invitee's reschedule and
    cancel links on the funnel server's public address."""
    base = server_settings.load(uows).base_url()
    signer = signer_from(secrets)

    def links(appointment_id: str) -> dict[str, str]:
        return {k: base + path for k, path in manage_paths(signer, appointment_id).items()}

    return queue_due_reminders(uows, links=links)


def run_reminders(uows: UnitOfWorkFactory, secrets: SecretStore) -> None:
    """``reminders_tick`` for the scheduler (a job returns nothing; the count goes to the log)."""
    queued = reminders_tick(uows, secrets)
    if queued:
        log.info("queued %d appointment reminders", queued)
