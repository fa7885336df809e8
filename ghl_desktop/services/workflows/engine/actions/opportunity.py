"""Create / move an opportunity, through the pipelines service's in-transaction helpers (stage
history and the opportunity events come with them)."""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStatus,
    PipelineStage,
    StageKind,
)
from ghl_desktop.services.crm_common import sub_account_of
from ghl_desktop.services.custom_values import render_merge_fields
from ghl_desktop.services.workflows.engine.actions.messaging import merge_values
from ghl_desktop.services.workflows.engine.runtime import (
    StepContext,
    StepOutcome,
    StepSkipped,
    executor,
)


def _stage(ctx: StepContext) -> PipelineStage:
    stage_id = str(ctx.settings.get("stage_id") or "").strip()
    if not stage_id:
        raise ValidationError("stage_id", "is required")
    stage = ctx.uow.session.scalar(select(PipelineStage).where(PipelineStage.id == stage_id))
    if stage is None:
        raise NotFound("pipeline stage", stage_id)
    return stage


def _create(ctx: StepContext, stage: PipelineStage) -> Opportunity:
    from ghl_desktop.services.pipelines import moves
    from ghl_desktop.services.pipelines.events import OpportunityCreated

    values = merge_values(ctx)
    values["contact"] = {**values.get("contact", {}), "name": ctx.contact.full_name}
    name = render_merge_fields(str(ctx.settings.get("name") or "{{contact.name}}"), values)
    owner = ctx.settings.get("assign_to")
    owner_id = ctx.contact.assigned_user_id if owner == "contact_owner" else (owner or None)
    kind = StageKind(stage.kind)
    status = {StageKind.WON: OpportunityStatus.WON, StageKind.LOST: OpportunityStatus.LOST}
    opportunity = Opportunity(
        contact_id=ctx.contact.id, pipeline_id=stage.pipeline_id, stage_id=stage.id,
        name=(name.strip() or ctx.contact.full_name or "Opportunity")[:300],
        value_minor=int(ctx.settings.get("value_minor") or 0),
        currency=sub_account_of(ctx.uow).currency or "USD", owner_user_id=owner_id,
        source="workflow", status=status.get(kind, OpportunityStatus.OPEN),
        stage_entered_at=ctx.now, closed_at=ctx.now if kind is not StageKind.OPEN else None,
        created_at=ctx.now, updated_at=ctx.now,
    )  # fmt: skip
    ctx.uow.session.add(opportunity)
    ctx.uow.flush()
    moves.record_entry(ctx.uow, opportunity, stage)
    ctx.uow.record(
        OpportunityCreated(
            sub_account_id=ctx.execution.sub_account_id, opportunity_id=opportunity.id,
            contact_id=ctx.contact.id, pipeline_id=stage.pipeline_id, stage_id=stage.id,
            value_minor=opportunity.value_minor, currency=opportunity.currency,
            owner_user_id=owner_id, source="workflow",
        )
    )  # fmt: skip
    return opportunity


@executor("create_opportunity")
def create_opportunity(ctx: StepContext) -> StepOutcome:
    opportunity = _create(ctx, _stage(ctx))
    return StepOutcome({"opportunity_id": opportunity.id, "stage_id": opportunity.stage_id})


@executor("move_opportunity")
def move_opportunity(ctx: StepContext) -> StepOutcome:
    from ghl_desktop.services.pipelines import moves

    stage = _stage(ctx)
    opportunity = ctx.uow.session.scalar(
        select(Opportunity)
        .where(
            Opportunity.contact_id == ctx.contact.id,
            Opportunity.pipeline_id == stage.pipeline_id,
            Opportunity.status == OpportunityStatus.OPEN,
        )
        .order_by(Opportunity.updated_at.desc())
        .limit(1)
    )
    if opportunity is None:
        if not ctx.settings.get("create_if_missing"):
            raise StepSkipped("the contact has no open opportunity in that pipeline")
        created = _create(ctx, stage)
        return StepOutcome({"opportunity_id": created.id, "created": True})
    from_stage = opportunity.stage_id
    moved = moves.move(ctx.uow, opportunity, stage)
    return StepOutcome(
        {"opportunity_id": opportunity.id, "from_stage_id": from_stage, "to_stage_id": stage.id,
         "changed": moved}
    )  # fmt: skip
