"""Two-way CalDAV sync of one calendar (policy: docs/adr/0008-calendar-sync.md).

1. Pull: list what changed since the stored sync token (everything on a first sync), fetch only
   objects whose etag differs from the one we hold, and turn them into busy times
   (``calendar_external_events``) - or, for our own pushed appointments, reconcile the
   appointment (remote cancel/delete cancels it; a remote move moves it if the time is free,
   else it is a conflict and the local time is pushed back).
2. Push: appointments of the calendar that are new or changed since their last push (by a
   content fingerprint) are written with ``If-Match``; cancelled or deleted ones are removed.
3. Record counts, the new token, and any error in ``calendar_sync_states``.

Network calls happen outside database transactions; each phase commits on its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    Calendar,
    CalendarExternalEvent,
    CalendarSyncState,
)
from ghl_desktop.models.calendars import SyncStatus as SyncStatusKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars.sync import reconcile
from ghl_desktop.services.calendars.sync.connection import SOURCE, settings_for, state_of
from ghl_desktop.services.calendars.sync.ical import (
    appointment_uid,
    calendar_document,
    fingerprint,
)
from ghl_desktop.services.calendars.sync.outgoing import outgoing_events
from ghl_desktop.services.calendars.sync.port import (
    Connector,
    RemoteCalendar,
    RemoteCalendarError,
    RemoteChanged,
)
from ghl_desktop.services.uow import UnitOfWorkFactory

WINDOW_PAST = timedelta(days=7)
WINDOW_AHEAD = timedelta(days=90)
MAX_CONFLICTS_KEPT = 20

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(calendar_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(calendar_id, threading.Lock())


@dataclass
class SyncReport:
    calendar_id: str
    pulled: int = 0
    removed: int = 0
    pushed: int = 0
    deleted_remote: int = 0
    cancelled_locally: int = 0
    moved_locally: int = 0
    conflicts: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class _Plan:
    token: str | None
    fetch: list[str]
    gone: list[str]
    complete_hrefs: set[str] | None


def sync_calendar(
    uows: UnitOfWorkFactory,
    secrets: SecretStore,
    connect: Connector,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
) -> SyncReport:
    """Sync one connected calendar both ways. Remote problems end up in the sync state (and in
    the report's ``error``); they are not raised, so a scheduler loop carries on."""
    lock = _lock_for(calendar_id)
    if not lock.acquire(blocking=False):
        return SyncReport(calendar_id, error="a sync of this calendar is already running")
    try:
        return _sync(uows, secrets, connect, actor, sub_account_id, calendar_id)
    finally:
        lock.release()


def _sync(
    uows: UnitOfWorkFactory,
    secrets: SecretStore,
    connect: Connector,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
) -> SyncReport:
    report = SyncReport(calendar_id)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.manage")
        calendar = uow.session.get(Calendar, calendar_id)
        state = state_of(uow, calendar_id)
        if calendar is None or state is None:
            raise NotFound("CalDAV connection of calendar", calendar_id)
        zone = ZoneInfo(calendar.timezone or "UTC")
        details: dict[str, Any] = dict(state.details or {})
        token = state.sync_token
        now = uow.clock.now()
        try:
            settings = settings_for(secrets, state)
        except RemoteCalendarError as exc:
            settings, problem = None, str(exc)
    details["hrefs"] = dict(details.get("hrefs", {}))
    details["pushed"] = dict(details.get("pushed", {}))
    if settings is None:
        _record_error(uows, actor, sub_account_id, calendar_id, problem)
        report.error = problem
        return report
    try:
        remote = connect(settings)
    except RemoteCalendarError as exc:
        _record_error(uows, actor, sub_account_id, calendar_id, str(exc))
        report.error = str(exc)
        return report
    try:
        return _exchange(uows, remote, actor, sub_account_id, calendar_id, token, zone, now,
                         details, report)  # fmt: skip
    finally:
        remote.close()


def _exchange(
    uows: UnitOfWorkFactory, remote: RemoteCalendar, actor: Actor, sub_account_id: str,
    calendar_id: str, token: str | None, zone: ZoneInfo, now: datetime, details: dict[str, Any],
    report: SyncReport,
) -> SyncReport:  # fmt: skip
    window = (now - WINDOW_PAST, now + WINDOW_AHEAD)
    hrefs: dict[str, dict[str, Any]] = details["hrefs"]
    pushed: dict[str, dict[str, Any]] = details["pushed"]
    try:
        listing = remote.list_changes(token)
        plan = _plan(listing.etags, listing.deleted, listing.complete, hrefs, details, now)
        plan.token = listing.token
        fetched = remote.fetch(plan.fetch)
    except RemoteCalendarError as exc:
        _record_error(uows, actor, sub_account_id, calendar_id, str(exc))
        report.error = str(exc)
        return report

    with uows.tenant(actor, sub_account_id) as uow:
        context = reconcile.PullContext(uow, calendar_id, zone, window, hrefs, pushed, report)
        for href in plan.gone:
            reconcile.forget(context, href)
        for obj in fetched:
            reconcile.absorb(context, obj)
        uow.commit()

    try:
        _push(uows, remote, actor, sub_account_id, calendar_id, window, details, hrefs, report)
    except RemoteCalendarError as exc:
        report.error = str(exc)

    details["hrefs"] = hrefs
    details["window_day"] = now.date().isoformat()
    with uows.tenant(actor, sub_account_id) as uow:
        state = state_of(uow, calendar_id)
        if state is None:  # disconnected meanwhile: nothing to record
            return report
        details["external_events"] = uow.session.scalar(
            select(func.count())
            .select_from(CalendarExternalEvent)
            .where(
                CalendarExternalEvent.calendar_id == calendar_id,
                CalendarExternalEvent.source == SOURCE,
            )
        )
        details["pushed_total"] = len(details.get("pushed", {}))
        details["conflicts"] = (report.conflicts + list(details.get("conflicts", [])))[
            :MAX_CONFLICTS_KEPT
        ]
        details["last_run"] = {
            "pulled": report.pulled, "removed": report.removed, "pushed": report.pushed,
            "deleted_remote": report.deleted_remote,
            "cancelled_locally": report.cancelled_locally, "moved_locally": report.moved_locally,
        }  # fmt: skip
        state.details = details
        state.sync_token = plan.token
        state.last_synced_at = now
        state.status = SyncStatusKind.ERROR if report.error else SyncStatusKind.OK
        state.last_error = report.error
        calendar = uow.session.get(Calendar, calendar_id)
        if calendar is not None:
            calendar.last_synced_at = now
        uow.commit()
    return report


def _plan(
    etags: dict[str, str],
    deleted: frozenset[str],
    complete: bool,
    hrefs: dict[str, dict[str, Any]],
    details: dict[str, Any],
    now: datetime,
) -> _Plan:
    fetch = [href for href, etag in etags.items() if hrefs.get(href, {}).get("etag") != etag]
    gone = [href for href in deleted if href in hrefs]
    if complete:
        gone += [href for href in hrefs if href not in etags]
    if details.get("window_day") != now.date().isoformat():
        # The window moved: recurring series are expanded again over the new days.
        fetch += [h for h, e in hrefs.items() if e.get("recurring") and h not in fetch]
        fetch = [h for h in fetch if h not in gone]
    return _Plan(None, fetch, gone, set(etags) if complete else None)


def _push(
    uows: UnitOfWorkFactory,
    remote: RemoteCalendar,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
    window: tuple[datetime, datetime],
    details: dict[str, Any],
    hrefs: dict[str, dict[str, Any]],
    report: SyncReport,
) -> None:
    pushed: dict[str, dict[str, Any]] = details["pushed"]
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        rows = list(
            uow.session.scalars(
                select(Appointment)
                .where(Appointment.calendar_id == calendar_id, Appointment.end_at >= window[0])
                .execution_options(include_deleted=True)
            )
        )
        live = [a for a in rows if a.deleted_at is None and a.status != AppointmentStatus.CANCELLED]
        outgoing = dict(zip([a.id for a in live], outgoing_events(uow, live), strict=True))
        dead = [a.id for a in rows if a not in live and a.id in pushed]
        stamp = uow.clock.now()
    results: dict[str, tuple[str, str, str] | None] = {}
    for appointment_id, event in outgoing.items():
        entry = pushed.get(appointment_id)
        mark = fingerprint(event)
        if entry is not None and entry.get("fp") == mark:
            continue
        href = entry.get("href") if entry else None
        etag = hrefs.get(href, {}).get("etag") if href else None
        try:
            put = remote.put(
                event.uid, calendar_document([event], stamp), href=href, etag=etag or None
            )
        except RemoteChanged:
            report.conflicts.append(
                f"{event.summary} ({event.starts_at:%Y-%m-%d %H:%M} UTC) changed in the external"
                " calendar while it was being pushed; it is read again on the next sync"
            )
            continue
        results[appointment_id] = (put.href, put.etag, mark)
        report.pushed += 1
    for appointment_id in dead:
        entry = pushed[appointment_id]
        href = str(entry["href"])
        try:
            remote.delete(href, etag=hrefs.get(href, {}).get("etag") or None)
        except RemoteChanged:
            remote.delete(href, etag=None)  # cancelled here: the remote copy goes regardless
        results[appointment_id] = None
        report.deleted_remote += 1
    if not results:
        return
    with uows.tenant(actor, sub_account_id) as uow:
        for appointment_id, outcome in results.items():
            appointment = uow.session.get(
                Appointment, appointment_id, execution_options={"include_deleted": True}
            )
            if outcome is None:
                old = pushed.pop(appointment_id, {})
                hrefs.pop(str(old.get("href")), None)
                if appointment is not None:
                    appointment.external_etag = None
                continue
            href, etag, mark = outcome
            pushed[appointment_id] = {"href": href, "fp": mark}
            hrefs[href] = {"etag": etag, "uid": appointment_uid(appointment_id),
                           "appointment_id": appointment_id}  # fmt: skip
            if appointment is not None:
                appointment.external_uid = appointment.external_uid or appointment_uid(
                    appointment_id
                )
                appointment.external_etag = etag
        uow.commit()


def _record_error(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str, message: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        state = uow.session.scalar(
            select(CalendarSyncState).where(CalendarSyncState.calendar_id == calendar_id)
        )
        if state is not None:
            state.status = SyncStatusKind.ERROR
            state.last_error = message
            uow.commit()


def sync_due(
    uows: UnitOfWorkFactory,
    secrets: SecretStore,
    connect: Connector,
    *,
    min_interval: timedelta = timedelta(minutes=5),
) -> list[SyncReport]:
    """The scheduler job: sync every connected calendar not synced within ``min_interval``
    (safe to run at any time; a calendar already syncing is skipped by its lock)."""
    from ghl_desktop.services.actor import SYSTEM

    with uows.system(read_only=True) as uow:
        cutoff = uow.clock.now() - min_interval
        due = list(
            uow.session.execute(
                select(CalendarSyncState.sub_account_id, CalendarSyncState.calendar_id)
                .join(Calendar, Calendar.id == CalendarSyncState.calendar_id)
                .where(
                    Calendar.sync_enabled.is_(True),
                    (CalendarSyncState.last_synced_at.is_(None))
                    | (CalendarSyncState.last_synced_at <= cutoff),
                )
                .order_by(CalendarSyncState.last_synced_at)
            )
        )
    return [
        sync_calendar(uows, secrets, connect, SYSTEM, sub_account_id, calendar_id)
        for sub_account_id, calendar_id in due
    ]
