"""Outbound messages: written as ``queued`` and put in the outbox in the same transaction.

The outbox row's idempotency key is the message id, so a retried command cannot send twice;
the dispatcher's ``outbox.message_sent`` / ``outbox.message_failed`` events move the message on
(``services.inbox.status``). A manual send to a contact with DND on for the channel is refused
with ``DoNotDisturb``; automated senders ask ``compliance.is_contact_reachable`` first and skip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ghl_desktop.core.errors import Conflict, ValidationError
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    SenderType,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.inbox.channels import (
    PHONE_CHANNELS,
    channel_address,
    channel_type,
    contact_address,
    is_dnd,
    outbox_channel,
    resolve_channel,
)
from ghl_desktop.services.inbox.compliance import dnd_reason, missing_address
from ghl_desktop.services.inbox.events import MessageQueued
from ghl_desktop.services.inbox.segments import count_segments
from ghl_desktop.services.inbox.threads import load_conversation, thread_for, touch
from ghl_desktop.services.outbox import enqueue
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_BODY = {
    ChannelType.SMS: 1600,  # Twilio's limit for one API message (10 segments of 160)
    ChannelType.WHATSAPP: 1600,
    ChannelType.SANDBOX: 1600,
    ChannelType.WEBCHAT: 5000,
    ChannelType.EMAIL: 200_000,
}
MAX_ATTACHMENTS = 10


class DoNotDisturb(Conflict):
    """The contact asked not to be messaged on this channel."""

    def __init__(self, kind: ChannelType, reason: str) -> None:
        super().__init__("contact", f"{reason}; the {kind.value} message was not sent")
        self.channel = kind


def send_message(
    uow: UnitOfWork, *, contact_id: str, channel: str, body: str, subject: str | None = None,
    attachments: Sequence[Mapping[str, Any]] = (), conversation_id: str | None = None,
) -> str:  # fmt: skip
    """Queue a message to a contact of the unit of work's sub-account; returns its id.
    The caller commits (the message and its outbox row commit together)."""
    uow.require("conversations.reply")
    kind = channel_type(channel)
    contact = load_contact(uow, contact_id)
    conversation = None
    if conversation_id is not None:
        conversation = load_conversation(uow, conversation_id)
        if conversation.contact_id != contact.id:
            raise ValidationError("conversation_id", "belongs to another contact")
    message = queue_outbound(
        uow, contact, kind, body, subject=subject, attachments=attachments,
        conversation=conversation,
    )  # fmt: skip
    return message.id


def _attachments(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if len(items) > MAX_ATTACHMENTS:
        raise ValidationError("attachments", f"at most {MAX_ATTACHMENTS} per message")
    result = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not (item.get("url") or item.get("path")):
            raise ValidationError(f"attachments[{i}]", "needs a url or a path")
        result.append({str(k): v for k, v in item.items()})
    return result


def queue_outbound(
    uow: UnitOfWork, contact: Contact, kind: ChannelType, body: str, *,
    subject: str | None = None, attachments: Sequence[Mapping[str, Any]] = (),
    conversation: Conversation | None = None, sender_type: SenderType | None = None,
    honour_dnd: bool = True,
) -> Message:  # fmt: skip
    """Write and queue one outbound message. ``honour_dnd=False`` is only for compliance
    answers (the HELP reply a carrier requires even from an opted-out number)."""
    text = (body or "").strip("\r\n")
    files = _attachments(attachments)
    if not text.strip() and not files:
        raise ValidationError("body", "must not be empty")
    if len(text) > MAX_BODY[kind]:
        raise ValidationError("body", f"must be at most {MAX_BODY[kind]} characters for {kind}")
    if kind is ChannelType.EMAIL and not (subject or "").strip():
        raise ValidationError("subject", "an email needs a subject")
    if honour_dnd and is_dnd(contact, kind):
        raise DoNotDisturb(kind, dnd_reason(kind))
    missing = missing_address(contact, kind)
    if missing is not None:
        raise ValidationError("contact", missing)
    if conversation is not None:
        channel = uow.session.get(Channel, conversation.channel_id)
        assert channel is not None
        if channel.type is not kind:
            raise ValidationError("channel", f"the conversation is on {channel.type}, not {kind}")
    else:
        channel = resolve_channel(uow, kind)
        conversation, _created = thread_for(uow, channel, contact.id)
    now = uow.clock.now()
    segments = count_segments(text).segments if kind in PHONE_CHANNELS else 0
    if sender_type is None:
        sender_type = SenderType.BOT if uow.actor.is_system else SenderType.USER
    message = Message(
        conversation_id=conversation.id, channel_id=channel.id,
        direction=MessageDirection.OUTBOUND, sender_type=sender_type,
        sender_id=uow.actor.user_id, subject=subject, body=text, attachments=files,
        status=MessageStatus.QUEUED, segments=segments, headers={},
        created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(message)
    uow.flush()
    to = contact_address(contact, kind)
    payload: dict[str, Any] = {
        "message_id": message.id, "conversation_id": conversation.id, "channel_id": channel.id,
        "channel_type": kind.value, "provider": channel.provider, "to": to,
        "from": channel_address(channel) or None, "body": text, "subject": subject,
        "attachments": files, "media_urls": [f["url"] for f in files if f.get("url")],
        "segments": segments,
    }  # fmt: skip
    outbox_id = enqueue(
        uow, channel=outbox_channel(kind), payload=payload, idempotency_key=message.id,
        contact_id=contact.id, source="inbox", source_ref=message.id,
    )  # fmt: skip
    touch(conversation, message, now)
    uow.record(
        MessageQueued(
            sub_account_id=uow.sub_account_id, conversation_id=conversation.id,
            message_id=message.id, contact_id=contact.id, channel=kind.value,
            outbox_id=outbox_id,
        )
    )  # fmt: skip
    return message


def send(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, contact_id: str,
    channel: str, body: str, subject: str | None = None,
    attachments: Sequence[Mapping[str, Any]] = (), conversation_id: str | None = None,
) -> str:  # fmt: skip
    """``send_message`` in a unit of work of its own (the CLI and the GUI's composer)."""
    with uows.tenant(actor, sub_account_id) as uow:
        message_id = send_message(
            uow, contact_id=contact_id, channel=channel, body=body, subject=subject,
            attachments=attachments, conversation_id=conversation_id,
        )  # fmt: skip
        uow.commit()
        return message_id
