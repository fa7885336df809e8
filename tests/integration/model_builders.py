"""Row builders for the data-model tests: each adds a valid row with sensible defaults and
flushes it, so a test states only what it is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import exc, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.base import Base
from ghl_desktop.models.calendars import Appointment, Calendar, CalendarService
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    SenderType,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.pipelines import Opportunity, Pipeline, PipelineStage, StageKind
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import Tenant

T = TypeVar("T", bound=Base)
START = datetime(2026, 2, 2, 15, 0, tzinfo=UTC)


def tenant_uow(rt: Runtime, t: Tenant, sub_account_id: str | None = None) -> UnitOfWork:
    return rt.uows.tenant(t.owner, sub_account_id or t.sub_account_id)


def add(uow: UnitOfWork, obj: T) -> T:
    uow.session.add(obj)
    uow.flush()
    return obj


def contact(uow: UnitOfWork, **kw: Any) -> Contact:
    kw.setdefault("first_name", "Ada")
    kw.setdefault("last_name", "Lovelace")
    return add(uow, Contact(**kw))


def channel(uow: UnitOfWork, **kw: Any) -> Channel:
    kw.setdefault("type", ChannelType.SMS)
    kw.setdefault("provider", "sandbox")
    kw.setdefault("name", f"SMS {kw['type']}")
    return add(uow, Channel(**kw))


def conversation(uow: UnitOfWork, ch: Channel, c: Contact, **kw: Any) -> Conversation:
    return add(uow, Conversation(channel_id=ch.id, contact_id=c.id, **kw))


def message(uow: UnitOfWork, conv: Conversation, **kw: Any) -> Message:
    kw.setdefault("direction", MessageDirection.INBOUND)
    kw.setdefault("sender_type", SenderType.CONTACT)
    kw.setdefault("status", MessageStatus.DELIVERED)
    kw.setdefault("body", "hello")
    return add(uow, Message(conversation_id=conv.id, channel_id=conv.channel_id, **kw))


def pipeline(uow: UnitOfWork, name: str = "Sales", **kw: Any) -> Pipeline:
    p = add(uow, Pipeline(name=name, **kw))
    for pos, (label, prob, kind) in enumerate(
        [("New", 10, StageKind.OPEN), ("Won", 100, StageKind.WON), ("Lost", 0, StageKind.LOST)]
    ):
        add(
            uow,
            PipelineStage(pipeline_id=p.id, name=label, position=pos, probability=prob, kind=kind),
        )
    return p


def stages(uow: UnitOfWork, p: Pipeline) -> list[PipelineStage]:
    stmt = select(PipelineStage).where(PipelineStage.pipeline_id == p.id)
    return list(uow.session.scalars(stmt.order_by(PipelineStage.position)))


def opportunity(uow: UnitOfWork, c: Contact, p: Pipeline, **kw: Any) -> Opportunity:
    kw.setdefault("stage_id", stages(uow, p)[0].id)
    kw.setdefault("name", "Website redesign")
    kw.setdefault("value_minor", 250_000)
    kw.setdefault("currency", "USD")
    return add(uow, Opportunity(contact_id=c.id, pipeline_id=p.id, **kw))


def calendar(uow: UnitOfWork, **kw: Any) -> Calendar:
    kw.setdefault("name", "Consultations")
    kw.setdefault("slug", "consultations")
    return add(uow, Calendar(**kw))


def service(uow: UnitOfWork, **kw: Any) -> CalendarService:
    kw.setdefault("name", "Intro call")
    kw.setdefault("currency", "USD")
    return add(uow, CalendarService(**kw))


def appointment(uow: UnitOfWork, cal: Calendar, **kw: Any) -> Appointment:
    kw.setdefault("start_at", START)
    kw.setdefault("end_at", START + timedelta(minutes=30))
    return add(uow, Appointment(calendar_id=cal.id, **kw))


def purge(rt: Runtime, t: Tenant, model: type[Base], row_id: str) -> None:
    """Hard-delete one row (what an admin purge or a sync tombstone does) and commit."""
    with tenant_uow(rt, t) as uow:
        obj = uow.session.get(model, row_id, execution_options={"include_deleted": True})
        assert obj is not None
        uow.session.delete(obj)
        uow.commit()


def purge_is_refused(rt: Runtime, t: Tenant, model: type[Base], row_id: str) -> None:
    """A RESTRICT foreign key refuses the hard delete; nothing changes."""
    with pytest.raises(exc.IntegrityError):
        purge(rt, t, model, row_id)
    with tenant_uow(rt, t) as uow:
        stmt = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
        assert uow.session.scalars(stmt.execution_options(include_deleted=True)).one()


def count(uow: UnitOfWork, model: type[Base], **where: Any) -> int:
    stmt = select(model).filter_by(**where).execution_options(include_deleted=True)
    return len(list(uow.session.scalars(stmt)))
