"""Queueing outbox messages: idempotent per key and sub-account, validated, tenant-scoped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.services.outbox import enqueue
from tests.conftest import Tenant, make_tenant


@pytest.fixture
def any_tenant(any_runtime: Runtime) -> Tenant:
    return make_tenant(any_runtime)


def _count(rt: Runtime) -> int:
    with rt.uows.system(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def _queue(rt: Runtime, tenant: Tenant, key: str, sub: str | None = None, **kw: object) -> str:
    with rt.uows.tenant(tenant.owner, sub or tenant.sub_account_id) as uow:
        row_id = enqueue(
            uow, channel="email", idempotency_key=key, source="test",
            payload={"to": "ann@example.com", "subject": "Hi", "body": "Hello"}, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        uow.commit()
    return row_id


def test_the_same_key_queues_once(any_runtime: Runtime, any_tenant: Tenant) -> None:
    first = _queue(any_runtime, any_tenant, "wf:1:step:1")
    second = _queue(any_runtime, any_tenant, "wf:1:step:1")
    assert first == second
    assert _count(any_runtime) == 1
    with any_runtime.uows.system(read_only=True) as uow:
        row = uow.session.get(OutboxMessage, first)
        assert row is not None
        assert row.status is OutboxStatus.QUEUED
        assert row.attempts == 0
        assert row.payload["to"] == "ann@example.com"
        assert row.sub_account_id == any_tenant.sub_account_id


def test_keys_are_per_sub_account(any_runtime: Runtime, any_tenant: Tenant) -> None:
    a = _queue(any_runtime, any_tenant, "k")
    b = _queue(any_runtime, any_tenant, "k", sub=any_tenant.other_sub_account_id)
    assert a != b
    assert _count(any_runtime) == 2


def test_enqueue_rides_the_callers_transaction(runtime: Runtime, tenant: Tenant) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        enqueue(uow, channel="sms", payload={"to": "+15550100", "body": "x"}, idempotency_key="r")
        uow.rollback()
    assert _count(runtime) == 0


def test_not_before_sets_the_first_attempt(
    runtime: Runtime, tenant: Tenant, clock: FixedClock
) -> None:
    later = clock.now() + timedelta(hours=2)
    row_id = _queue(runtime, tenant, "later", not_before=later)
    earlier = _queue(runtime, tenant, "past", not_before=clock.now() - timedelta(days=1))
    with runtime.uows.system(read_only=True) as uow:
        assert uow.session.get_one(OutboxMessage, row_id).next_attempt_at == later
        assert uow.session.get_one(OutboxMessage, earlier).next_attempt_at == clock.now()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"idempotency_key": " "}, "idempotency_key"),
        ({"idempotency_key": "x" * 201}, "idempotency_key"),
        ({"payload": {"when": object()}}, "payload"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_bad_input_names_the_field(
    runtime: Runtime, tenant: Tenant, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"channel": "email", "payload": {}, "idempotency_key": "k"}
    args.update(kwargs)
    with (
        runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow,
        pytest.raises(ValidationError) as err,
    ):
        enqueue(uow, **args)  # type: ignore[arg-type]
    assert err.value.field == field
