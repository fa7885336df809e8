"""Reminders: queued once, shortly before they are due, on the preferred channel; a reschedule
or a cancel withdraws the queued one; late bookings and opted-out contacts get none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.services.calendars import queries, setup
from ghl_desktop.services.calendars.invitees import Invitee
from ghl_desktop.services.calendars.reminders import queue_due_reminders, reminders_tick
from tests.conftest import make_tenant
from tests.integration.calendar_kit import build
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

WEDNESDAY_9 = datetime(2026, 1, 7, 14, 0, tzinfo=UTC)  # 09:00 New York


def _outbox(rt: Runtime, t) -> list[SimpleNamespace]:  # type: ignore[no-untyped-def]
    with rt.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.source == "reminder")
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )  # fmt: skip
        keys = ("channel", "payload", "status", "next_attempt_at", "idempotency_key",
                "source_ref")  # fmt: skip
        return [SimpleNamespace(**{k: getattr(m, k) for k in keys}) for m in rows]


def test_reminder_is_queued_once_and_withdrawn_on_reschedule(any_runtime: Runtime) -> None:
    rt, t = any_runtime, make_tenant(any_runtime)
    clock = rt.clock
    assert isinstance(clock, FixedClock)
    kit = build(rt, t)
    booked = queries.book_appointment(
        rt.uows, t.owner, t.sub_account_id, calendar_id=kit.calendar_id,
        service_id=kit.service_id, start_at=WEDNESDAY_9,
        invitee=Invitee("Ada Lovelace", "ada@example.com"), invitee_timezone="Europe/London",
    )  # fmt: skip
    assert queue_due_reminders(rt.uows) == 0  # two days ahead: not yet
    clock.set(WEDNESDAY_9 - timedelta(days=1, minutes=10))
    assert reminders_tick(rt.uows, rt.secrets) == 1
    assert reminders_tick(rt.uows, rt.secrets) == 0  # already queued
    (sent,) = _outbox(rt, t)
    assert sent.channel == "email"
    assert sent.payload["to"] == "ada@example.com"
    assert "14:00 (Europe/London)" in sent.payload["body"]  # the invitee's own zone
    assert "/_book/manage/" in sent.payload["body"]
    assert sent.next_attempt_at == WEDNESDAY_9 - timedelta(days=1)  # leaves on the minute
    assert sent.idempotency_key.startswith(f"appointment-reminder:{booked.id}:1440:")
    queries.reschedule_appointment(rt.uows, t.owner, t.sub_account_id, booked.id,
                                   WEDNESDAY_9 + timedelta(days=1))  # fmt: skip
    assert _outbox(rt, t)[0].status == OutboxStatus.CANCELLED
    assert queue_due_reminders(rt.uows) == 0  # the new time's reminder is a day away
    clock.set(WEDNESDAY_9 - timedelta(minutes=5))
    assert queue_due_reminders(rt.uows) == 1
    queries.cancel_appointment(rt.uows, t.owner, t.sub_account_id, booked.id)
    assert [m.status for m in _outbox(rt, t)] == [OutboxStatus.CANCELLED] * 2
    clock.advance(timedelta(minutes=1))
    assert queue_due_reminders(rt.uows) == 0


def test_channel_offsets_and_late_bookings(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    clock = rt.clock
    assert isinstance(clock, FixedClock)
    kit = build(rt, t)
    setup.update_calendar(rt.uows, t.owner, t.sub_account_id, kit.calendar_id,
                          {"reminder_offsets_minutes": [1440, 60]})  # fmt: skip
    sms = queries.book_appointment(
        rt.uows, t.owner, t.sub_account_id, calendar_id=kit.calendar_id,
        service_id=kit.service_id, start_at=WEDNESDAY_9,
        invitee=Invitee("Bo", None, "+12025550143"),
    )  # fmt: skip
    late = queries.book_appointment(  # booked less than a day ahead: no 24 h reminder
        rt.uows, t.owner, t.sub_account_id, calendar_id=kit.calendar_id,
        service_id=kit.service_id, start_at=datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
        invitee=Invitee("Cy", "cy@example.com"),
    )  # fmt: skip
    assert queue_due_reminders(rt.uows) == 0
    clock.set(datetime(2026, 1, 5, 16, 50, tzinfo=UTC))  # an hour and ten before the late one
    assert queue_due_reminders(rt.uows) == 1
    clock.set(WEDNESDAY_9 - timedelta(days=1))
    assert queue_due_reminders(rt.uows) == 1
    clock.set(WEDNESDAY_9 - timedelta(minutes=60))
    assert queue_due_reminders(rt.uows) == 1
    messages = _outbox(rt, t)
    assert [(m.channel, m.source_ref) for m in messages] == [
        ("email", late.id), ("sms", sms.id), ("sms", sms.id),
    ]  # fmt: skip
    assert messages[1].payload["to"] == "+12025550143"


def test_disabled_reminders_send_nothing(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    clock = rt.clock
    assert isinstance(clock, FixedClock)
    kit = build(rt, t)
    setup.update_calendar(rt.uows, t.owner, t.sub_account_id, kit.calendar_id,
                          {"reminders_enabled": False})  # fmt: skip
    queries.book_appointment(
        rt.uows, t.owner, t.sub_account_id, calendar_id=kit.calendar_id,
        service_id=kit.service_id, start_at=WEDNESDAY_9, invitee=Invitee("A", "a@example.com"),
    )  # fmt: skip
    clock.set(WEDNESDAY_9 - timedelta(hours=23))
    assert queue_due_reminders(rt.uows) == 0
