"""What the GUI and the CLI do with the outbox: list it per sub-account, retry, cancel."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWorkFactory

RETRYABLE = frozenset({OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.CANCELLED})
CANCELLABLE = frozenset({OutboxStatus.QUEUED, OutboxStatus.FAILED, OutboxStatus.DEAD})
SANDBOX_PREFIX = "sandbox-"
MAX_PAGE = 1000


@dataclass(frozen=True)
class OutboxItem:
    id: str
    channel: str
    status: OutboxStatus
    recipient: str
    subject: str
    body: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    provider: str | None
    provider_message_id: str | None
    sent_at: datetime | None
    created_at: datetime
    source: str
    source_ref: str | None
    contact_id: str | None
    idempotency_key: str

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE

    @property
    def can_cancel(self) -> bool:
        return self.status in CANCELLABLE

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "channel": self.channel, "status": self.status.value,
            "recipient": self.recipient, "subject": self.subject, "body": self.body,
            "attempts": self.attempts, "max_attempts": self.max_attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_error": self.last_error, "provider": self.provider,
            "provider_message_id": self.provider_message_id,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "created_at": self.created_at.isoformat(), "source": self.source,
            "source_ref": self.source_ref, "contact_id": self.contact_id,
            "idempotency_key": self.idempotency_key,
        }  # fmt: skip


def _item(row: OutboxMessage) -> OutboxItem:
    shown = row.provider_detail or row.payload or {}
    recipient = shown.get("to") or row.payload.get("to") or row.payload.get("url") or ""
    body = shown.get("body") or shown.get("html") or ""
    if row.channel == "webhook" and not body and "data" in row.payload:
        body = json.dumps(row.payload["data"], indent=2, ensure_ascii=False)
    return OutboxItem(
        id=row.id, channel=row.channel, status=row.status, recipient=str(recipient),
        subject=str(shown.get("subject") or row.payload.get("event_type") or ""),
        body=str(body), attempts=row.attempts, max_attempts=row.max_attempts,
        next_attempt_at=row.next_attempt_at, last_error=row.last_error, provider=row.provider,
        provider_message_id=row.provider_message_id, sent_at=row.sent_at,
        created_at=row.created_at, source=row.source, source_ref=row.source_ref,
        contact_id=row.contact_id, idempotency_key=row.idempotency_key,
    )  # fmt: skip


def parse_statuses(values: list[str] | tuple[str, ...]) -> tuple[OutboxStatus, ...]:
    known = {s.value: s for s in OutboxStatus}
    out = []
    for value in values:
        if value not in known:
            raise ValidationError("status", f"must be one of {', '.join(known)}")
        out.append(known[value])
    return tuple(out)


def list_messages(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    *,
    statuses: tuple[OutboxStatus, ...] = (),
    sandbox_only: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[OutboxItem]:
    """Newest first. ``sandbox_only`` lists what the sandbox providers 'sent'."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("outbox.read")
        query = select(OutboxMessage)
        if statuses:
            query = query.where(OutboxMessage.status.in_(statuses))
        if sandbox_only:
            query = query.where(
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.provider.startswith(SANDBOX_PREFIX, autoescape=True),
            )
        rows = uow.session.scalars(
            query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return [_item(r) for r in rows]


def get_message(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, outbox_id: str
) -> OutboxItem:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("outbox.read")
        row = uow.session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound("outbox message", outbox_id)
        return _item(row)


def status_counts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> dict[OutboxStatus, int]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("outbox.read")
        rows = uow.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def retry(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, outbox_id: str) -> None:
    """Queue a failed, dead or cancelled message again now, with a fresh set of attempts."""
    _transition(uows, actor, sub_account_id, outbox_id, RETRYABLE, retry=True)


def cancel(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, outbox_id: str) -> None:
    """Stop a message that has not been sent (a message being sent right now cannot be)."""
    _transition(uows, actor, sub_account_id, outbox_id, CANCELLABLE, retry=False)


def _transition(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, outbox_id: str,
    allowed: frozenset[OutboxStatus], *, retry: bool,
) -> None:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("outbox.manage")
        row = uow.session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound("outbox message", outbox_id)
        if row.status not in allowed:
            verb = "retried" if retry else "cancelled"
            raise Conflict("status", f"a {row.status.value} message cannot be {verb}")
        now = uow.clock.now()
        values: dict[str, Any] = {"updated_at": now}
        if retry:
            values.update(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=now)
        else:
            values.update(status=OutboxStatus.CANCELLED)
        # Guarded by the status read above, so a dispatcher claiming it meanwhile wins.
        done = uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.status == row.status)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not getattr(done, "rowcount", 0):
            raise Conflict("status", "the message changed meanwhile; reload and try again")
        uow.commit()


def sub_account_of(uows: UnitOfWorkFactory, outbox_id: str) -> str:
    """The sub-account a message belongs to (the CLI takes bare ids); the tenant unit of work
    opened with it afterwards still decides whether the actor may see it."""
    with uows.system(read_only=True) as uow:
        found = uow.session.scalar(
            select(OutboxMessage.sub_account_id).where(OutboxMessage.id == outbox_id)
        )
    if found is None:
        raise NotFound("outbox message", outbox_id)
    return found
