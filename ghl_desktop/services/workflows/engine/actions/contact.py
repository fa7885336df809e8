"""Actions on the contact: tags, a field, a task, a note, the owner. They record the same
domain events the CRM services do, so other workflows can trigger on them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Note, Task
from ghl_desktop.services.contacts import apply_changes
from ghl_desktop.services.crm_common import check_assignee
from ghl_desktop.services.crm_events import ContactUpdated, NoteAdded, TaskCreated
from ghl_desktop.services.custom_values import render_merge_fields
from ghl_desktop.services.tags import link_tags, resolve_tags, unlink_tags
from ghl_desktop.services.workflows.engine.actions.messaging import merge_values
from ghl_desktop.services.workflows.engine.runtime import (
    StepContext,
    StepOutcome,
    StepSkipped,
    executor,
)

CUSTOM_PREFIX = "custom_fields."


def _required(ctx: StepContext, key: str) -> str:
    value = str(ctx.settings.get(key) or "").strip()
    if not value:
        raise ValidationError(key, "is required")
    return value


@executor("add_tag")
def add_tag(ctx: StepContext) -> StepOutcome:
    tags = resolve_tags(ctx.uow, [_required(ctx, "tag")], create_missing=True)
    added = link_tags(ctx.uow, [ctx.contact.id], tags)
    ctx.tags_changed()
    return StepOutcome({"tag": tags[0].name, "changed": bool(added)})


@executor("remove_tag")
def remove_tag(ctx: StepContext) -> StepOutcome:
    try:
        tags = resolve_tags(ctx.uow, [_required(ctx, "tag")])
    except NotFound:
        raise StepSkipped("the tag does not exist", tag=ctx.settings.get("tag")) from None
    removed = unlink_tags(ctx.uow, [ctx.contact.id], tags)
    ctx.tags_changed()
    return StepOutcome({"tag": tags[0].name, "changed": bool(removed)})


def _update(ctx: StepContext, changes: dict[str, Any]) -> list[str]:
    changed = apply_changes(ctx.uow, ctx.contact, changes)
    ctx.uow.flush()  # custom values are validated on flush
    if changed:
        ctx.uow.record(
            ContactUpdated(
                sub_account_id=ctx.execution.sub_account_id, contact_id=ctx.contact.id,
                changed_fields=tuple(changed),
            )
        )  # fmt: skip
    return changed


@executor("update_field")
def update_field(ctx: StepContext) -> StepOutcome:
    field = _required(ctx, "field")
    raw = ctx.settings.get("value")
    value = render_merge_fields(raw, merge_values(ctx)) if isinstance(raw, str) else raw
    if field.startswith(CUSTOM_PREFIX):
        key = field[len(CUSTOM_PREFIX) :]
        old = (ctx.contact.custom_fields or {}).get(key)
        changed = _update(ctx, {"custom_fields": {key: value}})
        new = (ctx.contact.custom_fields or {}).get(key)
    else:
        field = field.removeprefix("contact.")
        if field in ("id", "sub_account_id", "created_at", "updated_at", "deleted_at"):
            raise ValidationError("field", f"{field} cannot be set by a workflow")
        old = getattr(ctx.contact, field, None)
        changed = _update(ctx, {field: value if value != "" else None})
        new = getattr(ctx.contact, field, None)
    return StepOutcome(
        {"field": field, "old": _plain(old), "new": _plain(new), "changed": bool(changed)}
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _assignee(ctx: StepContext, chosen: Any) -> str | None:
    if not chosen:
        return None
    if chosen == "contact_owner":
        return ctx.contact.assigned_user_id
    if chosen == "opportunity_owner":
        from ghl_desktop.models.pipelines import Opportunity

        return ctx.uow.session.scalar(
            select(Opportunity.owner_user_id)
            .where(Opportunity.contact_id == ctx.contact.id)
            .order_by(Opportunity.updated_at.desc())
            .limit(1)
        )
    check_assignee(ctx.uow, str(chosen), "assign_to")
    return str(chosen)


@executor("create_task")
def create_task(ctx: StepContext) -> StepOutcome:
    values = merge_values(ctx)
    title = render_merge_fields(_required(ctx, "title"), values)[:300]
    description = render_merge_fields(str(ctx.settings.get("description") or ""), values)
    hours = ctx.settings.get("due_in_hours")
    due_at = ctx.now + timedelta(hours=int(hours)) if hours not in (None, "") else None
    assignee = _assignee(ctx, ctx.settings.get("assign_to"))
    task = Task(
        contact_id=ctx.contact.id, title=title, description=description.strip(), due_at=due_at,
        assigned_user_id=assignee, created_at=ctx.now, updated_at=ctx.now,
    )  # fmt: skip
    ctx.uow.session.add(task)
    ctx.uow.flush()
    ctx.uow.record(
        TaskCreated(
            sub_account_id=ctx.execution.sub_account_id, task_id=task.id,
            contact_id=ctx.contact.id, assigned_user_id=assignee,
        )
    )  # fmt: skip
    return StepOutcome({"task_id": task.id, "title": title, "assigned_user_id": assignee})


@executor("create_note")
def create_note(ctx: StepContext) -> StepOutcome:
    body = render_merge_fields(_required(ctx, "body"), merge_values(ctx)).strip()
    note = Note(contact_id=ctx.contact.id, author_user_id=None, body=body,
                created_at=ctx.now, updated_at=ctx.now)  # fmt: skip
    ctx.uow.session.add(note)
    ctx.uow.flush()
    ctx.uow.record(
        NoteAdded(sub_account_id=ctx.execution.sub_account_id, note_id=note.id,
                  contact_id=ctx.contact.id)
    )  # fmt: skip
    return StepOutcome({"note_id": note.id})


@executor("assign_user")
def assign_user(ctx: StepContext) -> StepOutcome:
    user_id = _required(ctx, "user_id")
    old = ctx.contact.assigned_user_id
    changed = _update(ctx, {"assigned_user_id": user_id})
    return StepOutcome({"old": old, "new": user_id, "changed": bool(changed)})
