"""The outbox dispatcher: claim with a lease, send, retry with back-off, dead-letter, rate
limits, crashed claims, and the GUI's retry/cancel - on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.errors import Conflict, PermissionDenied
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services import users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.outbox import (
    OutboundMessage,
    PermanentSendError,
    RateLimit,
    SendReceipt,
    TransientSendError,
    admin,
    enqueue,
)
from ghl_desktop.services.outbox.dispatcher import Dispatcher, DispatchSettings
from ghl_desktop.services.outbox.ratelimit import TokenBuckets
from tests.conftest import TEST_PASSWORD, Tenant, make_tenant
from tests.speed import fast_password_hashing

__all__ = ["fast_password_hashing"]
pytestmark = pytest.mark.usefixtures("fast_password_hashing")


class ScriptedProvider:
    """Answers each send from a script of outcomes ("ok", "transient", "permanent")."""

    name = "scripted"

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.sent: list[OutboundMessage] = []
        self.lock = threading.Lock()

    def send(self, message: OutboundMessage) -> SendReceipt:
        with self.lock:
            outcome = self.script.pop(0) if self.script else "ok"
            self.sent.append(message)
        if outcome == "transient":
            raise TransientSendError("503 from the provider")
        if outcome == "permanent":
            raise PermanentSendError("invalid recipient")
        return SendReceipt(f"p-{message.id}", {"to": message.payload.get("to")})


def _queue(rt: Runtime, tenant: Tenant, key: str, channel: str = "sms", **kw: Any) -> str:
    with rt.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        payload = kw.pop("payload", {"to": "+15550100", "body": f"hello {key}"})
        row_id = enqueue(uow, channel=channel, payload=payload, idempotency_key=key, **kw)
        uow.commit()
    return row_id


def _row(rt: Runtime, row_id: str) -> OutboxMessage:
    with rt.uows.system(read_only=True) as uow:
        row = uow.session.get_one(OutboxMessage, row_id)
        uow.session.expunge(row)  # keep its loaded values after the read-only rollback
        return row


def _events(rt: Runtime, name: str) -> list[dict[str, Any]]:
    with rt.uows.system(read_only=True) as uow:
        return [
            r.payload
            for r in uow.session.scalars(
                select(DomainEventRecord).where(DomainEventRecord.name == name)
            )
        ]


def _dispatcher(rt: Runtime, provider: Any = None, **settings: Any) -> Dispatcher:
    if provider is not None:
        rt.providers.register("sms", lambda _sub: provider)
    return Dispatcher(
        rt.uows, rt.providers, rt.clock, settings=DispatchSettings(**settings),
        rng=random.Random(7),
    )  # fmt: skip


@pytest.fixture
def any_tenant(any_runtime: Runtime) -> Tenant:
    return make_tenant(any_runtime)


def test_sandbox_sends_and_records_the_event(runtime: Runtime, tenant: Tenant) -> None:
    email = {"to": "ann@example.com", "subject": "Welcome", "body": "Hi Ann"}
    row_id = _queue(
        runtime, tenant, "welcome", channel="email", source="workflow", source_ref="exec-1",
        payload=email,
    )  # fmt: skip
    result = _dispatcher(runtime).dispatch_due()
    assert (result.claimed, result.sent) == (1, 1)
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.SENT
    assert row.provider == "sandbox-email"
    assert row.sent_at == runtime.clock.now()
    assert row.lease_owner is None
    [event] = _events(runtime, "outbox.message_sent")
    assert event["outbox_id"] == row_id
    assert event["source"] == "workflow"
    assert event["source_ref"] == "exec-1"
    [shown] = admin.list_messages(runtime.uows, tenant.owner, tenant.sub_account_id,
                                  sandbox_only=True)  # fmt: skip
    assert (shown.recipient, shown.subject, shown.body) == ("ann@example.com", "Welcome", "Hi Ann")
    # Sent once: the next tick finds nothing.
    assert _dispatcher(runtime).dispatch_due().claimed == 0


def test_transient_errors_back_off_then_dead_letter(
    any_runtime: Runtime, any_tenant: Tenant
) -> None:
    rt, clock = any_runtime, any_runtime.clock
    assert isinstance(clock, FixedClock)
    provider = ScriptedProvider("transient", "transient", "transient")
    row_id = _queue(rt, any_tenant, "flaky", max_attempts=3)
    dispatcher = _dispatcher(rt, provider, base_backoff=timedelta(seconds=10))
    assert dispatcher.dispatch_due().failed == 1
    row = _row(rt, row_id)
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 1
    assert row.last_error == "503 from the provider"
    first_wait = row.next_attempt_at - clock.now()
    assert timedelta(seconds=10) <= first_wait <= timedelta(seconds=12.5)
    # Not due yet: nothing is claimed.
    assert dispatcher.dispatch_due().claimed == 0
    clock.advance(first_wait)
    assert dispatcher.dispatch_due().failed == 1
    second_wait = _row(rt, row_id).next_attempt_at - clock.now()
    assert timedelta(seconds=20) <= second_wait <= timedelta(seconds=25)
    clock.advance(second_wait)
    assert dispatcher.dispatch_due().dead == 1
    row = _row(rt, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 3)
    failed = _events(rt, "outbox.message_failed")
    assert [e["dead_lettered"] for e in failed] == [False, False, True]
    assert [e["attempt"] for e in failed] == [1, 2, 3]


def test_a_permanent_error_dead_letters_at_once(runtime: Runtime, tenant: Tenant) -> None:
    row_id = _queue(runtime, tenant, "bad")
    assert _dispatcher(runtime, ScriptedProvider("permanent")).dispatch_due().dead == 1
    assert _row(runtime, row_id).status is OutboxStatus.DEAD
    [event] = _events(runtime, "outbox.message_failed")
    assert event["dead_lettered"] is True
    assert event["error"] == "invalid recipient"


def test_a_provider_bug_is_retried_not_lost(runtime: Runtime, tenant: Tenant) -> None:
    class Broken:
        name = "broken"

        def send(self, message: OutboundMessage) -> SendReceipt:
            raise KeyError("oops")

    row_id = _queue(runtime, tenant, "bug")
    assert _dispatcher(runtime, Broken()).dispatch_due().failed == 1
    assert _row(runtime, row_id).last_error == "KeyError: 'oops'"


def test_a_crashed_claim_is_retried_after_its_lease(
    any_runtime: Runtime, any_tenant: Tenant
) -> None:
    rt, clock = any_runtime, any_runtime.clock
    assert isinstance(clock, FixedClock)
    row_id = _queue(rt, any_tenant, "crash")
    crashed = _dispatcher(rt, lease=timedelta(minutes=5))
    [claimed] = crashed.claim()  # ...and the process dies before sending or marking.
    assert claimed.id == row_id
    assert _row(rt, row_id).status is OutboxStatus.SENDING
    survivor = _dispatcher(rt)
    assert survivor.dispatch_due().claimed == 0  # still leased
    clock.advance(timedelta(minutes=5))
    result = survivor.dispatch_due()
    assert result.sent == 1
    row = _row(rt, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


def test_a_lost_lease_does_not_overwrite_the_newer_attempt(
    runtime: Runtime, tenant: Tenant
) -> None:
    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    _queue(runtime, tenant, "slow")
    slow = _dispatcher(runtime, ScriptedProvider("ok", "ok"))
    [message] = slow.claim()
    clock.advance(timedelta(minutes=6))
    assert _dispatcher(runtime).dispatch_due().sent == 1
    assert slow._attempt(message) is OutboxStatus.SENDING  # lease lost: nothing marked
    assert len(_events(runtime, "outbox.message_sent")) == 1


def test_two_dispatchers_send_each_message_once(any_runtime: Runtime, any_tenant: Tenant) -> None:
    ids = {_queue(any_runtime, any_tenant, f"k{i}") for i in range(24)}
    provider = ScriptedProvider()
    dispatchers = [_dispatcher(any_runtime, provider, batch_size=4) for _ in range(2)]
    threads = [threading.Thread(target=d.dispatch_due) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    counts = Counter(m.id for m in provider.sent)
    assert set(counts) == ids
    assert max(counts.values()) == 1


def test_rate_limit_defers_without_spending_an_attempt(runtime: Runtime, tenant: Tenant) -> None:
    ticks = [0.0]
    runtime.providers.set_rate_limit("scripted", RateLimit(per_second=1, burst=2))
    provider = ScriptedProvider()
    runtime.providers.register("sms", lambda _sub: provider)
    dispatcher = Dispatcher(
        runtime.uows, runtime.providers, runtime.clock, buckets=TokenBuckets(lambda: ticks[0])
    )
    ids = [_queue(runtime, tenant, f"r{i}", payload={"to": "+1555", "from": "+1999", "body": "x"})
           for i in range(3)]  # fmt: skip
    other = _queue(runtime, tenant, "other", payload={"to": "+1555", "from": "+1888", "body": "y"})
    result = dispatcher.dispatch_due()
    assert (result.sent, result.deferred) == (3, 1)
    deferred = [r for r in (_row(runtime, i) for i in ids) if r.status is OutboxStatus.QUEUED]
    assert len(deferred) == 1
    assert deferred[0].attempts == 0
    assert deferred[0].next_attempt_at == runtime.clock.now() + timedelta(seconds=1)
    assert _row(runtime, other).status is OutboxStatus.SENT  # another sender has its own bucket
    ticks[0] = 1.0
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.advance(timedelta(seconds=1))
    assert dispatcher.dispatch_due().sent == 1


def test_retry_and_cancel(runtime: Runtime, tenant: Tenant) -> None:
    dead = _queue(runtime, tenant, "dead")
    _dispatcher(runtime, ScriptedProvider("permanent")).dispatch_due()
    admin.retry(runtime.uows, tenant.owner, tenant.sub_account_id, dead)
    row = _row(runtime, dead)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 0)
    admin.cancel(runtime.uows, tenant.owner, tenant.sub_account_id, dead)
    assert _dispatcher(runtime).dispatch_due().claimed == 0
    assert _row(runtime, dead).status is OutboxStatus.CANCELLED
    with pytest.raises(Conflict, match="cancelled message cannot be cancelled"):
        admin.cancel(runtime.uows, tenant.owner, tenant.sub_account_id, dead)
    admin.retry(runtime.uows, tenant.owner, tenant.sub_account_id, dead)
    assert _dispatcher(runtime).dispatch_due().sent == 1
    with pytest.raises(Conflict, match="sent message cannot be retried"):
        admin.retry(runtime.uows, tenant.owner, tenant.sub_account_id, dead)
    counts = admin.status_counts(runtime.uows, tenant.owner, tenant.sub_account_id)
    assert counts[OutboxStatus.SENT] == 1


def test_retry_needs_the_permission_and_the_sub_account(runtime: Runtime, tenant: Tenant) -> None:
    row_id = _queue(runtime, tenant, "p")
    staff = users.create_user(
        runtime.uows, tenant.owner, tenant.agency_id, "staff@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    actor = Actor(user_id=staff.id, label="staff")
    assert admin.list_messages(runtime.uows, actor, tenant.sub_account_id)[0].id == row_id
    with pytest.raises(PermissionDenied):
        admin.cancel(runtime.uows, actor, tenant.sub_account_id, row_id)
    from ghl_desktop.core.errors import NotFound

    with pytest.raises(NotFound):
        admin.cancel(runtime.uows, tenant.owner, tenant.other_sub_account_id, row_id)
