"""Changing opportunities: create, edit, move between stages, win/lose/abandon, follow-up
task, delete. Every command checks ``opportunities.write`` before it changes anything and
runs in one tenant unit of work (a failed command changes nothing).

``update_opportunity`` takes only the fields to change: ``name``, ``value_minor``,
``currency``, ``owner_user_id``, ``source``, ``contact_id``, ``custom_fields`` (merged into the
stored values; an empty value removes a key), ``stage_id`` (a move, see ``moves``) and
``status`` with ``lost_reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.money import validate_currency
from ghl_desktop.models.crm import Task
from ghl_desktop.models.pipelines import Opportunity, OpportunityStatus, PipelineStage, StageKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import check_assignee, load_contact, sub_account_of
from ghl_desktop.services.crm_events import TaskCreated
from ghl_desktop.services.pipelines import moves
from ghl_desktop.services.pipelines.events import (
    OpportunityCreated,
    OpportunityDeleted,
    OpportunityUpdated,
    OpportunityWon,
)
from ghl_desktop.services.pipelines.queries import OpportunityInfo, opportunity_info
from ghl_desktop.services.pipelines.structure import default_pipeline_id, load_pipeline
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import required_text

WRITE = "opportunities.write"
MAX_SOURCE = 100
EDITABLE = {"name", "value_minor", "currency", "owner_user_id", "source", "contact_id",
            "custom_fields", "stage_id", "status", "lost_reason"}  # fmt: skip


@dataclass(frozen=True)
class FollowUp:
    """A task on the deal's contact saying what to do next."""

    title: str
    due_at: datetime | None = None
    assigned_user_id: str | None = None
    description: str = ""


