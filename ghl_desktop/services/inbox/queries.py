"""What the inbox shows: the conversation list (filters and keyset paging that stay fast at
100,000 threads), one thread's messages, and unread counts for the navigation.

Pages are newest first and continue from a cursor (the last row's ``last_message_at`` and
id), so page 100 costs what page 1 costs; each filter has an index ending in
(last_message_at, id) to walk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, and_, func, or_, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox.channels import channel_type
from ghl_desktop.services.inbox.threads import load_conversation
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_PAGE = 500


class View(enum.StrEnum):
    ALL = "all"
    UNREAD = "unread"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    STARRED = "starred"
    SNOOZED = "snoozed"


@dataclass(frozen=True)
class ConversationFilter:
    view: View | str = View.ALL
    channel: str | None = None  # a channel type ("sms"...)
    status: ConversationStatus | str | None = None
    contact_id: str | None = None


@dataclass(frozen=True)
class Cursor:
    last_message_at: datetime
    id: str


@dataclass(frozen=True)
class ConversationRow:
    id: str
    contact_id: str
    contact_name: str
    contact_phone: str | None
    contact_email: str | None
    channel_id: str
    channel_type: str
    channel_name: str
    status: ConversationStatus
    assigned_user_id: str | None
    last_message_at: datetime | None
    preview: str
    unread_count: int
    is_starred: bool
    snoozed_until: datetime | None


@dataclass(frozen=True)
class ConversationPage:
    rows: list[ConversationRow]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class MessageRow:
    id: str
    conversation_id: str
    direction: MessageDirection
    sender_type: str
    sender_id: str | None
    subject: str | None
    body: str
    attachments: list[dict[str, Any]]
    status: str
    error: str | None
    segments: int
    provider_message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True)
class MessagePage:
    """Messages oldest first; ``has_older`` says another page lies before the first one."""

    messages: list[MessageRow]
    has_older: bool


@dataclass(frozen=True)
class UnreadCounts:
    conversations: int  # threads with anything unread
    mine: int
    unassigned: int
    by_channel: dict[str, int]


def _base() -> Select[Any]:
    # More columns than SQLAlchemy's typed overloads spell out: typed as a plain Select.
    stmt: Any = select(
        Conversation.id, Conversation.contact_id, Contact.first_name, Contact.last_name,
        Contact.phone, Contact.email, Conversation.channel_id, Channel.type, Channel.name,
        Conversation.status, Conversation.assigned_user_id, Conversation.last_message_at,
        Conversation.last_message_preview, Conversation.unread_count, Conversation.is_starred,
        Conversation.snoozed_until,
    ).join(Contact, Contact.id == Conversation.contact_id).join(
        Channel, Channel.id == Conversation.channel_id
    )  # fmt: skip
    return cast("Select[Any]", stmt)


def _row(r: Any) -> ConversationRow:
    name = " ".join(p for p in (r.first_name, r.last_name) if p) or r.email or r.phone or ""
    return ConversationRow(
        id=r.id, contact_id=r.contact_id, contact_name=name, contact_phone=r.phone,
        contact_email=r.email, channel_id=r.channel_id, channel_type=str(r.type),
        channel_name=r.name, status=ConversationStatus(r.status),
        assigned_user_id=r.assigned_user_id, last_message_at=r.last_message_at,
        preview=r.last_message_preview, unread_count=r.unread_count, is_starred=r.is_starred,
        snoozed_until=r.snoozed_until,
    )  # fmt: skip


def _filtered(uow: UnitOfWork, stmt: Select[Any], flt: ConversationFilter) -> Select[Any]:
    try:
        view = View(flt.view)
    except ValueError:
        names = ", ".join(v.value for v in View)
        raise ValidationError("view", f"must be one of {names}, got {flt.view!r}") from None
    if view is View.SNOOZED:
        stmt = stmt.where(Conversation.snoozed_until.is_not(None))
    else:
        stmt = stmt.where(Conversation.snoozed_until.is_(None))
    if view is View.UNREAD:
        stmt = stmt.where(Conversation.unread_count > 0)
    elif view is View.MINE:
        stmt = stmt.where(Conversation.assigned_user_id == uow.actor.user_id)
    elif view is View.UNASSIGNED:
        stmt = stmt.where(Conversation.assigned_user_id.is_(None))
    elif view is View.STARRED:
        stmt = stmt.where(Conversation.is_starred.is_(True))
    if flt.status:
        try:
            status = ConversationStatus(flt.status)
        except ValueError:
            names = ", ".join(s.value for s in ConversationStatus)
            raise ValidationError("status", f"must be one of {names}, got {flt.status!r}") from None
        stmt = stmt.where(Conversation.status == status)
    if flt.channel:
        kind = channel_type(flt.channel)
        ids = select(Channel.id).where(Channel.type == kind).scalar_subquery()
        stmt = stmt.where(Conversation.channel_id.in_(ids))
    if flt.contact_id:
        stmt = stmt.where(Conversation.contact_id == flt.contact_id)
    return stmt


def _before(at_column: Any, id_column: Any, at: datetime, row_id: str) -> Any:
    """Rows ordered before (at, id) in (at DESC, id DESC) order. Spelled with a plain
    ``at <= :at`` range next to the exact condition: SQLite walks the index from there, where
    a row-value comparison made it scan the whole sub-account."""
    return and_(at_column <= at, or_(at_column < at, and_(at_column == at, id_column < row_id)))


def conversation_page(
    uow: UnitOfWork, flt: ConversationFilter = ConversationFilter(), *,
    after: Cursor | None = None, limit: int = 50,
) -> ConversationPage:  # fmt: skip
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    stmt = _filtered(uow, _base(), flt)
    if after is not None:
        stmt = stmt.where(
            _before(Conversation.last_message_at, Conversation.id, after.last_message_at, after.id)
        )
    stmt = stmt.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    rows = [_row(r) for r in uow.session.execute(stmt.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    cursor = None
    if more and last is not None and last.last_message_at is not None:
        cursor = Cursor(last.last_message_at, last.id)
    return ConversationPage(rows, cursor)


def list_conversations(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
    flt: ConversationFilter = ConversationFilter(), *, after: Cursor | None = None,
    limit: int = 50,
) -> ConversationPage:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        return conversation_page(uow, flt, after=after, limit=limit)


def get_conversation(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str
) -> ConversationRow:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        return conversation_row(uow, conversation_id)


def conversation_row(uow: UnitOfWork, conversation_id: str) -> ConversationRow:
    row = uow.session.execute(_base().where(Conversation.id == conversation_id)).first()
    if row is None:
        raise NotFound("conversation", conversation_id)
    return _row(row)


def _message_row(m: Message) -> MessageRow:
    return MessageRow(
        id=m.id, conversation_id=m.conversation_id, direction=MessageDirection(m.direction),
        sender_type=str(m.sender_type), sender_id=m.sender_id, subject=m.subject, body=m.body,
        attachments=list(m.attachments or []), status=str(m.status), error=m.error,
        segments=m.segments, provider_message_id=m.provider_message_id,
        created_at=m.created_at, sent_at=m.sent_at, delivered_at=m.delivered_at,
        read_at=m.read_at,
    )  # fmt: skip


def thread_page(
    uow: UnitOfWork, conversation_id: str, *, before: str | None = None, limit: int = 100
) -> MessagePage:
    """The newest ``limit`` messages of a thread (or those before message ``before``)."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    load_conversation(uow, conversation_id)
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if before is not None:
        anchor = uow.session.scalar(
            select(Message).where(Message.id == before, Message.conversation_id == conversation_id)
        )
        if anchor is None:
            raise ValidationError("before", f"no message {before} in this conversation")
        stmt = stmt.where(_before(Message.created_at, Message.id, anchor.created_at, anchor.id))
    stmt = stmt.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)
    found = list(uow.session.scalars(stmt))
    has_older = len(found) > limit
    return MessagePage([_message_row(m) for m in reversed(found[:limit])], has_older)


