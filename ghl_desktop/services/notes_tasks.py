"""Notes and tasks on contacts, and the "My tasks" view.

"My tasks" order, exactly: open tasks that are overdue (due before now), oldest due first;
then open tasks due later, soonest first; then open tasks without a due date, newest first;
completed tasks (only when asked for) come last, most recently completed first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact, Note, Task
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import check_assignee, load_contact
from ghl_desktop.services.crm_events import NoteAdded, TaskCompleted, TaskCreated
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import required_text

MAX_NOTE = 20_000
MAX_DESCRIPTION = 20_000
_UNSET: Any = object()


@dataclass(frozen=True)
class NoteInfo:
    id: str
    contact_id: str
    body: str
    author_user_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, note: Note) -> NoteInfo:
        return cls(note.id, note.contact_id, note.body, note.author_user_id, note.created_at,
                   note.updated_at)  # fmt: skip


@dataclass(frozen=True)
class TaskInfo:
    id: str
    contact_id: str
    contact_name: str
    title: str
    description: str
    due_at: datetime | None
    assigned_user_id: str | None
    completed_at: datetime | None
    created_at: datetime
    is_overdue: bool

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


def _task_info(task: Task, contact_name: str, now: datetime) -> TaskInfo:
    overdue = task.completed_at is None and task.due_at is not None and task.due_at < now
    return TaskInfo(
        task.id, task.contact_id, contact_name, task.title, task.description, task.due_at,
        task.assigned_user_id, task.completed_at, task.created_at, overdue,
    )  # fmt: skip


def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationError("body", "is required")
    if len(body) > MAX_NOTE:
        raise ValidationError("body", f"must be at most {MAX_NOTE} characters")
    return body


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(field, "needs a time zone")
    return value


# -- notes ----------------------------------------------------------------------------------
def add_note(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, body: str
) -> NoteInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        contact = load_contact(uow, contact_id)
        now = uow.clock.now()
        note = Note(contact_id=contact.id, author_user_id=actor.user_id, body=_body(body),
                    created_at=now, updated_at=now)  # fmt: skip
        uow.session.add(note)
        uow.flush()
        uow.record(NoteAdded(sub_account_id=sub_account_id, note_id=note.id, contact_id=contact.id))
        uow.commit()
        return NoteInfo.of(note)


def _note(uow: UnitOfWork, note_id: str) -> Note:
    note = uow.session.scalar(select(Note).where(Note.id == note_id))
    if note is None:
        raise NotFound("note", note_id)
    return note


def update_note(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, note_id: str, body: str
) -> NoteInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        note = _note(uow, note_id)
        note.body = _body(body)
        note.updated_at = uow.clock.now()
        uow.flush()
        uow.commit()
        return NoteInfo.of(note)


def delete_note(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, note_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        _note(uow, note_id).deleted_at = uow.clock.now()
        uow.commit()


def list_notes(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str
) -> list[NoteInfo]:
    """The contact's notes, newest first."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        load_contact(uow, contact_id, include_deleted=True)
        notes = uow.session.scalars(
            select(Note).where(Note.contact_id == contact_id)
            .order_by(Note.created_at.desc(), Note.id.desc())
        )  # fmt: skip
        return [NoteInfo.of(n) for n in notes]


# -- tasks ----------------------------------------------------------------------------------
def _task(uow: UnitOfWork, task_id: str) -> Task:
    task = uow.session.scalar(select(Task).where(Task.id == task_id))
    if task is None:
        raise NotFound("task", task_id)
    return task


def _name_of(uow: UnitOfWork, contact_id: str) -> str:
    contact = uow.session.scalar(
        select(Contact).where(Contact.id == contact_id).execution_options(include_deleted=True)
    )
    if contact is None:
        return ""
    return contact.full_name or contact.email or contact.phone or ""


