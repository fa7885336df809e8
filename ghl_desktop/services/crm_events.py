"""Domain events of the CRM (contacts, tags, notes, tasks, smart lists, imports, bulk actions).

Declared in one module so every CRM service records the same classes; docs/events.md lists
them with their payloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ContactCreated(DomainEvent):
    """A new contact. ``tags`` are the tag names it was created with: those count as added
    with the contact, so no ``contact.tag_added`` is recorded for them."""

    name = "contact.created"
    contact_id: str
    source: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ContactUpdated(DomainEvent):
    name = "contact.updated"
    contact_id: str
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ContactArchived(DomainEvent):
    name = "contact.archived"
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class ContactUnarchived(DomainEvent):
    name = "contact.unarchived"
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class ContactDeleted(DomainEvent):
    name = "contact.deleted"
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class ContactRestored(DomainEvent):
    name = "contact.restored"
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class ContactsMerged(DomainEvent):
    name = "contacts.merged"
    winner_id: str
    loser_id: str
    fields_from_loser: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TagAdded(DomainEvent):
    name = "contact.tag_added"
    contact_id: str
    tag_id: str
    tag_name: str


@dataclass(frozen=True, kw_only=True)
class TagRemoved(DomainEvent):
    name = "contact.tag_removed"
    contact_id: str
    tag_id: str
    tag_name: str


@dataclass(frozen=True, kw_only=True)
class NoteAdded(DomainEvent):
    name = "note.added"
    note_id: str
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class TaskCreated(DomainEvent):
    name = "task.created"
    task_id: str
    contact_id: str
    assigned_user_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TaskCompleted(DomainEvent):
    name = "task.completed"
    task_id: str
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class ContactsImported(DomainEvent):
    name = "contacts.imported"
    created: int
    updated: int
    skipped: int
    rejected: int


@dataclass(frozen=True, kw_only=True)
class BulkActionFinished(DomainEvent):
    name = "bulk_action.finished"
    bulk_action_id: str
    kind: str
    status: str
    changed: int


@dataclass(frozen=True, kw_only=True)
class BulkActionUndone(DomainEvent):
    name = "bulk_action.undone"
    bulk_action_id: str
    reverted: int
