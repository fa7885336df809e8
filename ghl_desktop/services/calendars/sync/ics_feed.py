"""The secret ICS feed of a calendar: a URL anyone holding it can subscribe to (Google, Apple
Calendar, Outlook "subscribe from web"). The token is the only secret: rotating it replaces the
URL at once. Tokens live in ``app_settings`` (token -> calendar, calendar -> token)."""

from __future__ import annotations

import re
import secrets as token_source
from datetime import timedelta

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.calendars import Appointment, AppointmentStatus, Calendar
from ghl_desktop.models.system import AppSetting
from ghl_desktop.services.actor import SYSTEM, Actor
from ghl_desktop.services.calendars.sync.ical import calendar_document
from ghl_desktop.services.calendars.sync.outgoing import outgoing_events
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

PATH_PREFIX = "/_calendars/ics/"
PAST = timedelta(days=30)
MAX_EVENTS = 5000
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def feed_path(token: str) -> str:
    return f"{PATH_PREFIX}{token}.ics"


def _by_token(token: str) -> str:
    return f"calendars.ics.{token}"


def _by_calendar(calendar_id: str) -> str:
    return f"calendars.ics_token.{calendar_id}"


def _check_calendar(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, cal: str) -> None:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.manage")
        calendar = uow.session.get(Calendar, cal)
        if calendar is None or calendar.sub_account_id != sub_account_id:
            raise NotFound("calendar", cal)


def _put(uow: UnitOfWork, key: str, value: object) -> None:
    row = uow.session.get(AppSetting, key)
    if row is None:
        uow.session.add(AppSetting(key=key, value=value))
    else:
        row.value = value


def feed_token(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str) -> str:
    """The calendar's feed token, made on first use."""
    _check_calendar(uows, actor, sub_account_id, calendar_id)
    with uows.system() as uow:
        row = uow.session.get(AppSetting, _by_calendar(calendar_id))
        if row is not None:
            return str(row.value)
        return _issue(uow, sub_account_id, calendar_id)


def rotate_feed_token(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, calendar_id: str
) -> str:
    """A new token; the old URL stops working immediately."""
    _check_calendar(uows, actor, sub_account_id, calendar_id)
    with uows.system() as uow:
        old = uow.session.get(AppSetting, _by_calendar(calendar_id))
        if old is not None:
            stale = uow.session.get(AppSetting, _by_token(str(old.value)))
            if stale is not None:
                uow.session.delete(stale)
        return _issue(uow, sub_account_id, calendar_id)


def _issue(uow: UnitOfWork, sub_account_id: str, calendar_id: str) -> str:
    token = token_source.token_urlsafe(32)
    _put(uow, _by_token(token), {"sub_account_id": sub_account_id, "calendar_id": calendar_id})
    _put(uow, _by_calendar(calendar_id), token)
    uow.commit()
    return token


def render_feed(uows: UnitOfWorkFactory, token: str) -> str | None:
    """The feed's text/calendar body, or None for an unknown token (the caller answers 404)."""
    if not _TOKEN.match(token):
        return None
    with uows.system(read_only=True) as uow:
        row = uow.session.get(AppSetting, _by_token(token))
        if row is None or not isinstance(row.value, dict):
            return None
        sub_account_id = str(row.value["sub_account_id"])
        calendar_id = str(row.value["calendar_id"])
    try:
        tenant = uows.tenant(SYSTEM, sub_account_id, read_only=True)
    except NotFound:
        return None
    with tenant as uow:
        calendar = uow.session.get(Calendar, calendar_id)
        if calendar is None:
            return None
        now = uow.clock.now()
        appointments = list(
            uow.session.scalars(
                select(Appointment)
                .where(
                    Appointment.calendar_id == calendar_id,
                    Appointment.end_at >= now - PAST,
                    Appointment.status != AppointmentStatus.CANCELLED,
                )
                .order_by(Appointment.start_at)
                .limit(MAX_EVENTS)
            )
        )
        events = outgoing_events(uow, appointments)
        return calendar_document(events, now, name=calendar.name)
