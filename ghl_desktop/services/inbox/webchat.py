"""Webchat: the embeddable chat widget's side of the inbox.

Each sub-account has one webchat channel (type webchat, provider ``webchat``) whose ``config``
holds the public widget key (it only names the sub-account: the page source shows it), the
origins allowed to embed the widget, and the widget's title and greeting. A visitor gives a
name and an email (matched to a contact, or a new one) and gets a signed visitor token binding
the sub-account, channel and contact; every later call carries it. Visitor messages go through
``receive_inbound`` (idempotent on the widget's own message id); replies from the app go
through the outbox's ``webchat`` channel, whose provider marks them deliverable, and the
visitor's stream then shows every outbound message that left the outbox.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, tuple_

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
)
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.contact_fields import normalise_contact_email
from ghl_desktop.services.inbox import status
from ghl_desktop.services.inbox.channels import create_channel
from ghl_desktop.services.inbox.ingest import InboundMessage, ingest, match_contact
from ghl_desktop.services.sites.signing import Signer
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

PROVIDER = "webchat"
MAX_NAME, MAX_BODY, MAX_ORIGINS = 100, 2000, 50
_KEY = re.compile(r"^wc_[A-Za-z0-9_-]{16,64}$")
_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TOKEN = re.compile(rf"^({_ID})\.({_ID})\.({_ID})\.([A-Za-z0-9_-]{{16,64}})$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PURPOSE = "webchat-visitor"
SHOWN = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


@dataclass(frozen=True)
class WidgetConfig:
    key: str
    sub_account_id: str
    channel_id: str
    allowed_origins: tuple[str, ...]
    title: str
    greeting: str
    is_active: bool


@dataclass(frozen=True)
class Visitor:
    sub_account_id: str
    channel_id: str
    contact_id: str


@dataclass(frozen=True)
class ChatMessage:
    id: str
    direction: str  # "inbound" (the visitor's) or "outbound" (ours)
    body: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "from": "visitor" if self.direction == "inbound" else "agent",
                "body": self.body, "at": self.created_at.isoformat()}  # fmt: skip


# -- settings (the owner) --------------------------------------------------------------------
def normalise_origin(value: str) -> str:
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ValidationError("allowed_origins", f"{value!r} must be like https://www.example.com")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _config(row: Channel) -> WidgetConfig:
    config = row.config or {}
    return WidgetConfig(
        key=str(config.get("widget_key") or ""), sub_account_id=row.sub_account_id,
        channel_id=row.id, allowed_origins=tuple(config.get("allowed_origins") or ()),
        title=str(config.get("title") or "Chat with us"),
        greeting=str(config.get("greeting") or "Hi! How can we help?"), is_active=row.is_active,
    )  # fmt: skip


def _channel(uow: UnitOfWork) -> Channel | None:
    return uow.session.scalars(
        select(Channel)
        .where(Channel.type == ChannelType.WEBCHAT)
        .order_by(Channel.is_active.desc(), Channel.created_at)
        .limit(1)
    ).first()


def widget_settings(uow: UnitOfWork) -> WidgetConfig:
    """The sub-account's widget (its channel and key are made on first use)."""
    uow.require("conversations.read")
    row = _channel(uow)
    if row is None:
        row = create_channel(uow, ChannelType.WEBCHAT, provider=PROVIDER)
    if not (row.config or {}).get("widget_key"):
        row.config = dict(row.config or {}) | {"widget_key": f"wc_{secrets.token_urlsafe(18)}"}
        uow.flush()
    return _config(row)


def save_widget_settings(
    uow: UnitOfWork, *, allowed_origins: Sequence[str], title: str = "", greeting: str = ""
) -> WidgetConfig:
    uow.require("settings.manage")
    origins = tuple(dict.fromkeys(normalise_origin(o) for o in allowed_origins if o.strip()))
    if len(origins) > MAX_ORIGINS:
        raise ValidationError("allowed_origins", f"at most {MAX_ORIGINS} origins")
    for field, value in (("title", title), ("greeting", greeting)):
        if len(value) > 200:
            raise ValidationError(field, "is too long (200 characters at most)")
    current = widget_settings(uow)
    row = uow.session.get(Channel, current.channel_id)
    assert row is not None
    row.config = dict(row.config or {}) | {
        "allowed_origins": list(origins), "title": title.strip(), "greeting": greeting.strip(),
    }  # fmt: skip
    uow.flush()
    return _config(row)


def find_widget(uows: UnitOfWorkFactory, key: str) -> WidgetConfig | None:
    """The widget of a public key (any sub-account), or None."""
    if not _KEY.match(key or ""):
        return None
    with uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(Channel).where(Channel.type == ChannelType.WEBCHAT, Channel.is_active.is_(True))
        ).all()
        for row in rows:
            if (row.config or {}).get("widget_key") == key:
                return _config(row)
    return None


