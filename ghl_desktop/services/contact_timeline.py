"""A contact's timeline: notes, tasks, activity-log entries, messages, opportunities,
appointments, form submissions and payments merged newest first.

Each source is asked for its newest ``limit`` entries before ``before`` (an index range per
source), and the merge keeps the newest ``limit`` of them, so a page costs the same however
long the history is. Page on by passing the last entry's ``at`` as ``before``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from ghl_desktop.models.calendars import Appointment
from ghl_desktop.models.conversations import Conversation, Message
from ghl_desktop.models.crm import Note, Task
from ghl_desktop.models.payments import Transaction
from ghl_desktop.models.pipelines import Opportunity, OpportunityStageHistory
from ghl_desktop.models.sites import FormSubmission
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.models.tenancy import User
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_LIMIT = 500
PREVIEW = 160


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # note, task, task_completed, activity, message, opportunity, appointment, ...
    title: str
    detail: str
    entity_id: str
    user_id: str | None = None


def _preview(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _answers(data: dict[str, Any] | None) -> str:
    return _preview(", ".join(f"{k}: {v}" for k, v in (data or {}).items()))


def _page(stmt: Select[Any], column: Any, before: datetime | None, limit: int) -> Select[Any]:
    if before is not None:
        stmt = stmt.where(column < before)
    return stmt.order_by(column.desc()).limit(limit)


def _notes(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    stmt = _page(select(Note).where(Note.contact_id == cid), Note.created_at, before, n)
    return [
        TimelineEntry(x.created_at, "note", "Note", _preview(x.body), x.id, x.author_user_id)
        for x in uow.session.scalars(stmt)
    ]


def _tasks(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    found = [
        TimelineEntry(t.created_at, "task", f"Task: {t.title}", _preview(t.description), t.id)
        for t in uow.session.scalars(
            _page(select(Task).where(Task.contact_id == cid), Task.created_at, before, n)
        )
    ]
    done = select(Task).where(Task.contact_id == cid, Task.completed_at.is_not(None))
    found += [
        TimelineEntry(t.completed_at, "task_completed", f"Task done: {t.title}", "", t.id)
        for t in uow.session.scalars(_page(done, Task.completed_at, before, n))
        if t.completed_at is not None
    ]
    return found


def _activity(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    stmt = select(ActivityLog).where(
        ActivityLog.sub_account_id == uow.sub_account_id,
        ActivityLog.entity_type == "contacts",
        ActivityLog.entity_id == cid,
    )
    rows = list(uow.session.scalars(_page(stmt, ActivityLog.created_at, before, n)))
    names = _user_names(uow, rows)
    return [
        TimelineEntry(
            row.created_at, "activity", f"Contact {row.action}",
            _preview(change_text(row.action, row.changes or {}, names)), row.id, row.user_id,
        )
        for row in rows
    ]  # fmt: skip


# How the contact form names the fields an activity-log entry changed.
FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "email": "Email", "phone": "Phone",
    "company": "Company", "address1": "Address", "city": "City", "state": "State",
    "postal_code": "Postal code", "country": "Country", "timezone": "Time zone",
    "source": "Source", "lifecycle_stage": "Stage", "lead_score": "Lead score",
    "assigned_user_id": "Owner", "date_of_birth": "Date of birth", "dnd_sms": "DND SMS",
    "dnd_email": "DND email", "dnd_whatsapp": "DND WhatsApp", "dnd_calls": "DND calls",
    "archived_at": "Archived", "deleted_at": "Deleted",
}  # fmt: skip
_NOT_SHOWN = frozenset({"id", "sub_account_id", "created_at", "updated_at", "search_text"})


def _user_names(uow: UnitOfWork, rows: list[ActivityLog]) -> dict[str, str]:
    ids: set[str] = set()
    for row in rows:
        change = (row.changes or {}).get("assigned_user_id") or {}
        ids.update(v for v in change.values() if isinstance(v, str))
    if not ids:
        return {}
    found = uow.session.execute(select(User.id, User.full_name, User.email).where(User.id.in_(ids)))
    return {i: name or email for i, name, email in found}


def _shown(key: str, value: Any, names: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "assigned_user_id":
        return names.get(str(value), "a former user")
    return str(value)


def change_text(action: str, changes: dict[str, Any], names: dict[str, str]) -> str:
    """ "Stage lead → customer; Lead score 65 → 85" for an update; for a creation the source
    and stage it started with. Custom fields by their keys, old → new."""
    parts = []
    for key, change in changes.items():
        if key in _NOT_SHOWN or not isinstance(change, dict):
            continue
        old, new = change.get("old"), change.get("new")
        if key == "custom_fields":
            old_map = old if isinstance(old, dict) else {}
            new_map = new if isinstance(new, dict) else {}
            for field in sorted(set(old_map) | set(new_map)):
                if old_map.get(field) != new_map.get(field) and action != "created":
                    parts.append(
                        f"{field} {_shown(field, old_map.get(field), names)} → "
                        f"{_shown(field, new_map.get(field), names)}"
                    )
            continue
        label = FIELD_LABELS.get(key, key)
        if action == "created":
            if key in ("source", "lifecycle_stage", "assigned_user_id") and new not in (None, ""):
                parts.append(f"{label}: {_shown(key, new, names)}")
            continue
        parts.append(f"{label} {_shown(key, old, names)} → {_shown(key, new, names)}")
    return "; ".join(parts)


def _messages(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    stmt = (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == cid)
    )
    return [
        TimelineEntry(
            m.created_at,
            "message",
            f"{m.direction.value.capitalize()} message",
            _preview(m.subject or m.body),
            m.id,
            m.sender_id,
        )
        for m in uow.session.scalars(_page(stmt, Message.created_at, before, n))
    ]


def _opportunities(
    uow: UnitOfWork, cid: str, before: datetime | None, n: int
) -> list[TimelineEntry]:
    stmt = select(Opportunity).where(Opportunity.contact_id == cid)
    return [
        TimelineEntry(
            o.created_at,
            "opportunity",
            f"Opportunity: {o.name}",
            f"{o.status.value}, {o.value_minor / 100:.2f} {o.currency}",
            o.id,
            o.owner_user_id,
        )
        for o in uow.session.scalars(_page(stmt, Opportunity.created_at, before, n))
    ]


def days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def _stage_moves(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    """Each move of the contact's deals between stages (their creation is the entry above)."""
    history = OpportunityStageHistory
    stmt: Any = (
        select(history, Opportunity.name)
        .join(Opportunity, Opportunity.id == history.opportunity_id)
        .where(Opportunity.contact_id == cid, history.from_stage_name != "")
    )
    return [
        TimelineEntry(
            h.changed_at,
            "opportunity_stage",
            f"{name}: {h.from_stage_name} → {h.to_stage_name}",
            f"{days_text((h.duration_seconds or 0) // 86_400)} in {h.from_stage_name}",
            h.opportunity_id,
            h.actor_user_id,
        )
        for h, name in uow.session.execute(_page(stmt, history.changed_at, before, n)).all()
    ]


