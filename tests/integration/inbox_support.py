"""Shared helpers of the inbox tests: a tenant, contacts and inbound messages in one line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services import contacts
from ghl_desktop.services.inbox.ingest import InboundMessage, InboundResult, ingest
from tests.conftest import Tenant


def new_contact(rt: Runtime, t: Tenant, **values: Any) -> str:
    values.setdefault("first_name", "Ann")
    tag_names = values.pop("tags", ())
    return contacts.create_contact(rt.uows, t.owner, t.sub_account_id, values, tags=tag_names).id


def inbound(
    rt: Runtime, t: Tenant, body: str, *, channel: str = "sms", sender: str = "+14155550100",
    provider_id: str | None = None, to: str | None = None, sub_account_id: str | None = None,
) -> InboundResult:  # fmt: skip
    with rt.uows.tenant(t.owner, sub_account_id or t.sub_account_id) as uow:
        result = ingest(uow, InboundMessage(channel, provider_id, sender, to, body))
        uow.commit()
        return result


def events(rt: Runtime, name: str) -> list[dict[str, Any]]:
    with rt.uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(DomainEventRecord)
            .where(DomainEventRecord.name == name)
            .order_by(DomainEventRecord.occurred_at, DomainEventRecord.id)
        ).all()
        return [dict(r.payload, sub_account_id=r.sub_account_id) for r in rows]
