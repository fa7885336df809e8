"""Inbound messages: stored exactly once, on the right contact and thread.

``receive_inbound`` runs inside the caller's tenant unit of work (a webhook, the IMAP poller,
the webchat endpoint, the sandbox simulator) and the caller commits. A message whose provider
id this channel already has creates nothing (a retried webhook, a re-polled mailbox); two
deliveries racing meet at the unique index and the loser reads the winner's row.

Contact matching: phone channels by the E.164 number, email (and webchat) by address; the
oldest live contact wins, else a contact is created (source ``inbox:<channel>``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ghl_desktop.core.errors import TenantViolation, ValidationError
from ghl_desktop.core.ids import new_id
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
from ghl_desktop.services.crm_events import ContactCreated, ContactUpdated
from ghl_desktop.services.inbox import ai_handoff, assignment
from ghl_desktop.services.inbox.channels import (
    PHONE_CHANNELS,
    channel_type,
    resolve_channel,
    set_dnd,
)
from ghl_desktop.services.inbox.compliance import Keyword, keyword_of
from ghl_desktop.services.inbox.events import ConversationStatusChanged, MessageReceived
from ghl_desktop.services.inbox.senders import sender_address
from ghl_desktop.services.inbox.sending import queue_outbound
from ghl_desktop.services.inbox.settings import load_settings
from ghl_desktop.services.inbox.threads import load_conversation, new_thread, thread_for, touch
from ghl_desktop.services.uow import UnitOfWork

MAX_EVENT_BODY = 1000
MAX_PROVIDER_ID = 255
MAX_THREAD_REFS = 50  # a References header can be long; the newest ids are the ones that match


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "sms", "whatsapp", "email", "webchat", "sandbox"
    provider_message_id: str | None
    from_address: str  # "+14155550100", "whatsapp:+1415...", "Ann <ann@example.com>"
    to_address: str | None
    body: str
    subject: str | None = None
    # [{"name", "content_type", "size", "url" or "path"}]
    attachments: Sequence[Mapping[str, Any]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    thread_refs: Sequence[str] = ()  # email Message-IDs this one answers (In-Reply-To...)
    received_at: datetime | None = None


@dataclass(frozen=True)
class InboundResult:
    conversation_id: str
    message_id: str
    created: bool
    contact_id: str
    keyword: Keyword | None = None


def receive_inbound(uow: UnitOfWork, inbound: InboundMessage) -> tuple[str, str, bool]:
    """Store ``inbound``; returns (conversation_id, message_id, created)."""
    result = ingest(uow, inbound)
    return result.conversation_id, result.message_id, result.created


def ingest(uow: UnitOfWork, inbound: InboundMessage) -> InboundResult:
    kind = channel_type(inbound.channel)
    provider_id = (inbound.provider_message_id or "").strip() or None
    if provider_id is not None and len(provider_id) > MAX_PROVIDER_ID:
        raise ValidationError("provider_message_id", f"at most {MAX_PROVIDER_ID} characters")
    channel = resolve_channel(uow, kind, inbound.to_address)
    batch = batch_state(uow)
    if provider_id is not None:
        # In a batch, _prefetch looked every provider id up already.
        key = (channel.id, provider_id)
        existing = batch.seen.get(key) if batch else _existing(uow, channel, provider_id)
        if existing is not None:
            return replace(existing, created=False)
    contact, new_contact = match_contact(uow, kind, inbound.from_address)
    if batch is not None:
        conversation = batch.threads.get((channel.id, contact.id))
        new_conversation = False
        if conversation is None:  # a sender new to the batch: a new contact's new thread
            conversation = batch.threads[(channel.id, contact.id)] = new_thread(
                uow, channel, contact.id
            )
            new_conversation = True
            # Rows without ORM relationships are not ordered by their foreign keys: a new
            # thread goes to the database before any message points at it.
            uow.flush()
        elif conversation.id in batch.opened:  # _open_threads made it for this message
            batch.opened.discard(conversation.id)
            new_conversation = True
    else:
        referenced = _referenced_thread(uow, channel, inbound.thread_refs)
        if referenced is not None:
            conversation, new_conversation = referenced, False
        else:
            conversation, new_conversation = thread_for(uow, channel, contact.id)
    now = uow.clock.now()
    message = Message(
        id=new_id(), conversation_id=conversation.id, channel_id=channel.id,
        direction=MessageDirection.INBOUND, sender_type=SenderType.CONTACT, sender_id=contact.id,
        subject=inbound.subject, body=inbound.body or "",
        attachments=[dict(a) for a in inbound.attachments], status=MessageStatus.DELIVERED,
        provider_message_id=provider_id, headers=_headers(inbound), segments=0,
        sent_at=inbound.received_at or now, delivered_at=now, created_at=now, updated_at=now,
    )  # fmt: skip
    if batch is not None:
        # A duplicate that slipped past (another process) fails the batch's commit; the caller
        # then stores its messages one by one, through the savepoint below.
        uow.session.add(message)
    else:
        try:
            with uow.session.begin_nested():
                uow.session.add(message)
        except IntegrityError:
            existing = _existing(uow, channel, provider_id) if provider_id else None
            if existing is None:
                raise
            return existing
    old_status = conversation.status
    touch(conversation, message, now)
    if not new_conversation and old_status is not conversation.status:
        uow.record(
            ConversationStatusChanged(
                sub_account_id=uow.sub_account_id, conversation_id=conversation.id,
                old_status=old_status.value, new_status=conversation.status.value,
            )
        )  # fmt: skip
    keyword = _apply_keyword(uow, contact, kind, message.body, conversation.id)
    if new_conversation:
        assignment.auto_assign(uow, conversation, contact, kind, message.body)
    uow.record(
        MessageReceived(
            sub_account_id=uow.sub_account_id, conversation_id=conversation.id,
            message_id=message.id, contact_id=contact.id, channel=kind.value,
            channel_id=channel.id, body=message.body[:MAX_EVENT_BODY],
            is_new_conversation=new_conversation, is_new_contact=new_contact,
        )
    )  # fmt: skip
    if keyword is None:
        ai_handoff.on_inbound(uow, conversation.id, message.id)
    result = InboundResult(conversation.id, message.id, True, contact.id, keyword)
    if batch is not None and provider_id is not None:
        batch.seen[(channel.id, provider_id)] = result
    return result


@dataclass
class BatchState:
    """What a batch has written but not flushed yet (``ingest_batch`` turns autoflush off, so
    the queries would not see it): messages by provider id, contacts, threads."""

    seen: dict[tuple[str, str], InboundResult] = field(default_factory=dict)
    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    threads: dict[tuple[str, str], Conversation] = field(default_factory=dict)
    # Threads _open_threads created whose first message has not been stored yet.
    opened: set[str] = field(default_factory=set)
    # Senders already parsed (phone numbers are costly to validate): (kind, from) -> parsed.
    senders: dict[tuple[ChannelType, str], tuple[str, str, str]] = field(default_factory=dict)


def batch_state(uow: UnitOfWork) -> BatchState | None:
    state = uow.session.info.get("inbox.batch")
    return state if isinstance(state, BatchState) else None


def ingest_batch(uow: UnitOfWork, messages: Sequence[InboundMessage]) -> list[InboundResult]:
    """Several inbound messages in one unit of work (a group commit's worth): the known
    senders' new threads flushed together, then the messages in one flush, instead of a
    flush per message. The caller commits, and on any error rolls back and stores them one
    by one with ``ingest``."""
    state = uow.session.info["inbox.batch"] = BatchState()
    uow.session.info[assignment.RULES_CACHE] = {}
    try:
        with uow.session.no_autoflush:
            _prefetch(uow, messages, state)
            _open_threads(uow, messages, state)
            results = [ingest(uow, m) for m in messages]
        uow.flush()
        return results
    finally:
        uow.session.info.pop("inbox.batch", None)
        uow.session.info.pop(assignment.RULES_CACHE, None)


def _existing(uow: UnitOfWork, channel: Channel, provider_id: str) -> InboundResult | None:
    row = uow.session.execute(
        select(Message.id, Message.conversation_id, Message.sender_id).where(
            Message.channel_id == channel.id, Message.provider_message_id == provider_id
        )
    ).first()
    if row is None:
        return None
    return InboundResult(row.conversation_id, row.id, False, row.sender_id or "")


def _referenced_thread(
    uow: UnitOfWork, channel: Channel, refs: Sequence[str]
) -> Conversation | None:
    """The live conversation holding the newest message this one answers (email's
    In-Reply-To / References), so a reply lands in its thread even when someone other than
    the thread's contact sends it (a colleague answering from their own address)."""
    wanted = [str(r).strip() for r in refs if str(r).strip()][-MAX_THREAD_REFS:]
    if not wanted:
        return None
    found = uow.session.scalar(
        select(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.channel_id == channel.id, Message.provider_message_id.in_(wanted))
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    return found


def _headers(inbound: InboundMessage) -> dict[str, Any]:
    headers: dict[str, Any] = {str(k): str(v) for k, v in inbound.headers.items()}
    if inbound.thread_refs:
        headers["thread_refs"] = [str(r) for r in inbound.thread_refs]
    return headers


def parse_sender(uow: UnitOfWork, kind: ChannelType, from_address: str) -> tuple[str, str, str]:
    """(field, normalised value, display name) of the sender: ``phone`` or ``email``."""
    batch = batch_state(uow)
    if batch is None:
        return sender_address(uow, kind, from_address)
    parsed = batch.senders.get((kind, from_address))
    if parsed is None:
        parsed = batch.senders[(kind, from_address)] = sender_address(uow, kind, from_address)
    return parsed


def match_contact(uow: UnitOfWork, kind: ChannelType, from_address: str) -> tuple[Contact, bool]:
    """The oldest live contact with the sender's phone/email, or a new one (with its event)."""
    key, value, display = parse_sender(uow, kind, from_address)
    batch = batch_state(uow)
    if batch is not None:  # _prefetch looked every sender up already
        found = batch.contacts.get((key, value))
    else:
        found = uow.session.scalar(
            select(Contact)
            .where(getattr(Contact, key) == value)
            .order_by(Contact.created_at, Contact.id)
            .limit(1)
        )
    if found is not None:
        if batch is not None:
            batch.contacts[(key, value)] = found
        return found, False
    first, _, last = display.partition(" ")
    now = uow.clock.now()
    contact = Contact(
        id=new_id(), **{key: value}, first_name=first[:100], last_name=last[:100],
        source=f"inbox:{kind}", created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(contact)
    uow.flush()  # before the thread that points at it (no ORM relationship orders them)
    if batch is not None:
        batch.contacts[(key, value)] = contact
    uow.record(
        ContactCreated(
            sub_account_id=uow.sub_account_id, contact_id=contact.id, source=contact.source
        )
    )
    return contact, True


def _apply_keyword(
    uow: UnitOfWork, contact: Contact, kind: ChannelType, body: str, conversation_id: str
) -> Keyword | None:
    keyword = keyword_of(body, kind) if kind in PHONE_CHANNELS else None
    if keyword is None:
        return None
    if keyword is Keyword.HELP:
        text = load_settings(uow).help_text.strip()
        if text:
            queue_outbound(
                uow, contact, kind, text, conversation=load_conversation(uow, conversation_id),
                sender_type=SenderType.BOT, honour_dnd=False,
            )  # fmt: skip
        return keyword
    changed = set_dnd(contact, kind, keyword is Keyword.STOP)
    if changed is not None:
        contact.updated_at = uow.clock.now()
        uow.record(
            ContactUpdated(
                sub_account_id=uow.sub_account_id, contact_id=contact.id, changed_fields=(changed,)
            )
        )
    return keyword


def _route(uow: UnitOfWork, m: InboundMessage) -> tuple[Channel, str, str] | None:
    """The message's channel and its sender's contact key and value; None when the sender
    does not parse (``ingest`` reports that for the message)."""
    try:
        kind = channel_type(m.channel)
        key, value, _display = parse_sender(uow, kind, m.from_address)
    except ValidationError:
        return None
    return resolve_channel(uow, kind, m.to_address), key, value


def _prefetch(uow: UnitOfWork, messages: Sequence[InboundMessage], state: BatchState) -> None:
    """Three queries for the whole batch instead of three per message: messages already
    stored (by provider id), the senders' contacts (oldest first wins), and their threads."""
    wanted_ids: dict[str, set[str]] = defaultdict(set)
    senders: dict[str, set[str]] = defaultdict(set)
    for m in messages:
        if (routed := _route(uow, m)) is None:
            continue
        channel, key, value = routed
        if m.provider_message_id and m.provider_message_id.strip():
            wanted_ids[channel.id].add(m.provider_message_id.strip())
        senders[key].add(value)
    stored = Message.__table__.c
    for channel_id, ids in wanted_ids.items():
        # Read through the table, not the entity: the tenant term the scope would add
        # (``sub_account_id = ?``) makes SQLite walk every message of the sub-account instead of
        # the unique (channel, provider id) index once the list has three ids. The channel is
        # this sub-account's (resolved in its scope), and so is every message on it; the check
        # below only makes sure of it.
        rows = uow.session.execute(
            select(stored.id, stored.conversation_id, stored.sender_id,
                   stored.provider_message_id, stored.sub_account_id)
            .where(stored.channel_id == channel_id, stored.provider_message_id.in_(ids))
        )  # fmt: skip
        for r in rows:
            if r.sub_account_id != uow.sub_account_id:
                raise TenantViolation("a channel of this sub-account holds another's message")
            state.seen[(channel_id, r.provider_message_id)] = InboundResult(
                r.conversation_id, r.id, False, r.sender_id or ""
            )
    for key, values in senders.items():
        column = getattr(Contact, key)
        # Sorted here, not by ORDER BY: ordering by creation makes SQLite walk every contact
        # of the sub-account in that order instead of looking the few senders up by phone.
        found = sorted(
            uow.session.scalars(select(Contact).where(column.in_(values))),
            key=lambda c: (c.created_at, c.id),
        )
        for contact in found:
            state.contacts.setdefault((key, getattr(contact, key)), contact)
    contact_ids = {c.id for c in state.contacts.values()}
    channel_ids = {c.id for c in uow.session.info.get("inbox.channels", {}).values()}
    if contact_ids and channel_ids:
        threads = uow.session.scalars(
            select(Conversation).where(
                Conversation.channel_id.in_(channel_ids), Conversation.contact_id.in_(contact_ids)
            )
        )
        for conversation in threads:
            state.threads[(conversation.channel_id, conversation.contact_id)] = conversation


def _open_threads(uow: UnitOfWork, messages: Sequence[InboundMessage], state: BatchState) -> None:
    """The new threads of the batch's known contacts, written in one flush before any message
    points at them (instead of one flush per new thread). Senders without a contact are left
    to ``ingest``, which creates the contact and its thread together."""
    opened = False
    for m in messages:
        provider_id = (m.provider_message_id or "").strip()
        if (routed := _route(uow, m)) is None:
            continue
        channel, key, value = routed
        contact = state.contacts.get((key, value))
        if contact is None or (provider_id and (channel.id, provider_id) in state.seen):
            continue
        if (channel.id, contact.id) not in state.threads:
            thread = state.threads[(channel.id, contact.id)] = new_thread(uow, channel, contact.id)
            state.opened.add(thread.id)
            opened = True
    if opened:
        uow.flush()
