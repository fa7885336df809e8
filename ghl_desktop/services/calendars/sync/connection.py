"""A calendar's CalDAV connection: set up (the password goes to the secret store, never the
database), test, read the status, disconnect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.calendars import Calendar, CalendarExternalEvent, CalendarSyncState
from ghl_desktop.models.calendars import SyncStatus as SyncStatusKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars.sync.port import (
    ConnectionInfo,
    ConnectionSettings,
    Connector,
    ProblemKind,
    RemoteCalendarError,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

SOURCE = "caldav"


def secret_key(calendar_id: str) -> str:
    return f"calendar.caldav.{calendar_id}.password"


@dataclass(frozen=True)
class SyncStatusView:
    calendar_id: str
    is_connected: bool
    url: str
    username: str
    status: str
    last_synced_at: datetime | None
    last_error: str | None
    external_events: int
    pushed: int
    conflicts: tuple[str, ...]


def _calendar(uow: UnitOfWork, calendar_id: str) -> Calendar:
    calendar = uow.session.get(Calendar, calendar_id)
    if calendar is None or calendar.sub_account_id != uow.sub_account_id:
        raise NotFound("calendar", calendar_id)
    return calendar


def state_of(uow: UnitOfWork, calendar_id: str) -> CalendarSyncState | None:
    return uow.session.scalar(
        select(CalendarSyncState).where(CalendarSyncState.calendar_id == calendar_id)
    )


def _validated(url: str, username: str) -> tuple[str, str]:
    url = url.strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationError("url", "must start with https:// (the calendar's CalDAV address)")
    if len(url) > 1000:
        raise ValidationError("url", "is longer than 1000 characters")
    username = username.strip()
    if not username:
        raise ValidationError("username", "is required")
    return url, username


def test_connection(connect: Connector, url: str, username: str, password: str) -> ConnectionInfo:
    """Try the settings without saving them (the dialog's "Test connection")."""
    url, username = _validated(url, username)
    if not password:
        raise ValidationError("password", "is required")
    remote = connect(ConnectionSettings(url, username, password))
    try:
        return remote.check()
    finally:
        remote.close()


def configure(
    uows: UnitOfWorkFactory,
    secrets: SecretStore,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
    *,
    url: str,
    username: str,
    password: str | None,
) -> None:
    """Save the connection. ``password`` None keeps the stored one (editing only the URL).
    A changed URL starts over: what was read from the old calendar is forgotten."""
    url, username = _validated(url, username)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = _calendar(uow, calendar_id)
        state = state_of(uow, calendar_id)
        if password is None and (state is None or secrets.get(secret_key(calendar_id)) is None):
            raise ValidationError("password", "is required")
        if state is None:
            state = CalendarSyncState(calendar_id=calendar_id, url=url, details={})
            uow.session.add(state)
        elif state.url != url:
            _forget_remote(uow, state)
        state.url = url
        state.username = username
        state.secret_key_name = secret_key(calendar_id)
        state.status = SyncStatusKind.NEVER if state.last_synced_at is None else state.status
        calendar.external_provider = SOURCE
        calendar.external_id = url
        calendar.sync_enabled = True
        if password is not None:
            secrets.set(secret_key(calendar_id), password)
        uow.commit()


def _forget_remote(uow: UnitOfWork, state: CalendarSyncState) -> None:
    uow.session.execute(
        delete(CalendarExternalEvent).where(
            CalendarExternalEvent.sub_account_id == uow.sub_account_id,
            CalendarExternalEvent.calendar_id == state.calendar_id,
            CalendarExternalEvent.source == SOURCE,
        )
    )
    state.sync_token = None
    state.ctag = None
    state.last_synced_at = None
    state.last_error = None
    state.details = {}


def disconnect(
    uows: UnitOfWorkFactory,
    secrets: SecretStore,
    actor: Actor,
    sub_account_id: str,
    calendar_id: str,
) -> None:
    """Stop syncing: the connection, its password and the imported busy times go; pushed copies
    stay in the external calendar (they are the owner's events there now)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        calendar = _calendar(uow, calendar_id)
        state = state_of(uow, calendar_id)
        if state is not None:
            _forget_remote(uow, state)
            uow.session.delete(state)
        calendar.sync_enabled = False
        calendar.external_provider = None
        calendar.external_id = None
        uow.commit()
    secrets.delete(secret_key(calendar_id))


def settings_for(secrets: SecretStore, state: CalendarSyncState) -> ConnectionSettings:
    password = secrets.get(state.secret_key_name or secret_key(state.calendar_id))
    if password is None:
        raise RemoteCalendarError(
            ProblemKind.BAD_CREDENTIALS,
            "the password is missing from the secret store; enter it again in calendar settings",
        )
    return ConnectionSettings(state.url, state.username, password)


def sync_status(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str
) -> SyncStatusView:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        _calendar(uow, calendar_id)
        state = state_of(uow, calendar_id)
        if state is None:
            return SyncStatusView(
                calendar_id, False, "", "", SyncStatusKind.DISABLED.value, None, None, 0, 0, ()
            )
        details: dict[str, Any] = state.details or {}
        return SyncStatusView(
            calendar_id=calendar_id,
            is_connected=True,
            url=state.url,
            username=state.username,
            status=state.status.value,
            last_synced_at=state.last_synced_at,
            last_error=state.last_error,
            external_events=int(details.get("external_events", 0)),
            pushed=int(details.get("pushed_total", 0)),
            conflicts=tuple(str(c) for c in details.get("conflicts", [])),
        )
