"""When a wait step is due, computed from the time the run reached it (its *base* time).

Waits count from the due time of the step before them, not from the moment a late scheduler
got round to it: after the app was closed for a week, a one-day wait that started during the
closure is due at its original time, runs once, and the run catches up without drifting.

Wait settings (the ``wait`` action, ``mode`` as in the registry), in the sub-account's time
zone:

* ``duration``: ``{"amount": 1, "unit": "minutes" | "hours" | "days" | "weeks"}``;
* ``until_datetime``: ``{"until": "2026-03-01T09:00"}`` (a date alone means midnight; a moment
  already past means no wait);
* ``time_of_day``: ``{"time": "09:00", "weekdays": ["mon", "wed"]}`` - the first such moment
  after the base (any day when ``weekdays`` is empty);
* ``until_event``: ``{"event_type": "tag_added", "event_filters": {"tag": "VIP"},
  "timeout_amount": 2, "timeout_unit": "days"}`` - ``event_type`` is a trigger type and its
  filters; due at the timeout (30 days without one) unless such an event about the contact
  resumes it first (``signals``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ghl_desktop.core.errors import ValidationError

UNITS = {
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_EVENT_TIMEOUT = timedelta(days=30)


@dataclass(frozen=True)
class WaitPlan:
    """When the wait ends and what it waits for (stored in the step's ``result``)."""

    due: datetime
    mode: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        return {"wait": {"mode": self.mode, "due": self.due.isoformat(), **self.detail}}


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def duration(settings: Mapping[str, Any], field_name: str = "amount") -> timedelta:
    unit = str(settings.get("unit") or "days")
    if unit not in UNITS:
        raise ValidationError("unit", f"must be one of {', '.join(UNITS)}, got {unit!r}")
    try:
        amount = float(settings.get("amount", 0))
    except (TypeError, ValueError):
        raise ValidationError(field_name, "must be a number") from None
    if amount < 0:
        raise ValidationError(field_name, "must not be negative")
    return UNITS[unit] * amount


def _clock_time(text: Any, field_name: str) -> time:
    try:
        hours, minutes = str(text).split(":")[:2]
        return time(int(hours), int(minutes))
    except (TypeError, ValueError):
        raise ValidationError(field_name, f"must be HH:MM, got {text!r}") from None


def _until(text: Any, tz: ZoneInfo) -> datetime:
    raw = str(text or "")
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time(0))
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError("until", f"must be an ISO date or date-time, got {raw!r}") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _next_time_of_day(base: datetime, at: time, weekdays: list[str], tz: ZoneInfo) -> datetime:
    bad = [d for d in weekdays if d not in WEEKDAYS]
    if bad:
        raise ValidationError("weekdays", f"unknown day(s) {', '.join(bad)}; use {WEEKDAYS}")
    allowed = {WEEKDAYS.index(d) for d in weekdays} or set(range(7))
    local = base.astimezone(tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        candidate = datetime.combine(day, at, tzinfo=tz)
        if candidate > local and candidate.weekday() in allowed:
            return candidate
    raise AssertionError("a week always holds an allowed weekday")


def plan_wait(settings: Mapping[str, Any], base: datetime, tz_name: str | None) -> WaitPlan:
    tz = zone(tz_name)
    mode = str(settings.get("mode") or "duration")
    if mode == "until_event":
        timeout = DEFAULT_EVENT_TIMEOUT
        if settings.get("timeout_amount"):
            timeout = duration(
                {"amount": settings["timeout_amount"], "unit": settings.get("timeout_unit")},
                "timeout_amount",
            )
        detail = {
            "event_type": str(settings.get("event_type") or ""),
            "event_filters": dict(settings.get("event_filters") or {}),
        }
        if not detail["event_type"]:
            raise ValidationError("event_type", "is required to wait until an event")
        return WaitPlan(base + timeout, mode, detail)
    if mode == "until_datetime":
        return WaitPlan(max(base, _until(settings.get("until"), tz)), mode)
    if mode == "time_of_day":
        at = _clock_time(settings.get("time"), "time")
        weekdays = [str(d).lower()[:3] for d in settings.get("weekdays") or []]
        return WaitPlan(_next_time_of_day(base, at, weekdays, tz), mode)
    if mode != "duration":
        raise ValidationError("mode", f"unknown wait mode {mode!r}")
    return WaitPlan(base + duration(settings), mode)
