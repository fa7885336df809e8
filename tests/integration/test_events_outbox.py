"""The event outbox: events commit with the change, are dispatched only after the commit, reach
each durable subscriber at most once, and failing subscribers are retried with back-off without
ever failing the command."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.system import DomainEventRecord, EventDelivery
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services import agencies
from ghl_desktop.services.agencies import SubAccountCreated
from tests.conftest import Tenant
from tests.probes import (
    CountingSubscriber,
    ProbeRecorded,
    create_delivery_table,
    deliveries,
    registered,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "probe_event")
__all__ = ["fast_password_hashing"]


@pytest.fixture
def runtime(any_runtime: Runtime) -> Runtime:
    """Every test here runs on SQLite and on PostgreSQL."""
    create_delivery_table(any_runtime.database)
    return any_runtime


@pytest.fixture
def probe_event() -> object:
    with registered(ProbeRecorded):
        yield


def _records(rt: Runtime, name: str | None = None) -> list[DomainEventRecord]:
    with rt.uows.system(read_only=True) as uow:
        query = select(DomainEventRecord).order_by(DomainEventRecord.occurred_at)
        if name:
            query = query.where(DomainEventRecord.name == name)
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


def _create(rt: Runtime, tenant: Tenant, name: str = "Location C") -> str:
    return agencies.create_sub_account(rt.uows, tenant.owner, tenant.agency_id, name).id


def test_an_event_is_stored_with_its_change(
    runtime: Runtime, tenant: Tenant, clock: FixedClock
) -> None:
    sub_id = _create(runtime, tenant)
    (record,) = [r for r in _records(runtime, "sub_account.created") if r.sub_account_id == sub_id]
    assert record.payload == {"agency_id": tenant.agency_id, "title": "Location C"}
    # The event's time is the unit of work's clock, like every other timestamp it wrote.
    assert record.occurred_at == clock.now()
    assert record.dispatched_at == clock.now()  # no subscriber failed
    assert record.attempts == 0


def test_a_rolled_back_unit_of_work_leaves_no_event(runtime: Runtime, tenant: Tenant) -> None:
    seen: list[DomainEvent] = []
    runtime.bus.subscribe_ephemeral(seen.append)
    before = len(_records(runtime))
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.record(ProbeRecorded(sub_account_id=tenant.sub_account_id, label="never"))
        uow.flush()
    with pytest.raises(RuntimeError), runtime.uows.tenant(tenant.owner, tenant.sub_account_id):
        raise RuntimeError("the command failed")
    assert len(_records(runtime)) == before
    assert seen == []


def test_a_failed_commit_stores_and_dispatches_nothing(runtime: Runtime, tenant: Tenant) -> None:
    from sqlalchemy.exc import IntegrityError

    seen: list[DomainEvent] = []
    runtime.bus.subscribe_ephemeral(seen.append)
    before = len(_records(runtime))
    with runtime.uows.system() as uow:
        uow.record(ProbeRecorded(sub_account_id=None, label="doomed"))
        # A duplicate sub-account name violates a unique constraint at commit time.
        agency_id = tenant.agency_id
        uow.session.add(SubAccount(agency_id=agency_id, name="Location A"))
        with pytest.raises(IntegrityError):
            uow.commit()
    assert len(_records(runtime)) == before
    assert seen == []


def test_events_are_dispatched_only_after_commit(runtime: Runtime, tenant: Tenant) -> None:
    observed: list[tuple[str, bool]] = []

    def committed_yet(event: DomainEvent) -> None:
        # A fresh connection sees the change only if it was committed before dispatch.
        with runtime.uows.system(read_only=True) as uow:
            visible = uow.session.get(SubAccount, event.sub_account_id) is not None
        observed.append((event.name, visible))

    def durable(event: DomainEvent, _uow: object) -> None:
        committed_yet(event)

    runtime.bus.subscribe_ephemeral(committed_yet)
    runtime.bus.subscribe("visibility", durable, [SubAccountCreated])
    with runtime.uows.agency(tenant.owner, tenant.agency_id) as uow:
        sub = SubAccount(agency_id=tenant.agency_id, name="Location D")
        uow.session.add(sub)
        uow.flush()
        uow.record(SubAccountCreated(sub_account_id=sub.id, agency_id=sub.agency_id, title="D"))
        uow.flush()
        assert observed == []  # recorded, flushed, but not committed: nobody was told
        uow.commit()
    assert observed == [("sub_account.created", True), ("sub_account.created", True)]


def test_each_durable_subscriber_handles_an_event_at_most_once(
    runtime: Runtime, tenant: Tenant
) -> None:
    counter = CountingSubscriber("counter")
    other = CountingSubscriber("other")
    runtime.bus.subscribe("counter", counter, [SubAccountCreated])
    runtime.bus.subscribe("other", other)  # every event
    sub_id = _create(runtime, tenant)
    (record,) = [r for r in _records(runtime, "sub_account.created") if r.sub_account_id == sub_id]
    event = DomainEvent.from_record(
        record.name, record.id, record.sub_account_id, record.occurred_at, record.payload
    )
    runtime.bus.dispatch([event])
    runtime.bus.dispatch([event])
    with runtime.uows.system() as uow:  # pretend the dispatch marker was lost in a crash
        uow.session.get(DomainEventRecord, record.id).dispatched_at = None  # type: ignore[union-attr]
        uow.commit()
    assert runtime.bus.redispatch_pending() == 1
    assert sorted(deliveries(runtime.database, record.id)) == [
        (record.id, "counter"),
        (record.id, "other"),
    ]
    assert counter.calls == 1
    with runtime.uows.system(read_only=True) as uow:
        proofs = uow.session.scalars(
            select(EventDelivery.subscriber).where(EventDelivery.event_id == record.id)
        ).all()
    assert sorted(proofs) == ["counter", "other"]


def test_subscribers_only_get_the_events_they_asked_for(runtime: Runtime, tenant: Tenant) -> None:
    picky = CountingSubscriber("picky")
    runtime.bus.subscribe("picky", picky, [ProbeRecorded])
    _create(runtime, tenant)
    assert picky.calls == 0
    with pytest.raises(ValueError, match="already registered"):
        runtime.bus.subscribe("picky", picky)


def test_a_failing_subscriber_is_logged_retried_with_backoff_and_never_fails_the_command(
    runtime: Runtime, tenant: Tenant, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = CountingSubscriber("flaky", fail_times=2)
    steady = CountingSubscriber("steady")
    runtime.bus.subscribe("flaky", flaky, [SubAccountCreated])
    runtime.bus.subscribe("steady", steady, [SubAccountCreated])
    with caplog.at_level(logging.ERROR, logger="ghl_desktop.services.bus"):
        sub_id = _create(runtime, tenant)  # the command succeeds regardless
    assert "subscriber flaky failed on event" in caplog.text
    assert "flaky failure #1" in caplog.text

    def record() -> DomainEventRecord:
        (found,) = [
            r for r in _records(runtime, "sub_account.created") if r.sub_account_id == sub_id
        ]
        return found

    first = record()
    assert first.dispatched_at is None
    assert first.attempts == 1
    assert "flaky: RuntimeError: flaky failure #1" in (first.last_error or "")
    assert "steady" not in (first.last_error or "")
    assert first.next_attempt_at is not None
    wait = first.next_attempt_at - clock.now()
    assert timedelta(seconds=2) <= wait <= timedelta(seconds=2.5)  # 2 s plus jitter
    # A failed delivery leaves no trace of the handler's writes.
    assert deliveries(runtime.database, first.id) == [(first.id, "steady")]

    assert runtime.bus.redispatch_pending() == 0  # not due yet
    clock.advance(wait)
    assert runtime.bus.redispatch_pending() == 1  # fails again: backs off longer
    second = record()
    assert second.attempts == 2
    assert second.next_attempt_at is not None
    assert timedelta(seconds=4) <= second.next_attempt_at - clock.now() <= timedelta(seconds=5)

    clock.advance(timedelta(seconds=5))
    assert runtime.bus.redispatch_pending() == 1
    done = record()
    assert done.dispatched_at == clock.now()
    assert done.last_error is None
    assert sorted(deliveries(runtime.database, done.id)) == [
        (done.id, "flaky"),
        (done.id, "steady"),
    ]
    assert steady.calls == 1  # never re-run for the other subscriber's retries
    assert runtime.bus.redispatch_pending() == 0


def test_a_failing_ephemeral_subscriber_is_logged_and_ignored(
    runtime: Runtime, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: DomainEvent) -> None:
        raise RuntimeError("qt bridge exploded")

    runtime.bus.subscribe_ephemeral(broken)
    with caplog.at_level(logging.ERROR):
        _create(runtime, tenant)
    assert "ephemeral subscriber failed" in caplog.text


def test_a_dispatch_that_cannot_record_its_outcome_still_never_fails_the_command(
    runtime: Runtime, tenant: Tenant, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    counter = CountingSubscriber("counter")
    runtime.bus.subscribe("counter", counter, [SubAccountCreated])

    def broken_mark(_failures: object) -> None:
        raise RuntimeError("database went away while marking")

    monkeypatch.setattr(runtime.bus, "_mark", broken_mark)
    with caplog.at_level(logging.ERROR):
        sub_id = _create(runtime, tenant)  # committed: the caller must hear success
    assert "database went away while marking" in caplog.text
    (record,) = [r for r in _records(runtime, "sub_account.created") if r.sub_account_id == sub_id]
    assert record.dispatched_at is None  # left for redispatch, which is harmless:
    monkeypatch.undo()
    assert runtime.bus.redispatch_pending() >= 1
    assert deliveries(runtime.database, record.id) == [(record.id, "counter")]
