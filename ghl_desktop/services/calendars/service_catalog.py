"""Bookable services (table ``services``): length, buffers, price and description."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.calendars import CalendarService, CalendarType
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    description: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    price_minor: int
    currency: str
    requires_payment: bool
    is_active: bool
    calendar_type_id: str | None

    @staticmethod
    def of(s: CalendarService) -> ServiceInfo:
        return ServiceInfo(
            s.id, s.name, s.description, s.duration_minutes, s.buffer_before_minutes,
            s.buffer_after_minutes, s.price_minor, s.currency, s.requires_payment, s.is_active,
            s.calendar_type_id,
        )  # fmt: skip


def _minutes(value: Any, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be a whole number of minutes, got {value!r}")
    if not low <= value <= MAX_MINUTES:
        raise ValidationError(field, f"must be between {low} and {MAX_MINUTES} minutes")
    return value


def _apply(uow: UnitOfWork, s: CalendarService, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if key == "name":
            name = str(value or "").strip()
            if not name:
                raise ValidationError("name", "is required")
            s.name = name[:200]
        elif key == "description":
            s.description = str(value or "")
        elif key == "duration_minutes":
            s.duration_minutes = _minutes(value, key, 1)
        elif key in ("buffer_before_minutes", "buffer_after_minutes"):
            setattr(s, key, _minutes(value, key, 0))
        elif key == "price_minor":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(key, "must be a whole, non-negative amount in minor units")
            s.price_minor = value
        elif key == "currency":
            code = str(value or "").upper()
            if len(code) != 3 or not code.isalpha():
                raise ValidationError(key, "must be a 3-letter ISO currency code")
            s.currency = code
        elif key in ("requires_payment", "is_active"):
            setattr(s, key, bool(value))
        elif key == "calendar_type_id":
            if value is not None and uow.session.get(CalendarType, value) is None:
                raise ValidationError(key, f"no calendar type {value}")
            s.calendar_type_id = value
        else:
            raise ValidationError(key, "is not a service field")


def create_service(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                   values: Mapping[str, Any]) -> ServiceInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        service = CalendarService(name="", currency="USD")
        _apply(uow, service, {"duration_minutes": 30, **values})
        if not service.name:
            raise ValidationError("name", "is required")
        uow.session.add(service)
        uow.flush()
        info = ServiceInfo.of(service)
        uow.commit()
        return info


def update_service(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
                   service_id: str, changes: Mapping[str, Any]) -> ServiceInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("calendars.manage")
        service = uow.session.scalar(
            select(CalendarService).where(CalendarService.id == service_id)
        )
        if service is None:
            raise NotFound("service", service_id)
        _apply(uow, service, changes)
        service.updated_at = uow.clock.now()
        uow.flush()
        info = ServiceInfo.of(service)
        uow.commit()
        return info


def list_services(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
                  ) -> list[ServiceInfo]:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("calendars.read")
        rows = uow.session.scalars(select(CalendarService).order_by(CalendarService.name))
        return [ServiceInfo.of(s) for s in rows]
