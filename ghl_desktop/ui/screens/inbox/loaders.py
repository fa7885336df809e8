"""The service calls the inbox makes, each run as a background op (never on the Qt thread)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.services import contacts, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.services.inbox import composer, queries
from ghl_desktop.services.inbox import conversations as conversation_actions
from ghl_desktop.services.inbox.conversations import NoteInfo
from ghl_desktop.services.inbox.email_ingest import store_attachment
from ghl_desktop.services.inbox.email_parse import ParsedAttachment
from ghl_desktop.services.inbox.ingest import InboundMessage, receive_inbound
from ghl_desktop.services.inbox.queries import ConversationFilter, ConversationRow, MessageRow
from ghl_desktop.services.inbox.sending import send_message
from ghl_desktop.services.users import UserInfo

THREAD_MESSAGES = 200


@dataclass(frozen=True)
class ThreadData:
    conversation: ConversationRow
    messages: list[MessageRow]
    has_older: bool
    notes: list[NoteInfo]
    contact: ContactInfo | None
    users: list[UserInfo]
    snippets: list[tuple[str, str]]  # (name, body with this contact's merge fields filled)


def load_page(
    rt: Runtime, actor: Actor, sub_account_id: str, flt: ConversationFilter,
    cursor: queries.Cursor | None, limit: int = 50,
) -> queries.ConversationPage:  # fmt: skip
    return queries.list_conversations(rt.uows, actor, sub_account_id, flt, after=cursor,
                                      limit=limit)  # fmt: skip


def load_thread(rt: Runtime, actor: Actor, sub_account_id: str, conversation_id: str) -> ThreadData:
    """The thread, its notes, its contact and the users it may be assigned to; opening it
    marks it read."""
    row = queries.get_conversation(rt.uows, actor, sub_account_id, conversation_id)
    page = queries.list_messages(rt.uows, actor, sub_account_id, conversation_id,
                                 limit=THREAD_MESSAGES)  # fmt: skip
    notes = conversation_actions.list_notes(rt.uows, actor, sub_account_id, conversation_id)
    try:
        contact = contacts.get_contact(rt.uows, actor, sub_account_id, row.contact_id,
                                       include_deleted=True)  # fmt: skip
    except NotFound:
        contact = None
    people = users.list_sub_account_users(rt.uows, actor, sub_account_id)
    snippets = load_snippets(rt, actor, sub_account_id, contact)
    return ThreadData(row, page.messages, page.has_older, notes, contact, people, snippets)


def load_snippets(
    rt: Runtime, actor: Actor, sub_account_id: str, contact: ContactInfo | None
) -> list[tuple[str, str]]:
    return composer.rendered_snippets(rt.uows, actor, sub_account_id, contact)


def mark_read(rt: Runtime, actor: Actor, sub_account_id: str, conversation_id: str) -> None:
    conversation_actions.mark_read(rt.uows, actor, sub_account_id, conversation_id)


def send(
    rt: Runtime, actor: Actor, sub_account_id: str, *, conversation: ConversationRow,
    channel: str, body: str, subject: str | None = None,
    attachments: Sequence[Mapping[str, Any]] = (),
) -> str:  # fmt: skip
    """Queue a reply (the outbox sends it); on the conversation's own channel it stays in the
    same thread, on another channel it opens or continues that channel's thread."""
    # Files are copied into the data directory now: the message keeps them even when the
    # originals move before the outbox sends it (and the thread can show them later).
    kept = [_keep(rt, sub_account_id, a) for a in attachments]
    with rt.uows.tenant(actor, sub_account_id) as uow:
        same = channel == conversation.channel_type
        message_id = send_message(
            uow, contact_id=conversation.contact_id, channel=channel, body=body,
            subject=subject or None, attachments=kept,
            conversation_id=conversation.id if same else None,
        )  # fmt: skip
        uow.commit()
        return message_id


def _keep(rt: Runtime, sub_account_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
    source = Path(str(item.get("path") or ""))
    if not source.is_file():
        raise ValidationError("attachments", f"{source.name or 'a file'} cannot be read")
    name = str(item.get("name") or source.name)
    kind = str(item.get("content_type") or "application/octet-stream")
    meta = store_attachment(rt.data_dir, sub_account_id,
                            ParsedAttachment(name, kind, source.read_bytes()))  # fmt: skip
    if "path" not in meta:
        raise ValidationError("attachments", f"{name}: {meta.get('skipped', 'too large')}")
    return meta


def add_note(
    rt: Runtime, actor: Actor, sub_account_id: str, conversation_id: str, body: str
) -> None:
    conversation_actions.add_note(rt.uows, actor, sub_account_id, conversation_id, body)


def simulate_inbound(
    rt: Runtime, actor: Actor, sub_account_id: str, from_address: str, body: str,
    at: datetime | None = None,
) -> str:  # fmt: skip
    """A message "from" a phone number or email on the sandbox channel (no provider needed)."""
    with rt.uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        conversation_id, _message_id, _created = receive_inbound(
            uow,
            InboundMessage(
                channel="sandbox", provider_message_id=None, from_address=from_address,
                to_address=None, body=body, received_at=at,
            ),
        )  # fmt: skip
        uow.commit()
        return conversation_id
