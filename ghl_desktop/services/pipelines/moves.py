"""The one place an opportunity changes stage or outcome, so every path (a drag on the board,
the CLI, deleting a stage, a workflow action) writes the same history and events.

Rules, exactly:

* a move appends ``opportunity_stage_history`` (from/to ids and names, the whole seconds spent
  in the previous stage since ``stage_entered_at``, ``changed_at`` = now, the actor) and
  records ``opportunity.stage_changed``; moving to the stage it is in changes nothing;
* entering a WON stage makes the deal won (``closed_at`` = now, ``opportunity.won``), entering
  a LOST stage makes it lost (``opportunity.lost``); entering an OPEN stage reopens a won or
  lost deal (abandoned deals stay abandoned until their status is set);
* ``set_outcome`` changes the status without a stage move (a deal can be won from any stage).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStageHistory,
    OpportunityStatus,
    PipelineStage,
    StageKind,
)
from ghl_desktop.services.pipelines.events import (
    OpportunityLost,
    OpportunityStageChanged,
    OpportunityWon,
)
from ghl_desktop.services.uow import UnitOfWork

DAY = 86_400
MAX_LOST_REASON = 2_000


def load_stage(uow: UnitOfWork, stage_id: str, field: str | None = None) -> PipelineStage:
    """The stage, else NotFound (or, with ``field``, a ValidationError naming it)."""
    stage = uow.session.scalar(select(PipelineStage).where(PipelineStage.id == stage_id))
    if stage is None:
        if field is None:
            raise NotFound("stage", stage_id)
        raise ValidationError(field, f"no stage {stage_id} in this sub-account")
    return stage


def load_opportunity(uow: UnitOfWork, opportunity_id: str) -> Opportunity:
    found = uow.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id))
    if found is None:
        raise NotFound("opportunity", opportunity_id)
    return found


def seconds_between(start: datetime | None, end: datetime) -> int:
    return max(0, int((end - start).total_seconds())) if start is not None else 0


def clean_lost_reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > MAX_LOST_REASON:
        raise ValidationError("lost_reason", f"must be at most {MAX_LOST_REASON} characters")
    return text or None


def record_entry(uow: UnitOfWork, opportunity: Opportunity, stage: PipelineStage) -> None:
    """The first history row: the deal was created in ``stage``."""
    now = uow.clock.now()
    uow.session.add(
        OpportunityStageHistory(
            opportunity_id=opportunity.id, to_stage_id=stage.id, to_stage_name=stage.name,
            changed_at=now, actor_user_id=uow.actor.user_id, created_at=now, updated_at=now,
        )
    )  # fmt: skip


def set_outcome(
    uow: UnitOfWork, opportunity: Opportunity, status: OpportunityStatus,
    lost_reason: str | None = None,
) -> None:  # fmt: skip
    """Give the deal ``status`` and record won/lost when it changes to one of them."""
    now = uow.clock.now()
    reason = clean_lost_reason(lost_reason)
    if status is OpportunityStatus.LOST:
        if opportunity.status != OpportunityStatus.LOST or reason != opportunity.lost_reason:
            opportunity.lost_reason = reason
    else:
        opportunity.lost_reason = None
    if OpportunityStatus(opportunity.status) is status:
        return
    opportunity.status = status
    opportunity.closed_at = None if status is OpportunityStatus.OPEN else now
    opportunity.updated_at = now
    common: dict[str, Any] = {
        "sub_account_id": uow.sub_account_id, "opportunity_id": opportunity.id,
        "contact_id": opportunity.contact_id, "pipeline_id": opportunity.pipeline_id,
        "stage_id": opportunity.stage_id, "value_minor": opportunity.value_minor,
        "currency": opportunity.currency,
    }  # fmt: skip
    if status is OpportunityStatus.WON:
        uow.record(OpportunityWon(**common))
    elif status is OpportunityStatus.LOST:
        uow.record(OpportunityLost(**common, lost_reason=reason or ""))


def move(
    uow: UnitOfWork, opportunity: Opportunity, to_stage: PipelineStage,
    from_stage: PipelineStage | None = None, lost_reason: str | None = None,
) -> bool:  # fmt: skip
    """Move ``opportunity`` to ``to_stage`` (see the module rules). Returns False when it was
    already there. ``from_stage`` saves a lookup when the caller has it."""
    if opportunity.stage_id == to_stage.id:
        return False
    if from_stage is None or from_stage.id != opportunity.stage_id:
        from_stage = uow.session.scalar(
            select(PipelineStage).where(PipelineStage.id == opportunity.stage_id)
        )
    now = uow.clock.now()
    seconds = seconds_between(opportunity.stage_entered_at or opportunity.created_at, now)
    uow.session.add(
        OpportunityStageHistory(
            opportunity_id=opportunity.id, from_stage_id=opportunity.stage_id,
            to_stage_id=to_stage.id, from_stage_name=from_stage.name if from_stage else "",
            to_stage_name=to_stage.name, duration_seconds=seconds, changed_at=now,
            actor_user_id=uow.actor.user_id, created_at=now, updated_at=now,
        )
    )  # fmt: skip
    opportunity.pipeline_id = to_stage.pipeline_id
    opportunity.stage_id = to_stage.id
    opportunity.stage_entered_at = now
    opportunity.updated_at = now
    uow.record(
        OpportunityStageChanged(
            sub_account_id=uow.sub_account_id, opportunity_id=opportunity.id,
            contact_id=opportunity.contact_id, pipeline_id=to_stage.pipeline_id,
            from_stage_id=from_stage.id if from_stage else None, to_stage_id=to_stage.id,
            from_stage_name=from_stage.name if from_stage else "", to_stage_name=to_stage.name,
            duration_seconds=seconds, days_in_previous_stage=seconds // DAY,
        )
    )  # fmt: skip
    kind = StageKind(to_stage.kind)
    if kind is StageKind.WON:
        set_outcome(uow, opportunity, OpportunityStatus.WON)
    elif kind is StageKind.LOST:
        set_outcome(uow, opportunity, OpportunityStatus.LOST, lost_reason)
    elif opportunity.status in (OpportunityStatus.WON, OpportunityStatus.LOST):
        set_outcome(uow, opportunity, OpportunityStatus.OPEN)
    return True