def create_task(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, title: str, *,
    description: str = "", due_at: datetime | None = None, assigned_user_id: str | None = None,
) -> TaskInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        contact = load_contact(uow, contact_id)
        check_assignee(uow, assigned_user_id)
        if len(description or "") > MAX_DESCRIPTION:
            raise ValidationError("description", f"must be at most {MAX_DESCRIPTION} characters")
        now = uow.clock.now()
        task = Task(
            contact_id=contact.id, title=required_text(title, "title", 300),
            description=(description or "").strip(), due_at=_aware(due_at, "due_at"),
            assigned_user_id=assigned_user_id, created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(task)
        uow.flush()
        uow.record(
            TaskCreated(
                sub_account_id=sub_account_id,
                task_id=task.id,
                contact_id=contact.id,
                assigned_user_id=assigned_user_id,
            )
        )
        uow.commit()
        return _task_info(task, contact.full_name, now)


def update_task(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, task_id: str, *,
    title: str | None = None, description: str | None = None, due_at: Any = _UNSET,
    assigned_user_id: Any = _UNSET,
) -> TaskInfo:  # fmt: skip
    """Change a task; arguments left out keep their value (``due_at=None`` clears it)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        task = _task(uow, task_id)
        if title is not None:
            task.title = required_text(title, "title", 300)
        if description is not None:
            task.description = description.strip()
        if due_at is not _UNSET:
            task.due_at = _aware(due_at, "due_at")
        if assigned_user_id is not _UNSET:
            check_assignee(uow, assigned_user_id)
            task.assigned_user_id = assigned_user_id
        task.updated_at = uow.clock.now()
        uow.flush()
        uow.commit()
        return _task_info(task, _name_of(uow, task.contact_id), uow.clock.now())


def complete_task(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, task_id: str,
    completed: bool = True,
) -> TaskInfo:  # fmt: skip
    """Mark done (or open again). Completing a done task changes nothing."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        task = _task(uow, task_id)
        if completed and task.completed_at is None:
            task.completed_at = uow.clock.now()
            uow.record(TaskCompleted(sub_account_id=sub_account_id, task_id=task.id,
                                     contact_id=task.contact_id))  # fmt: skip
        elif not completed:
            task.completed_at = None
        uow.flush()
        uow.commit()
        return _task_info(task, _name_of(uow, task.contact_id), uow.clock.now())


def delete_task(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, task_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        _task(uow, task_id).deleted_at = uow.clock.now()
        uow.commit()


def _order(now: datetime) -> list[Any]:
    bucket = case(
        (Task.completed_at.is_not(None), 3),
        (Task.due_at.is_(None), 2),
        (Task.due_at < now, 0),
        else_=1,
    )
    open_due = case((Task.completed_at.is_(None), Task.due_at), else_=None)
    return [bucket, open_due.asc(), Task.completed_at.desc(), Task.created_at.desc(), Task.id]


def list_tasks(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, *,
    include_completed: bool = True,
) -> list[TaskInfo]:  # fmt: skip
    """A contact's tasks in "My tasks" order."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        contact = load_contact(uow, contact_id, include_deleted=True)
        now = uow.clock.now()
        stmt = select(Task).where(Task.contact_id == contact.id).order_by(*_order(now))
        if not include_completed:
            stmt = stmt.where(Task.completed_at.is_(None))
        return [_task_info(t, contact.full_name, now) for t in uow.session.scalars(stmt)]


def my_tasks(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *,
    user_id: str | None = None, include_completed: bool = False, limit: int = 500,
    everyone: bool = False,
) -> list[TaskInfo]:  # fmt: skip
    """Tasks assigned to ``user_id`` (default: the actor) - or, with ``everyone``, every task
    of the sub-account, assigned or not - overdue first; tasks of deleted contacts are left
    out."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        who = user_id or actor.user_id
        now = uow.clock.now()
        stmt = (
            select(Task, Contact.first_name, Contact.last_name, Contact.email)
            .join(Contact, Contact.id == Task.contact_id)
            .order_by(*_order(now))
            .limit(limit)
        )
        if not everyone:
            stmt = stmt.where(Task.assigned_user_id == who)
        if not include_completed:
            stmt = stmt.where(Task.completed_at.is_(None))
        result = []
        for task, first, last, email in uow.session.execute(stmt):
            name = " ".join(p for p in (first, last) if p) or email or ""
            result.append(_task_info(task, name, now))
        return result