def _appointments(
    uow: UnitOfWork, cid: str, before: datetime | None, n: int
) -> list[TimelineEntry]:
    stmt = select(Appointment).where(Appointment.contact_id == cid)
    return [
        TimelineEntry(
            a.created_at,
            "appointment",
            f"Appointment: {a.title or 'booked'}",
            f"{a.start_at.isoformat(timespec='minutes')} ({a.status.value})",
            a.id,
            a.assigned_user_id,
        )
        for a in uow.session.scalars(_page(stmt, Appointment.created_at, before, n))
    ]


def _forms(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    stmt = select(FormSubmission).where(FormSubmission.contact_id == cid)
    return [
        TimelineEntry(
            f.created_at,
            "form_submission",
            "Form submitted",
            _preview(", ".join(f"{k}: {v}" for k, v in (f.data or {}).items())),
            f.id,
        )
        for f in uow.session.scalars(_page(stmt, FormSubmission.created_at, before, n))
    ]


def _payments(uow: UnitOfWork, cid: str, before: datetime | None, n: int) -> list[TimelineEntry]:
    stmt = select(Transaction).where(Transaction.contact_id == cid)
    return [
        TimelineEntry(
            t.created_at,
            "payment",
            f"Payment {t.status.value}",
            f"{t.type.value} {t.amount_minor / 100:.2f} {t.currency}",
            t.id,
        )
        for t in uow.session.scalars(_page(stmt, Transaction.created_at, before, n))
    ]


SOURCES: tuple[Callable[[UnitOfWork, str, datetime | None, int], list[TimelineEntry]], ...] = (
    _notes, _tasks, _activity, _messages, _opportunities, _stage_moves, _appointments, _forms,
    _payments,
)  # fmt: skip


def contact_timeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, *,
    limit: int = 100, before: datetime | None = None,
) -> list[TimelineEntry]:  # fmt: skip
    """The newest ``limit`` entries before ``before`` (or now), newest first."""
    limit = max(1, min(limit, MAX_LIMIT))
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        contact = load_contact(uow, contact_id, include_deleted=True)
        entries: list[TimelineEntry] = []
        for source in SOURCES:
            entries.extend(source(uow, contact.id, before, limit))
        entries.sort(key=lambda e: (e.at, e.entity_id), reverse=True)
        return entries[:limit]
