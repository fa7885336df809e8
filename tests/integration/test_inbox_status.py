"""Outbound status: the dispatcher's outcome and provider callbacks move a message forward
only - duplicates and out-of-order reports change nothing, and none is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.models.conversations import Message, MessageStatus, PendingMessageStatus
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.services.inbox.sending import send_message
from ghl_desktop.services.inbox.status import apply_provider_status, can_move
from ghl_desktop.services.outbox import PermanentSendError, SendReceipt
from ghl_desktop.services.outbox.dispatcher import Dispatcher
from tests.integration.inbox_support import events, new_contact
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

Q, S, D, R, F = (
    MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ,
    MessageStatus.FAILED,
)  # fmt: skip


def test_status_only_moves_forward() -> None:
    assert can_move(Q, S)
    assert can_move(S, D)
    assert can_move(D, R)
    assert can_move(Q, R)
    assert not can_move(D, S)
    assert not can_move(R, D)
    assert not can_move(S, S)
    assert can_move(Q, F)
    assert can_move(S, F)
    assert not can_move(D, F)
    assert not can_move(R, F)
    assert not can_move(F, D)
    assert not can_move(F, R)


def _send(rt, t, body="Hello") -> str:
    ann = new_contact(rt, t, phone="+14155550100")
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        message_id = send_message(uow, contact_id=ann, channel="sms", body=body)
        uow.commit()
    return message_id


def _message(rt, message_id) -> tuple[str, str | None, str | None, str | None]:
    with rt.uows.system(read_only=True) as uow:
        m = uow.session.get(Message, message_id)
        assert m is not None
        return str(m.status), m.provider_message_id, m.error, m.channel_id


def _callback(rt, t, channel_id, provider_id, status, error=None) -> bool:
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        moved = apply_provider_status(uow, channel_id, provider_id, status, error=error)
        uow.commit()
        return moved


def test_dispatcher_outcome_marks_sent_then_callbacks_in_any_order(runtime, tenant) -> None:
    message_id = _send(runtime, tenant)
    result = Dispatcher(runtime.uows, runtime.providers, runtime.clock).dispatch_due()
    assert result.sent == 1
    status, provider_id, _error, channel_id = _message(runtime, message_id)
    assert status == "sent"
    assert provider_id is not None
    assert provider_id.startswith("sandbox-")
    assert [e["message_id"] for e in events(runtime, "message.sent")] == [message_id]
    assert _callback(runtime, tenant, channel_id, provider_id, R)  # read overtakes delivered
    assert not _callback(runtime, tenant, channel_id, provider_id, D)
    assert not _callback(runtime, tenant, channel_id, provider_id, S)
    assert not _callback(runtime, tenant, channel_id, provider_id, F, "30003")
    assert _message(runtime, message_id)[0] == "read"
    changes = events(runtime, "message.status_changed")
    assert [(c["old_status"], c["new_status"]) for c in changes] == [("sent", "read")]


def test_callback_before_the_provider_id_is_recorded_is_applied_later(runtime, tenant) -> None:
    message_id = _send(runtime, tenant)
    channel_id = _message(runtime, message_id)[3]
    with runtime.uows.system(read_only=True) as uow:
        outbox_id = uow.session.scalars(select(OutboxMessage.id)).one()
    early = f"sandbox-{outbox_id}"  # the sandbox names its provider id after the outbox row
    assert not _callback(runtime, tenant, channel_id, early, D)
    assert not _callback(runtime, tenant, channel_id, early, D)  # a duplicate too
    Dispatcher(runtime.uows, runtime.providers, runtime.clock).dispatch_due()
    assert _message(runtime, message_id)[0] == "delivered"
    with runtime.uows.system(read_only=True) as uow:
        assert uow.session.scalars(select(PendingMessageStatus)).all() == []


class Refusing:
    name = "refusing"

    def send(self, message) -> SendReceipt:
        raise PermanentSendError("Twilio error 21211: the 'To' number is not valid")


def test_dead_lettered_message_fails_with_the_providers_reason(runtime, tenant) -> None:
    runtime.providers.register("sms", lambda _sub: Refusing())
    message_id = _send(runtime, tenant)
    Dispatcher(runtime.uows, runtime.providers, runtime.clock).dispatch_due()
    status, _provider_id, error, _channel = _message(runtime, message_id)
    assert status == "failed"
    assert error is not None
    assert "21211" in error
    failed = events(runtime, "message.failed")
    assert [f["message_id"] for f in failed] == [message_id]
    assert "21211" in failed[0]["error"]
