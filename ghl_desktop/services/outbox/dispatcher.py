"""The outbox dispatcher: claim due rows with a lease, send them outside any transaction, mark
the outcome with its event.

Claiming is one short write transaction: on SQLite the writer's ``BEGIN IMMEDIATE`` makes the
select-then-update atomic across processes; on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two
dispatchers take disjoint batches. A row whose lease expired while ``sending`` (the process died
mid-send) is claimed again. Marking only touches rows this dispatcher still holds, so a slow
sender whose lease was taken over cannot overwrite the newer attempt.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.services.outbox.events import OutboxMessageFailed, OutboxMessageSent
from ghl_desktop.services.outbox.ports import (
    OutboundMessage,
    PermanentSendError,
    ProviderRegistry,
    SendReceipt,
    TransientSendError,
)
from ghl_desktop.services.outbox.ratelimit import TokenBuckets
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class DispatchSettings:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)
    base_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=6)
    # The jitter adds up to this fraction of the back-off, so retries of a burst spread out.
    jitter: float = 0.25


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    outcomes: dict[str, OutboxStatus] = field(default_factory=dict)


class Dispatcher:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        providers: ProviderRegistry,
        clock: Clock,
        *,
        owner: str | None = None,
        settings: DispatchSettings | None = None,
        rng: random.Random | None = None,
        buckets: TokenBuckets | None = None,
    ) -> None:
        self._uows = uows
        self._providers = providers
        self._clock = clock
        self.owner = owner or f"dispatcher-{new_id()}"
        self.settings = settings or DispatchSettings()
        self._rng = rng or random.Random()
        self._buckets = buckets or TokenBuckets()

    def dispatch_due(self, max_batches: int = 20) -> DispatchResult:
        """Send what is due, batch after batch, until nothing is due or ``max_batches`` ran
        (the next scheduler tick continues, so one tick never runs for ever)."""
        result = DispatchResult()
        for _ in range(max_batches):
            batch = self.claim()
            if not batch:
                break
            result.claimed += len(batch)
            for message in batch:
                status = self._attempt(message)
                result.outcomes[message.id] = status
                if status is OutboxStatus.SENT:
                    result.sent += 1
                elif status is OutboxStatus.FAILED:
                    result.failed += 1
                elif status is OutboxStatus.DEAD:
                    result.dead += 1
                elif status is OutboxStatus.QUEUED:
                    result.deferred += 1
            if len(batch) < self.settings.batch_size:
                break
        return result

    # -- claim ---------------------------------------------------------------------------
    def claim(self) -> list[OutboundMessage]:
        now = self._clock.now()
        due = or_(
            and_(
                OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED]),
                OutboxMessage.next_attempt_at <= now,
            ),
            and_(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.lease_expires_at <= now,
            ),
        )
        with self._uows.system() as uow:
            ids = list(
                uow.session.scalars(
                    select(OutboxMessage.id)
                    .where(due)
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return []
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), due)
                .values(
                    status=OutboxStatus.SENDING,
                    lease_owner=self.owner,
                    lease_expires_at=now + self.settings.lease,
                    attempts=OutboxMessage.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            rows = uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == self.owner)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            ).all()
            claimed = [_message(row) for row in rows]
            uow.commit()
        return claimed

    # -- send and mark -------------------------------------------------------------------
    def _attempt(self, message: OutboundMessage) -> OutboxStatus:
        try:
            provider = self._providers.resolve(message.channel, message.sub_account_id)
        except PermanentSendError as exc:
            return self._mark_failed(message, None, str(exc), permanent=True)
        except Exception as exc:
            log.exception("resolving the %s provider failed", message.channel)
            return self._mark_failed(message, None, _describe(exc), permanent=False)
        sender = str(message.payload.get("from") or "")
        wait = self._buckets.take(
            (message.channel, sender), self._providers.rate_limit(provider.name)
        )
        if wait > 0:
            return self._defer(message, wait)
        try:
            receipt = provider.send(message)
        except PermanentSendError as exc:
            return self._mark_failed(message, provider.name, str(exc), permanent=True)
        except TransientSendError as exc:
            return self._mark_failed(message, provider.name, str(exc), permanent=False)
        except Exception as exc:
            # A provider bug: logged, and retried like a transient error (it may be one).
            log.exception("provider %s raised unexpectedly", provider.name)
            return self._mark_failed(message, provider.name, _describe(exc), permanent=False)
        return self._mark_sent(message, provider.name, receipt)

    def _held(self, message: OutboundMessage) -> ColumnElement[bool]:
        return and_(
            OutboxMessage.id == message.id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.lease_owner == self.owner,
        )

    def _mark_sent(
        self, message: OutboundMessage, provider: str, receipt: SendReceipt
    ) -> OutboxStatus:
        now = self._clock.now()
        with self._uows.system() as uow:
            done = uow.session.execute(
                update(OutboxMessage)
                .where(self._held(message))
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=now,
                    provider=provider,
                    provider_message_id=receipt.provider_message_id,
                    provider_detail=receipt.detail,
                    last_error=None,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) == 0:
                log.warning("outbox %s: lease lost before it was marked sent", message.id)
                return OutboxStatus.SENDING
            uow.record(
                OutboxMessageSent(
                    sub_account_id=message.sub_account_id,
                    outbox_id=message.id,
                    channel=message.channel,
                    source=message.source,
                    source_ref=message.source_ref,
                    provider_message_id=receipt.provider_message_id,
                    contact_id=message.contact_id,
                )
            )
            uow.commit()
        return OutboxStatus.SENT

    def _mark_failed(
        self, message: OutboundMessage, provider: str | None, error: str, *, permanent: bool
    ) -> OutboxStatus:
        now = self._clock.now()
        error = error[:MAX_ERROR_LENGTH]
        with self._uows.system() as uow:
            max_attempts = uow.session.scalar(
                select(OutboxMessage.max_attempts).where(OutboxMessage.id == message.id)
            )
            dead = permanent or max_attempts is None or message.attempt >= max_attempts
            status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
            next_at = now if dead else now + self.backoff(message.attempt)
            done = uow.session.execute(
                update(OutboxMessage)
                .where(self._held(message))
                .values(
                    status=status,
                    last_error=error,
                    next_attempt_at=next_at,
                    provider=provider,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) == 0:
                log.warning("outbox %s: lease lost before it was marked failed", message.id)
                return OutboxStatus.SENDING
            uow.record(
                OutboxMessageFailed(
                    sub_account_id=message.sub_account_id,
                    outbox_id=message.id,
                    channel=message.channel,
                    source=message.source,
                    source_ref=message.source_ref,
                    error=error,
                    dead_lettered=dead,
                    attempt=message.attempt,
                    contact_id=message.contact_id,
                )
            )
            uow.commit()
        return status

    def _defer(self, message: OutboundMessage, wait_seconds: float) -> OutboxStatus:
        """Rate limited: hand the row back untouched (the attempt does not count)."""
        now = self._clock.now()
        with self._uows.system() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(self._held(message))
                .values(
                    status=OutboxStatus.QUEUED if message.attempt <= 1 else OutboxStatus.FAILED,
                    attempts=OutboxMessage.attempts - 1,
                    next_attempt_at=now + timedelta(seconds=wait_seconds),
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            uow.commit()
        return OutboxStatus.QUEUED

    def backoff(self, attempt: int) -> timedelta:
        """Exponential in the attempt number, capped, plus random jitter."""
        s = self.settings
        exponent = min(max(attempt - 1, 0), 30)
        base = min(s.max_backoff, s.base_backoff * (2**exponent))
        jittered: timedelta = base + base * self._rng.uniform(0, s.jitter)
        return jittered


def _message(row: OutboxMessage) -> OutboundMessage:
    return OutboundMessage(
        id=row.id, sub_account_id=row.sub_account_id, channel=row.channel,
        payload=dict(row.payload or {}), idempotency_key=row.idempotency_key,
        attempt=row.attempts, contact_id=row.contact_id, source=row.source,
        source_ref=row.source_ref,
    )  # fmt: skip


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
