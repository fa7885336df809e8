"""A durable subscriber gets several events in one transaction (one commit per group); each
event still runs in a savepoint of its own, so one failing event rolls back alone - its
handler's writes, its delivery row and the events its handler recorded - and is retried."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.system import DomainEventRecord, EventDelivery
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import Tenant
from tests.probes import (
    CountingSubscriber,
    ProbeRecorded,
    create_delivery_table,
    deliveries,
    registered,
)


@pytest.fixture
def runtime(any_runtime: Runtime) -> Runtime:
    """SQLite and PostgreSQL: savepoints behave alike on both."""
    create_delivery_table(any_runtime.database)
    return any_runtime


@pytest.fixture(autouse=True)
def probe_event() -> object:
    with registered(ProbeRecorded):
        yield


def _record(rt: Runtime, tenant: Tenant, *labels: str) -> list[str]:
    with rt.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        events = [ProbeRecorded(sub_account_id=tenant.sub_account_id, label=x) for x in labels]
        uow.record(*events)
        uow.commit()
    return [e.event_id for e in events]


def _delivered(rt: Runtime, subscriber: str) -> set[str]:
    with rt.uows.system(read_only=True) as uow:
        return set(
            uow.session.scalars(
                select(EventDelivery.event_id).where(EventDelivery.subscriber == subscriber)
            )
        )


def test_one_failing_event_of_a_group_rolls_back_alone_and_is_retried(
    runtime: Runtime, tenant: Tenant, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    counter = CountingSubscriber("counter")
    echoes: list[DomainEvent] = []
    failing = [True]

    def picky(event: DomainEvent, uow: UnitOfWork) -> None:
        assert isinstance(event, ProbeRecorded)
        counter(event, uow)
        if event.label.startswith("echo"):
            return
        # Its own event is dropped with its savepoint when it fails afterwards.
        uow.record(ProbeRecorded(sub_account_id=event.sub_account_id, label=f"echo {event.label}"))
        if event.label == "bad" and failing[0]:
            raise RuntimeError("cannot handle bad yet")

    runtime.bus.subscribe("picky", picky, [ProbeRecorded])
    runtime.bus.subscribe_ephemeral(echoes.append)
    with caplog.at_level(logging.ERROR, logger="ghl_desktop.services.bus"):
        good1, bad, good2 = _record(runtime, tenant, "good 1", "bad", "good 2")
    assert "subscriber picky failed on event" in caplog.text

    # The good events committed with their delivery rows; the bad one left nothing behind.
    assert _delivered(runtime, "picky") >= {good1, good2}
    assert bad not in _delivered(runtime, "picky")
    assert deliveries(runtime.database, bad) == []
    assert [d for d in deliveries(runtime.database) if d[0] in (good1, good2)] == [
        (good1, "counter"),
        (good2, "counter"),
    ]
    labels = sorted(e.label for e in echoes if isinstance(e, ProbeRecorded))
    assert "echo bad" not in labels
    assert {"echo good 1", "echo good 2"} <= set(labels)

    # Retried later: handled once, never again for the events already delivered.
    failing[0] = False
    with runtime.uows.system() as uow:
        record = uow.session.get(DomainEventRecord, bad)
        assert record is not None
        assert record.next_attempt_at is not None
        clock.set(record.next_attempt_at)
    runtime.bus.redispatch_pending()
    assert deliveries(runtime.database, bad) == [(bad, "counter")]
    assert deliveries(runtime.database, good1) == [(good1, "counter")]
    assert bad in _delivered(runtime, "picky")


def test_events_beyond_a_group_are_all_delivered_once(runtime: Runtime, tenant: Tenant) -> None:
    counter = CountingSubscriber("counter")
    runtime.bus.subscribe("counter", counter, [ProbeRecorded])
    ids = _record(runtime, tenant, *(f"event {n}" for n in range(120)))  # > 2 groups
    assert counter.calls == 120
    assert sorted(deliveries(runtime.database)) == sorted((i, "counter") for i in ids)
    # A second pass finds every delivery row and runs nothing again.
    runtime.bus.dispatch(
        [ProbeRecorded(sub_account_id=tenant.sub_account_id, label="again", event_id=ids[0])]
    )
    assert counter.calls == 120
