"""Working a thread: status (open / pending / resolved), read, snooze, star, internal notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.conversations import (
    Conversation,
    ConversationNote,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageStatus,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox.events import ConversationStatusChanged
from ghl_desktop.services.inbox.queries import ConversationRow, conversation_row
from ghl_desktop.services.inbox.threads import load_conversation
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_NOTE = 10_000


@dataclass(frozen=True)
class NoteInfo:
    id: str
    conversation_id: str
    user_id: str | None
    body: str
    created_at: datetime


def change_status(uow: UnitOfWork, conversation: Conversation, status: ConversationStatus) -> None:
    old = conversation.status
    if old is status:
        return
    conversation.status = status
    conversation.updated_at = uow.clock.now()
    uow.record(
        ConversationStatusChanged(
            sub_account_id=uow.sub_account_id, conversation_id=conversation.id,
            old_status=old.value, new_status=status.value,
        )
    )  # fmt: skip


def set_status(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str,
    status: ConversationStatus | str,
) -> ConversationRow:  # fmt: skip
    try:
        wanted = ConversationStatus(status)
    except ValueError:
        names = ", ".join(s.value for s in ConversationStatus)
        raise ValidationError("status", f"must be one of {names}, got {status!r}") from None
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        change_status(uow, load_conversation(uow, conversation_id), wanted)
        uow.commit()
        return conversation_row(uow, conversation_id)


def mark_read(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str
) -> ConversationRow:
    """The user opened the thread: nothing in it is unread any more."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.read")
        conversation = load_conversation(uow, conversation_id)
        now = uow.clock.now()
        if conversation.unread_count:
            conversation.unread_count = 0
            conversation.updated_at = now
        uow.session.execute(
            update(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == MessageDirection.INBOUND,
                Message.read_at.is_(None),
            )
            .values(read_at=now, status=MessageStatus.READ, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return conversation_row(uow, conversation_id)


def mark_unread(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str
) -> ConversationRow:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.read")
        conversation = load_conversation(uow, conversation_id)
        conversation.unread_count = max(conversation.unread_count, 1)
        uow.commit()
        return conversation_row(uow, conversation_id)


def set_starred(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str,
    starred: bool,
) -> ConversationRow:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.read")
        load_conversation(uow, conversation_id).is_starred = bool(starred)
        uow.commit()
        return conversation_row(uow, conversation_id)


def snooze(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str,
    until: datetime | None,
) -> ConversationRow:  # fmt: skip
    """Hide the thread from the inbox until ``until`` (None wakes it now). An inbound message
    wakes it earlier."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        conversation = load_conversation(uow, conversation_id)
        if until is not None:
            if until.tzinfo is None:
                raise ValidationError("until", "must carry a time zone")
            if until <= uow.clock.now():
                raise ValidationError("until", "must be in the future")
        conversation.snoozed_until = until
        conversation.updated_at = uow.clock.now()
        uow.commit()
        return conversation_row(uow, conversation_id)


def unsnooze_due(uows: UnitOfWorkFactory, limit: int = 1000) -> int:
    """Wake every thread whose snooze has passed (the scheduler's ``inbox.unsnooze`` job);
    idempotent, returns how many woke."""
    with uows.system() as uow:
        now = uow.clock.now()
        due = uow.session.scalars(
            select(Conversation)
            .where(Conversation.snoozed_until.is_not(None), Conversation.snoozed_until <= now)
            .limit(limit)
        ).all()
        for conversation in due:
            conversation.snoozed_until = None
            conversation.updated_at = now
        uow.commit()
        return len(due)


# -- internal notes -------------------------------------------------------------------------
def _note(row: ConversationNote) -> NoteInfo:
    return NoteInfo(row.id, row.conversation_id, row.user_id, row.body, row.created_at)


def add_note(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str, body: str
) -> NoteInfo:
    text = (body or "").strip()
    if not text:
        raise ValidationError("body", "must not be empty")
    if len(text) > MAX_NOTE:
        raise ValidationError("body", f"must be at most {MAX_NOTE} characters")
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        load_conversation(uow, conversation_id)
        now = uow.clock.now()
        note = ConversationNote(
            conversation_id=conversation_id, user_id=actor.user_id, body=text,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(note)
        uow.flush()
        info = _note(note)
        uow.commit()
        return info


def list_notes(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str
) -> list[NoteInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        load_conversation(uow, conversation_id)
        rows = uow.session.scalars(
            select(ConversationNote)
            .where(ConversationNote.conversation_id == conversation_id)
            .order_by(ConversationNote.created_at, ConversationNote.id)
        )
        return [_note(r) for r in rows]


def delete_note(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, note_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        note = uow.session.scalar(select(ConversationNote).where(ConversationNote.id == note_id))
        if note is None:
            raise NotFound("note", note_id)
        note.deleted_at = uow.clock.now()
        uow.commit()


def wake_snoozed(uows: UnitOfWorkFactory, batch: int = 1000) -> None:
    """The scheduler's ``inbox.unsnooze`` job: wake every thread whose snooze has passed."""
    while unsnooze_due(uows, batch) >= batch:
        pass
