"""Queueing a message: the caller's transaction writes the outbox row with its own change."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from ghl_desktop.services.uow import UnitOfWork

# Channels the outbox accepts; a capability that adds one (payments...) adds it here.
CHANNELS = frozenset({"email", "sms", "whatsapp", "webchat", "webhook"})
DEFAULT_MAX_ATTEMPTS = 8
MAX_KEY_LENGTH = 200


def enqueue(
    uow: UnitOfWork,
    *,
    channel: str,
    payload: dict[str, Any],
    idempotency_key: str,
    contact_id: str | None = None,
    not_before: datetime | None = None,
    source: str = "",
    source_ref: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    autoflush: bool = True,
) -> str:
    """Queue one message in the caller's tenant unit of work and return the outbox row's id.

    A key already queued in this sub-account returns that row's id and queues nothing, also
    when two transactions race (the unique index decides, the loser reads the winner's row).
    ``autoflush=False`` skips flushing the caller's pending ORM changes first: for callers
    (the workflow executor) whose outbox row references only rows already in the database.
    """
    values = message_row(
        uow, channel=channel, payload=payload, idempotency_key=idempotency_key,
        contact_id=contact_id, not_before=not_before, source=source, source_ref=source_ref,
        max_attempts=max_attempts,
    )  # fmt: skip
    if autoflush:
        uow.session.flush()  # a contact created in this unit of work must exist for the FK
    sub_account_id = values["sub_account_id"]
    # One statement in the usual case: the insert returns its id unless the key is queued
    # already (or a racing transaction won), then the existing row is read. The statement is
    # built once per dialect and run on the connection: the ORM's per-statement work (tenant
    # criteria, bulk-insert bookkeeping) cost more than the write; ``sub_account_id`` is
    # stamped above from the unit of work's own scope.
    conn = uow.session.connection()
    inserted = conn.execute(_insert_statement(conn.dialect.name), values).scalar()
    if inserted is not None:
        return str(inserted)
    found = conn.execute(_EXISTING, {"sub": sub_account_id, "key": idempotency_key}).scalar()
    assert found is not None  # queued earlier or by the transaction that won the race
    return str(found)


def message_row(
    uow: UnitOfWork, *, channel: str, payload: dict[str, Any], idempotency_key: str,
    contact_id: str | None = None, not_before: datetime | None = None, source: str = "",
    source_ref: str | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> dict[str, Any]:  # fmt: skip
    """The validated row ``enqueue`` writes, for callers that queue many messages at once
    with ``enqueue_rows``."""
    sub_account_id = uow.sub_account_id
    _validate(channel, payload, idempotency_key, not_before, source, max_attempts)
    now = uow.clock.now()
    return {
        "id": new_id(),
        "sub_account_id": sub_account_id,
        "channel": channel,
        "status": OutboxStatus.QUEUED,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "attempts": 0,
        "max_attempts": max_attempts,
        "next_attempt_at": max(not_before, now) if not_before else now,
        "provider_detail": {},
        "contact_id": contact_id,
        "source": source,
        "source_ref": source_ref,
        "created_at": now,
        "updated_at": now,
    }


def enqueue_rows(uow: UnitOfWork, rows: list[dict[str, Any]]) -> set[str]:
    """Queue rows made by ``message_row`` (in ``uow``'s sub-account) in one statement, and
    return the ids of those queued: a row whose key is queued already is left out and not
    queued - the caller decides what that means (``enqueue`` returns the existing row)."""
    current = uow.sub_account_id
    if any(row["sub_account_id"] != current for row in rows):
        raise ValidationError("sub_account_id", "an outbox row of another sub-account")
    if not rows:
        return set()
    conn = uow.session.connection()
    return {str(i) for i in conn.execute(_insert_statement(conn.dialect.name), rows).scalars()}


_OUTBOX = cast(Table, OutboxMessage.__table__)
_EXISTING = select(_OUTBOX.c.id).where(
    _OUTBOX.c.sub_account_id == bindparam("sub"), _OUTBOX.c.idempotency_key == bindparam("key")
)
_INSERTS: dict[str, Any] = {}


def _insert_statement(dialect: str) -> Any:
    stmt = _INSERTS.get(dialect)
    if stmt is None:
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert_fn(_OUTBOX)
            .on_conflict_do_nothing(index_elements=["sub_account_id", "idempotency_key"])
            .returning(_OUTBOX.c.id)
        )
        _INSERTS[dialect] = stmt
    return stmt


def _validate(
    channel: str, payload: dict[str, Any], key: str, not_before: datetime | None, source: str,
    max_attempts: int,
) -> None:  # fmt: skip
    if channel not in CHANNELS:
        raise ValidationError("channel", f"must be one of {', '.join(sorted(CHANNELS))}")
    if not isinstance(payload, dict):
        raise ValidationError("payload", "must be a JSON object")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise ValidationError("payload", f"is not JSON-serialisable ({exc})") from None
    if not key or not key.strip():
        raise ValidationError("idempotency_key", "must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError("idempotency_key", f"must be at most {MAX_KEY_LENGTH} characters")
    if not_before is not None and not_before.tzinfo is None:
        raise ValidationError("not_before", "must be timezone-aware")
    if len(source) > 50:
        raise ValidationError("source", "must be at most 50 characters")
    if max_attempts < 1:
        raise ValidationError("max_attempts", "must be at least 1")