def _value(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("value_minor", f"must be a whole number of minor units >= 0, "
                              f"got {value!r}")  # fmt: skip
    return value


def _source(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_SOURCE:
        raise ValidationError("source", f"must be at most {MAX_SOURCE} characters")
    return text


def _status(value: object) -> OpportunityStatus:
    try:
        return OpportunityStatus(str(value))
    except ValueError:
        raise ValidationError(
            "status", f"must be open, won, lost or abandoned, got {value!r}"
        ) from None


def _resolve_stage(uow: UnitOfWork, pipeline_id: str | None, stage_id: str | None) -> PipelineStage:
    """The stage to create a deal in: the given one, else the first of the pipeline (default
    pipeline when none is given)."""
    if stage_id:
        stage = moves.load_stage(uow, stage_id, "stage_id")
        if pipeline_id and stage.pipeline_id != pipeline_id:
            raise ValidationError("stage_id", "is not a stage of that pipeline")
        load_pipeline(uow, stage.pipeline_id, "stage_id")
        return stage
    pipeline = load_pipeline(uow, pipeline_id or default_pipeline_id(uow), "pipeline_id")
    first = uow.session.scalar(
        select(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id)
        .order_by(PipelineStage.position, PipelineStage.id).limit(1)
    )  # fmt: skip
    if first is None:
        raise ValidationError("pipeline_id", "the pipeline has no stages")
    return first


def _add_follow_up(uow: UnitOfWork, opportunity: Opportunity, follow_up: FollowUp) -> None:
    check_assignee(uow, follow_up.assigned_user_id, "follow_up.assigned_user_id")
    if follow_up.due_at is not None and follow_up.due_at.tzinfo is None:
        raise ValidationError("follow_up.due_at", "needs a time zone")
    now = uow.clock.now()
    task = Task(
        contact_id=opportunity.contact_id,
        title=required_text(follow_up.title, "follow_up.title", 300),
        description=(follow_up.description or "").strip(), due_at=follow_up.due_at,
        assigned_user_id=follow_up.assigned_user_id, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(task)
    uow.flush()
    opportunity.follow_up_task_id = task.id
    uow.record(TaskCreated(sub_account_id=uow.sub_account_id, task_id=task.id,
                           contact_id=task.contact_id,
                           assigned_user_id=task.assigned_user_id))  # fmt: skip


def create_opportunity(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, contact_id: str, name: str,
    pipeline_id: str | None = None, stage_id: str | None = None, value_minor: int = 0,
    currency: str | None = None, owner_user_id: str | None = None, source: str = "",
    custom_fields: Mapping[str, Any] | None = None, follow_up: FollowUp | None = None,
) -> OpportunityInfo:  # fmt: skip
    """A new deal in ``stage_id`` (default: the first stage of the pipeline, default: the
    sub-account's default pipeline). Created in a won or lost stage, it is won or lost."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        if not contact_id:
            raise ValidationError("contact_id", "is required")
        contact = load_contact(uow, contact_id)
        stage = _resolve_stage(uow, pipeline_id, stage_id)
        check_assignee(uow, owner_user_id, "owner_user_id")
        now = uow.clock.now()
        kind = StageKind(stage.kind)
        status = {StageKind.WON: OpportunityStatus.WON, StageKind.LOST: OpportunityStatus.LOST}
        opportunity = Opportunity(
            contact_id=contact.id, pipeline_id=stage.pipeline_id, stage_id=stage.id,
            name=required_text(name, "name", 300), value_minor=_value(value_minor),
            currency=validate_currency(currency or sub_account_of(uow).currency or "USD"),
            owner_user_id=owner_user_id, source=_source(source),
            status=status.get(kind, OpportunityStatus.OPEN),
            custom_fields=dict(custom_fields or {}), stage_entered_at=now,
            closed_at=now if kind is not StageKind.OPEN else None, created_at=now,
            updated_at=now,
        )  # fmt: skip
        uow.session.add(opportunity)
        uow.flush()
        moves.record_entry(uow, opportunity, stage)
        if follow_up is not None:
            _add_follow_up(uow, opportunity, follow_up)
        uow.record(
            OpportunityCreated(
                sub_account_id=sub_account_id, opportunity_id=opportunity.id,
                contact_id=contact.id, pipeline_id=stage.pipeline_id, stage_id=stage.id,
                value_minor=opportunity.value_minor, currency=opportunity.currency,
                owner_user_id=owner_user_id, source=opportunity.source,
            )
        )  # fmt: skip
        if kind is StageKind.WON:
            uow.record(OpportunityWon(
                sub_account_id=sub_account_id, opportunity_id=opportunity.id,
                contact_id=contact.id, pipeline_id=stage.pipeline_id, stage_id=stage.id,
                value_minor=opportunity.value_minor, currency=opportunity.currency,
            ))  # fmt: skip
        info = opportunity_info(uow, opportunity.id)
        uow.commit()
        return info


def _apply(uow: UnitOfWork, opportunity: Opportunity, changes: Mapping[str, Any]) -> list[str]:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], "cannot be changed here")
    changed: list[str] = []

    def put(field: str, value: Any) -> None:
        if getattr(opportunity, field) != value:
            setattr(opportunity, field, value)
            changed.append(field)

    if "name" in changes:
        put("name", required_text(changes["name"], "name", 300))
    if "value_minor" in changes:
        put("value_minor", _value(changes["value_minor"]))
    if "currency" in changes:
        put("currency", validate_currency(changes["currency"]))
    if "owner_user_id" in changes:
        owner = changes["owner_user_id"] or None
        check_assignee(uow, owner, "owner_user_id")
        put("owner_user_id", owner)
    if "source" in changes:
        put("source", _source(changes["source"]))
    if "contact_id" in changes:
        put("contact_id", load_contact(uow, changes["contact_id"]).id)
    if "custom_fields" in changes:
        given = changes["custom_fields"] or {}
        if not isinstance(given, Mapping):
            raise ValidationError("custom_fields", "must be an object of field values")
        merged = {**(opportunity.custom_fields or {}), **given}
        merged = {k: v for k, v in merged.items() if v not in (None, "", [])}
        before = dict(opportunity.custom_fields or {})
        if merged != before:
            opportunity.custom_fields = merged
            changed += [f"custom_fields.{k}" for k in sorted(set(merged) | set(before))
                        if merged.get(k) != before.get(k)]  # fmt: skip
    return changed


def update_opportunity(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str,
    changes: Mapping[str, Any],
) -> OpportunityInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        opportunity = moves.load_opportunity(uow, opportunity_id)
        changed = _apply(uow, opportunity, changes)
        if changed:
            opportunity.updated_at = uow.clock.now()
            uow.flush()
            uow.record(OpportunityUpdated(
                sub_account_id=sub_account_id, opportunity_id=opportunity.id,
                contact_id=opportunity.contact_id, changed_fields=tuple(changed),
            ))  # fmt: skip
        if changes.get("stage_id"):
            stage = moves.load_stage(uow, changes["stage_id"], "stage_id")
            moves.move(uow, opportunity, stage, lost_reason=changes.get("lost_reason"))
        if changes.get("status"):
            moves.set_outcome(uow, opportunity, _status(changes["status"]),
                              changes.get("lost_reason"))  # fmt: skip
        info = opportunity_info(uow, opportunity.id)
        uow.commit()
        return info


def move_opportunity(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str,
    stage_id: str, *, lost_reason: str | None = None,
) -> OpportunityInfo:  # fmt: skip
    """The board's drop and ``opportunities move``: to any stage of any live pipeline."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        opportunity = moves.load_opportunity(uow, opportunity_id)
        stage = moves.load_stage(uow, stage_id)
        load_pipeline(uow, stage.pipeline_id, "stage_id")
        moves.move(uow, opportunity, stage, lost_reason=lost_reason)
        info = opportunity_info(uow, opportunity.id)
        uow.commit()
        return info


def set_status(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str,
    status: OpportunityStatus | str, *, lost_reason: str | None = None,
) -> OpportunityInfo:  # fmt: skip
    """Win, lose (with a reason), abandon or reopen a deal without moving it."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        opportunity = moves.load_opportunity(uow, opportunity_id)
        moves.set_outcome(uow, opportunity, _status(status), lost_reason)
        info = opportunity_info(uow, opportunity.id)
        uow.commit()
        return info


def set_follow_up(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str,
    follow_up: FollowUp,
) -> OpportunityInfo:  # fmt: skip
    """Create the deal's next task (on its contact) and link it; an earlier one stays on the
    contact's task list."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        uow.require("contacts.write")
        opportunity = moves.load_opportunity(uow, opportunity_id)
        _add_follow_up(uow, opportunity, follow_up)
        info = opportunity_info(uow, opportunity.id)
        uow.commit()
        return info


def delete_opportunity(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(WRITE)
        opportunity = moves.load_opportunity(uow, opportunity_id)
        opportunity.deleted_at = uow.clock.now()
        uow.record(OpportunityDeleted(sub_account_id=sub_account_id,
                                      opportunity_id=opportunity.id,
                                      contact_id=opportunity.contact_id))  # fmt: skip
        uow.commit()