def widget_for_visitor(uows: UnitOfWorkFactory, visitor: Visitor) -> WidgetConfig | None:
    """The (active) widget a visitor's token was issued for."""
    with uows.system(read_only=True) as uow:
        row = uow.session.get(Channel, visitor.channel_id)
        if row is None or row.sub_account_id != visitor.sub_account_id or not row.is_active:
            return None
        return _config(row)


# -- visitors --------------------------------------------------------------------------------
def issue_token(signer: Signer, visitor: Visitor) -> str:
    parts = (visitor.sub_account_id, visitor.channel_id, visitor.contact_id)
    return ".".join([*parts, signer.sign(PURPOSE, *parts)])


def read_token(signer: Signer, token: str) -> Visitor | None:
    match = _TOKEN.match(token or "")
    if match is None:
        return None
    sub, channel, contact, signature = match.groups()
    if not signer.verify(signature, PURPOSE, sub, channel, contact):
        return None
    return Visitor(sub, channel, contact)


def clean_text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = _CONTROL.sub("", str(value or "")).strip()
    if required and not text:
        raise ValidationError(field, "is required")
    if len(text) > limit:
        raise ValidationError(field, f"must be at most {limit} characters")
    return text


def start_chat(uows: UnitOfWorkFactory, widget: WidgetConfig, name: Any, email: Any) -> Visitor:
    """The visitor introduced themselves: match or create their contact."""
    clean_name = clean_text(name, "name", MAX_NAME)
    address = normalise_contact_email(clean_text(email, "email", 254), "email")
    if address is None:
        raise ValidationError("email", "is required")
    with uows.tenant(SYSTEM, widget.sub_account_id) as uow:
        contact, _new = match_contact(uow, ChannelType.WEBCHAT, f"{clean_name} <{address}>")
        uow.commit()
        return Visitor(widget.sub_account_id, widget.channel_id, contact.id)


def _contact_email(uow: UnitOfWork, contact_id: str) -> str:
    from ghl_desktop.models.crm import Contact

    contact = uow.session.get(Contact, contact_id)
    if contact is None or not contact.email:
        raise NotFound("contact", contact_id)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return f"{name} <{contact.email}>" if name else contact.email


def post_message(
    uows: UnitOfWorkFactory, visitor: Visitor, client_id: Any, body: Any
) -> ChatMessage:
    """File one visitor message (a retried post with the same ``client_id`` files nothing)."""
    text = clean_text(body, "body", MAX_BODY)
    if not _CLIENT_ID.match(str(client_id or "")):
        raise ValidationError("id", "must be 8 to 64 letters, digits, - or _")
    with uows.tenant(SYSTEM, visitor.sub_account_id) as uow:
        result = ingest(
            uow,
            InboundMessage(
                channel=ChannelType.WEBCHAT.value, provider_message_id=f"wc:{client_id}",
                from_address=_contact_email(uow, visitor.contact_id), to_address=None,
                body=text,
            ),
        )  # fmt: skip
        uow.commit()
        row = uow.session.get(Message, result.message_id)
        assert row is not None
        return ChatMessage(row.id, MessageDirection.INBOUND.value, row.body, row.created_at)


def history(
    uows: UnitOfWorkFactory, visitor: Visitor, *, after: str | None = None, limit: int = 100
) -> list[ChatMessage]:
    """The visitor's thread, oldest first: their messages and the replies that left the
    outbox (queued or failed replies are not shown). ``after`` continues from a message id."""
    with uows.tenant(SYSTEM, visitor.sub_account_id, read_only=True) as uow:
        conversation_id = uow.session.scalar(
            select(Conversation.id).where(
                Conversation.channel_id == visitor.channel_id,
                Conversation.contact_id == visitor.contact_id,
            )
        )
        if conversation_id is None:
            return []
        stmt = select(Message).where(
            Message.conversation_id == conversation_id,
            (Message.direction == MessageDirection.INBOUND) | Message.status.in_(SHOWN),
        )
        if after:
            anchor = uow.session.get(Message, after)
            if anchor is not None and anchor.conversation_id == conversation_id:
                stmt = stmt.where(
                    tuple_(Message.created_at, Message.id) > tuple_(anchor.created_at, anchor.id)
                )
        rows = uow.session.scalars(stmt.order_by(Message.created_at, Message.id).limit(limit))
        return [ChatMessage(m.id, str(m.direction), m.body, m.created_at) for m in rows]


def mark_delivered(uows: UnitOfWorkFactory, visitor: Visitor, message_ids: Sequence[str]) -> int:
    """The visitor's stream carried these replies: they are delivered (✓✓ in the app).
    Returns how many moved (a reconnecting stream resends nothing that moved already)."""
    if not message_ids:
        return 0
    with uows.tenant(SYSTEM, visitor.sub_account_id) as uow:
        rows = uow.session.scalars(
            select(Message).where(
                Message.id.in_(list(message_ids)),
                Message.channel_id == visitor.channel_id,
                Message.direction == MessageDirection.OUTBOUND,
                Message.status == MessageStatus.SENT,
            )
        ).all()
        moved = sum(1 for m in rows if status.move(uow, m, MessageStatus.DELIVERED))
        uow.commit()
        return moved
