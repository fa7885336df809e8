"""Domain events of appointments (docs/events.md lists them with their payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(DomainEvent):
    name = "appointment.booked"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    service_id: str | None
    assigned_user_id: str | None
    start_at: datetime
    end_at: datetime
    booked_via: str


@dataclass(frozen=True, kw_only=True)
class AppointmentRescheduled(DomainEvent):
    name = "appointment.rescheduled"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    assigned_user_id: str | None
    from_start_at: datetime
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(DomainEvent):
    name = "appointment.cancelled"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    start_at: datetime
    reason: str
    by_invitee: bool


@dataclass(frozen=True, kw_only=True)
class AppointmentConfirmed(DomainEvent):
    name = "appointment.confirmed"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    start_at: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentCompleted(DomainEvent):
    name = "appointment.completed"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    start_at: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentNoShow(DomainEvent):
    name = "appointment.no_show"
    appointment_id: str
    calendar_id: str
    contact_id: str | None
    start_at: datetime
