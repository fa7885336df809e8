"""Outbound message status: queued -> sent -> delivered -> read, or failed with the reason.

Two sources move it: the outbox dispatcher's events (the provider accepted or refused the
message) and the provider's status callbacks. Callbacks arrive out of order and twice, so a
status only ever moves forward (``can_move``): a late "sent" after "delivered" changes nothing,
and a failed message stays failed. A callback that overtakes the dispatcher's commit (the
message does not know its provider id yet) is parked in ``pending_message_statuses`` and
applied the moment the provider id is recorded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    PendingMessageStatus,
)
from ghl_desktop.services.bus import EventBus
from ghl_desktop.services.inbox.events import (
    MessageSent,
    MessageStatusChanged,
    OutboundMessageFailed,
)
from ghl_desktop.services.outbox import OutboxMessageFailed, OutboxMessageSent
from ghl_desktop.services.uow import UnitOfWork

RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
SOURCE = "inbox"
MAX_ERROR = 2000


def can_move(current: MessageStatus, new: MessageStatus) -> bool:
    """Forward only. Failed is final; only a message not yet delivered can fail."""
    if current is MessageStatus.FAILED or current == new:
        return False
    if new is MessageStatus.FAILED:
        return current in (MessageStatus.QUEUED, MessageStatus.SENT)
    return RANK[new] > RANK[current]


def _channel_type(uow: UnitOfWork, message: Message) -> str:
    channel = uow.session.get(Channel, message.channel_id)
    return str(channel.type) if channel is not None else ""


def _contact_id(uow: UnitOfWork, message: Message) -> str:
    conversation = uow.session.get(Conversation, message.conversation_id)
    return conversation.contact_id if conversation is not None else ""


def move(
    uow: UnitOfWork, message: Message, new: MessageStatus, *, error: str | None = None,
    at: datetime | None = None,
) -> bool:  # fmt: skip
    """Move ``message`` to ``new`` if that is forward; records the event. True when moved."""
    current = MessageStatus(message.status)
    if message.direction is not MessageDirection.OUTBOUND or not can_move(current, new):
        return False
    now = at or uow.clock.now()
    message.status = new
    message.updated_at = now
    kind = _channel_type(uow, message)
    if new is MessageStatus.SENT:
        message.sent_at = message.sent_at or now
    elif new is MessageStatus.DELIVERED:
        message.delivered_at = message.delivered_at or now
    elif new is MessageStatus.READ:
        message.read_at = message.read_at or now
        message.delivered_at = message.delivered_at or now
    elif new is MessageStatus.FAILED:
        message.error = (error or "the provider reported a failure")[:MAX_ERROR]
        uow.record(
            OutboundMessageFailed(
                sub_account_id=message.sub_account_id, conversation_id=message.conversation_id,
                message_id=message.id, contact_id=_contact_id(uow, message), channel=kind,
                error=message.error,
            )
        )  # fmt: skip
    if new is MessageStatus.SENT:
        uow.record(
            MessageSent(
                sub_account_id=message.sub_account_id, conversation_id=message.conversation_id,
                message_id=message.id, contact_id=_contact_id(uow, message), channel=kind,
                provider_message_id=message.provider_message_id or "",
            )
        )  # fmt: skip
    else:
        uow.record(
            MessageStatusChanged(
                sub_account_id=message.sub_account_id, conversation_id=message.conversation_id,
                message_id=message.id, channel=kind, old_status=current.value,
                new_status=new.value, error=message.error if new is MessageStatus.FAILED else None,
            )
        )  # fmt: skip
    return True


def apply_provider_status(
    uow: UnitOfWork, channel_id: str, provider_message_id: str, status: MessageStatus, *,
    error: str | None = None,
) -> bool:  # fmt: skip
    """A provider's status callback for a message of the unit of work's sub-account. Returns
    True when the message moved; a message not known yet keeps the report for later."""
    message = uow.session.scalar(
        select(Message).where(
            Message.channel_id == channel_id, Message.provider_message_id == provider_message_id
        )
    )
    if message is None:
        uow.session.add(
            PendingMessageStatus(
                channel_id=channel_id, provider_message_id=provider_message_id, status=status,
                error=error, reported_at=uow.clock.now(),
            )
        )  # fmt: skip
        return False
    return move(uow, message, status, error=error)


def apply_status_by_provider(
    uow: UnitOfWork, provider: str, kind: ChannelType, provider_message_id: str,
    status: MessageStatus, *, error: str | None = None,
) -> bool:  # fmt: skip
    """A callback that names only the provider and its message id (Twilio's): finds the
    message among the sub-account's channels of that provider; an unknown id is parked on the
    provider's active channel of the type."""
    channel_ids = list(uow.session.scalars(select(Channel.id).where(Channel.provider == provider)))
    message = uow.session.scalar(
        select(Message).where(
            Message.channel_id.in_(channel_ids), Message.provider_message_id == provider_message_id
        )
    )
    if message is not None:
        return move(uow, message, status, error=error)
    parking = uow.session.scalar(
        select(Channel.id)
        .where(Channel.provider == provider, Channel.type == kind)
        .order_by(Channel.is_active.desc(), Channel.created_at)
        .limit(1)
    )
    if parking is None:
        raise NotFound(f"{provider} channel", kind.value)
    return apply_provider_status(uow, parking, provider_message_id, status, error=error)


def _apply_pending(uow: UnitOfWork, message: Message) -> None:
    if message.provider_message_id is None:
        return
    where = (
        PendingMessageStatus.sub_account_id == message.sub_account_id,
        PendingMessageStatus.channel_id == message.channel_id,
        PendingMessageStatus.provider_message_id == message.provider_message_id,
    )
    parked = uow.session.scalars(
        select(PendingMessageStatus).where(*where).order_by(PendingMessageStatus.reported_at)
    ).all()
    for report in parked:
        move(uow, message, MessageStatus(report.status), error=report.error)
    if parked:
        uow.session.execute(delete(PendingMessageStatus).where(*where))


def _own_message(uow: UnitOfWork, sub_account_id: str | None, ref: str | None) -> Message | None:
    if not ref:
        return None
    message = uow.session.get(Message, ref)
    if message is None or message.sub_account_id != sub_account_id:
        return None
    return message


def on_outbox_sent(event: OutboxMessageSent, uow: UnitOfWork) -> None:
    if event.source != SOURCE:
        return
    message = _own_message(uow, event.sub_account_id, event.source_ref)
    if message is None:
        return
    if message.provider_message_id is None:
        message.provider_message_id = event.provider_message_id
        uow.flush()
    move(uow, message, MessageStatus.SENT)
    _apply_pending(uow, message)


def on_outbox_failed(event: OutboxMessageFailed, uow: UnitOfWork) -> None:
    if event.source != SOURCE:
        return
    message = _own_message(uow, event.sub_account_id, event.source_ref)
    if message is None:
        return
    if event.dead_lettered:
        move(uow, message, MessageStatus.FAILED, error=event.error)
    elif message.status is MessageStatus.QUEUED:
        # Still queued: the outbox retries it. The reason shows in the thread meanwhile.
        message.error = f"attempt {event.attempt} failed, retrying: {event.error}"[:MAX_ERROR]


def subscribe(bus: EventBus) -> None:
    def sent(event: object, uow: UnitOfWork) -> None:
        assert isinstance(event, OutboxMessageSent)
        on_outbox_sent(event, uow)

    def failed(event: object, uow: UnitOfWork) -> None:
        assert isinstance(event, OutboxMessageFailed)
        on_outbox_failed(event, uow)

    bus.subscribe("inbox.outbox_sent", sent, [OutboxMessageSent])
    bus.subscribe("inbox.outbox_failed", failed, [OutboxMessageFailed])
