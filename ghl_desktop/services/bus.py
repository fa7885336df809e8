"""The event bus: hands committed domain events to subscribers.

Durable subscribers run inside a system unit of work (a savepoint per event, one commit per group
of events) together with an ``event_deliveries`` row keyed by (event id, subscriber): the
handler's writes and the proof of delivery commit together,
so a subscriber handles an event at most once and, thanks to ``redispatch_pending``, at least
once. A failing subscriber is logged, its transaction rolled back, and the event retried later
with back-off; it never fails the command that produced the event.

Ephemeral subscribers (the Qt bridge) are just called after commit and never retried.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.system import DomainEventRecord, EventDelivery

if TYPE_CHECKING:
    from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

DurableHandler = Callable[[DomainEvent, "UnitOfWork"], None]
# Picks, from a batch, the events a durable handler could act on (a few set-based queries for
# the whole batch); the others count as handled: the handler would have done nothing with them.
InterestFilter = Callable[[Sequence[DomainEvent], "UnitOfWork"], Sequence[DomainEvent]]
EphemeralHandler = Callable[[DomainEvent], None]

MAX_BACKOFF = timedelta(hours=1)
DELIVERY_GROUP = 50  # events per subscriber transaction: fewer commits, a short writer hold
MARK_CHUNK = 5_000  # event ids per UPDATE marking them dispatched (a bulk import has 100k)


class _AlreadyDelivered(Exception):
    """The (event, subscriber) delivery row exists: the handler ran before."""


@dataclass(frozen=True)
class Subscription:
    name: str
    event_names: frozenset[str] | None  # None: every event
    handler: DurableHandler
    interested: InterestFilter | None = None

    def wants(self, event: DomainEvent) -> bool:
        return self.event_names is None or event.name in self.event_names


class EventBus:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._durable: list[Subscription] = []
        self._ephemeral: list[EphemeralHandler] = []
        self._uows: UnitOfWorkFactory | None = None

    def bind(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows

    def subscribe(
        self,
        name: str,
        handler: DurableHandler,
        events: Iterable[type[DomainEvent]] | None = None,
        *,
        interested: InterestFilter | None = None,
    ) -> None:
        """``interested`` (optional) must keep every event ``handler`` would act on: a bulk
        command's thousands of events then skip the per-event savepoint and delivery row."""
        if any(s.name == name for s in self._durable):
            raise ValueError(f"subscriber {name!r} is already registered")
        names = frozenset(e.name for e in events) if events is not None else None
        self._durable.append(Subscription(name, names, handler, interested))

    def subscribe_ephemeral(self, handler: EphemeralHandler) -> None:
        self._ephemeral.append(handler)

    @property
    def subscriber_names(self) -> list[str]:
        return [s.name for s in self._durable]

    # -- dispatch ------------------------------------------------------------------------
    def dispatch(self, events: Sequence[DomainEvent]) -> None:
        """Deliver committed events. Never raises: failures are recorded for a retry."""
        failures = self._deliver(events)
        try:
            self._mark(failures)
        except Exception:
            # The command has committed; its events stay pending and redispatch retries them
            # (subscribers that already ran are skipped by their delivery rows).
            log.exception("could not record the dispatch of %d event(s)", len(events))
        for handler in self._ephemeral:
            for event in events:
                try:
                    handler(event)
                except Exception:
                    log.exception("ephemeral subscriber failed on %s", event.name)

    def _deliver(self, events: Sequence[DomainEvent]) -> dict[str, list[str]]:
        """Each subscriber gets its events in groups, one transaction per group: a commit (an
        fsync with ``synchronous=FULL``) per group instead of one per event. Each event still
        runs in a savepoint of its own with its delivery row, so a failing event rolls back
        alone and is retried; the others of its group commit with their delivery rows."""
        failures: dict[str, list[str]] = {event.event_id: [] for event in events}
        for sub in self._durable:
            wanted = [event for event in events if sub.wants(event)]
            if wanted and sub.interested is not None:
                try:
                    wanted = self._interesting(sub, wanted)
                except Exception as exc:  # retried later like a failed delivery
                    log.exception("subscriber %s could not filter %d event(s)", sub.name,
                                  len(wanted))  # fmt: skip
                    for event in wanted:
                        failures[event.event_id].append(f"{sub.name}: {type(exc).__name__}: {exc}")
                    continue
            for start in range(0, len(wanted), DELIVERY_GROUP):
                group = wanted[start : start + DELIVERY_GROUP]
                try:
                    for event_id, failure in self._deliver_group(sub, group):
                        failures[event_id].append(failure)
                except Exception as exc:  # the group's commit failed: all of it is retried
                    log.exception("subscriber %s failed on %d event(s)", sub.name, len(group))
                    for event in group:
                        failures[event.event_id].append(f"{sub.name}: {type(exc).__name__}: {exc}")
        return failures

    def _interesting(self, sub: Subscription, events: list[DomainEvent]) -> list[DomainEvent]:
        assert self._uows is not None
        assert sub.interested is not None
        with self._uows.system(read_only=True) as uow:
            keep = {e.event_id for e in sub.interested(events, uow)}
        return [event for event in events if event.event_id in keep]

    def _deliver_group(
        self, sub: Subscription, events: Sequence[DomainEvent]
    ) -> list[tuple[str, str]]:
        assert self._uows is not None
        failed: list[tuple[str, str]] = []
        with self._uows.system() as uow:
            session = uow.session
            for event in events:
                recorded = len(uow._events)  # a failed handler's recorded events are dropped
                try:
                    with session.begin_nested():
                        try:
                            session.execute(
                                insert(EventDelivery).values(
                                    event_id=event.event_id,
                                    subscriber=sub.name,
                                    delivered_at=self._clock.now(),
                                )
                            )
                        except IntegrityError:
                            raise _AlreadyDelivered from None
                        sub.handler(event, uow)
                        session.flush()  # the handler's own errors fail its savepoint only
                except _AlreadyDelivered:
                    continue  # handled before (another process or an earlier attempt)
                except Exception as exc:
                    del uow._events[recorded:]
                    log.exception("subscriber %s failed on event %s", sub.name, event.event_id)
                    failed.append((event.event_id, f"{sub.name}: {type(exc).__name__}: {exc}"))
            uow.commit()
        return failed

    def _mark(self, failures_by_event: dict[str, list[str]]) -> None:
        """One transaction for the whole batch: dispatched, or retried later with back-off."""
        assert self._uows is not None
        if not failures_by_event:
            return
        now = self._clock.now()
        done = [event_id for event_id, failures in failures_by_event.items() if not failures]
        with self._uows.system() as uow:
            for chunk in _chunks(done, MARK_CHUNK):
                uow.session.execute(
                    update(DomainEventRecord)
                    .where(DomainEventRecord.id.in_(chunk))
                    .values(dispatched_at=now, last_error=None)
                )
            for event_id, failures in failures_by_event.items():
                if not failures:
                    continue
                record = uow.session.get(DomainEventRecord, event_id)
                if record is None:
                    continue
                record.attempts += 1
                backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(record.attempts, 12)))
                jitter = backoff.total_seconds() * random.uniform(0, 0.25)
                record.next_attempt_at = now + backoff + timedelta(seconds=jitter)
                record.last_error = "\n".join(failures)[:4000]
            uow.commit()

    def redispatch_pending(self, min_age: timedelta = timedelta(0), limit: int = 500) -> int:
        """Deliver events committed but never fully dispatched (a crash, a failing subscriber).
        Returns how many events were attempted."""
        assert self._uows is not None
        now = self._clock.now()
        with self._uows.system(read_only=True) as uow:
            records = uow.session.scalars(
                select(DomainEventRecord)
                .where(
                    DomainEventRecord.dispatched_at.is_(None),
                    DomainEventRecord.occurred_at <= now - min_age,
                    (DomainEventRecord.next_attempt_at.is_(None))
                    | (DomainEventRecord.next_attempt_at <= now),
                )
                .order_by(DomainEventRecord.occurred_at, DomainEventRecord.id)
                .limit(limit)
            ).all()
            events = []
            for r in records:
                try:
                    events.append(
                        DomainEvent.from_record(
                            r.name, r.id, r.sub_account_id, r.occurred_at, r.payload
                        )
                    )
                except (LookupError, TypeError) as exc:
                    log.error("cannot rebuild event %s (%s): %s", r.id, r.name, exc)
        self._mark(self._deliver(events))
        return len(events)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
