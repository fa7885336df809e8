"""Finding or opening the live thread of a (channel, contact) and keeping its list columns
(last message time, preview, unread count) current as messages are added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ghl_desktop.core.errors import NotFound
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
)
from ghl_desktop.services.uow import UnitOfWork

PREVIEW = 200


def load_conversation(uow: UnitOfWork, conversation_id: str) -> Conversation:
    found = uow.session.scalar(select(Conversation).where(Conversation.id == conversation_id))
    if found is None:
        raise NotFound("conversation", conversation_id)
    return found


def thread_for(uow: UnitOfWork, channel: Channel, contact_id: str) -> tuple[Conversation, bool]:
    """The live conversation of this contact on this channel, created when missing. Two
    transactions racing to create it meet at the unique index: the loser reads the winner's."""
    stmt = select(Conversation).where(
        Conversation.channel_id == channel.id, Conversation.contact_id == contact_id
    )
    found = uow.session.scalar(stmt)
    if found is not None:
        return found, False
    conversation = new_thread(uow, channel, contact_id, add=False)
    try:
        with uow.session.begin_nested():
            uow.session.add(conversation)
    except IntegrityError:
        found = uow.session.scalar(stmt)
        if found is None:
            raise
        return found, False
    return conversation, True


def new_thread(
    uow: UnitOfWork, channel: Channel, contact_id: str, *, add: bool = True
) -> Conversation:
    """A new open thread (the caller knows there is none; a batch that guessed wrong fails
    at the unique index and is retried one message at a time)."""
    now = uow.clock.now()
    conversation = Conversation(
        id=new_id(), channel_id=channel.id, contact_id=contact_id,
        status=ConversationStatus.OPEN, last_message_at=now, last_message_preview="",
        unread_count=0, is_starred=False, created_at=now, updated_at=now,
    )  # fmt: skip
    if add:
        uow.session.add(conversation)
    return conversation


def preview_of(body: str, subject: str | None = None) -> str:
    text = " ".join((body or "").split()) or " ".join((subject or "").split())
    return text[:PREVIEW]


def touch(conversation: Conversation, message: Message, at: datetime) -> None:
    """Put the thread on top of the inbox with this message; an inbound message also counts as
    unread, reopens a resolved thread and wakes a snoozed one."""
    if conversation.last_message_at is None or at >= conversation.last_message_at:
        conversation.last_message_at = at
        conversation.last_message_preview = preview_of(message.body, message.subject)
    if message.direction is MessageDirection.INBOUND:
        conversation.unread_count = (conversation.unread_count or 0) + 1
        conversation.snoozed_until = None
        if conversation.status is ConversationStatus.RESOLVED:
            conversation.status = ConversationStatus.OPEN
    conversation.updated_at = at