def list_messages(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str, *,
    before: str | None = None, limit: int = 100,
) -> MessagePage:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        return thread_page(uow, conversation_id, before=before, limit=limit)


def unread_counts(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> UnreadCounts:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        unread = and_(Conversation.unread_count > 0, Conversation.snoozed_until.is_(None))
        rows = uow.session.execute(
            select(Channel.type, func.count())
            .select_from(Conversation)
            .join(Channel, Channel.id == Conversation.channel_id)
            .where(unread)
            .group_by(Channel.type)
        ).all()
        by_channel = {str(kind): int(n) for kind, n in rows}
        mine_or_none = uow.session.execute(
            select(
                func.count().filter(Conversation.assigned_user_id == uow.actor.user_id),
                func.count().filter(Conversation.assigned_user_id.is_(None)),
            ).where(unread)
        ).one()
        return UnreadCounts(
            conversations=sum(by_channel.values()), mine=int(mine_or_none[0] or 0),
            unassigned=int(mine_or_none[1] or 0), by_channel=by_channel,
        )  # fmt: skip


def sub_account_of_conversation(uows: UnitOfWorkFactory, actor: Actor, conversation_id: str) -> str:
    """The sub-account a conversation belongs to, when ``actor`` may read it; otherwise
    NotFound exactly as for an id that does not exist."""
    with uows.system(read_only=True) as uow:
        sub_account_id = uow.session.scalar(
            select(Conversation.sub_account_id).where(Conversation.id == conversation_id)
        )
    if sub_account_id is None:
        raise NotFound("conversation", conversation_id)
    try:
        with uows.tenant(actor, sub_account_id, read_only=True) as uow:
            if not uow.can("conversations.read"):
                raise NotFound("conversation", conversation_id)
    except NotFound:
        raise NotFound("conversation", conversation_id) from None
    return sub_account_id
