"""Pipelines and their stages: create, rename, make default, archive; add, edit, reorder and
delete stages.

Rules, exactly:

* the first pipeline of a sub-account becomes its default; there is at most one default
  (making another the default clears the old one in the same transaction); the default
  cannot be archived;
* a pipeline has at least one stage; stage names are unique within their pipeline (case
  insensitive); probability is a whole percentage 0-100; colour is ``#RRGGBB``;
* deleting a stage moves its opportunities (soft-deleted ones too, which still reference it)
  to a stage of the same pipeline the user picks, in the same transaction, each move with its
  history row and events; a stage with opportunities cannot go without such a target.

Reading needs ``opportunities.read``; changing the structure needs ``pipelines.manage``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.pipelines import Opportunity, Pipeline, PipelineStage, StageKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.pipelines import moves
from ghl_desktop.services.pipelines.events import PipelineChanged
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import required_text

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MANAGE = "pipelines.manage"


@dataclass(frozen=True)
class StageInfo:
    id: str
    pipeline_id: str
    name: str
    position: int
    probability: int
    kind: StageKind
    colour: str | None

    @classmethod
    def of(cls, row: PipelineStage) -> StageInfo:
        return cls(row.id, row.pipeline_id, row.name, row.position, row.probability,
                   StageKind(row.kind), row.colour)  # fmt: skip


@dataclass(frozen=True)
class PipelineInfo:
    id: str
    name: str
    is_default: bool
    position: int
    stages: tuple[StageInfo, ...]

    def stage(self, stage_id: str) -> StageInfo | None:
        return next((s for s in self.stages if s.id == stage_id), None)


@dataclass(frozen=True)
class StageInput:
    name: str
    probability: int = 0
    kind: StageKind = StageKind.OPEN
    colour: str | None = None


def _probability(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError("probability", f"must be a whole percentage 0-100, got {value!r}")
    return value


def _colour(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not COLOUR.match(text):
        raise ValidationError("colour", f"must look like #RRGGBB, got {value!r}")
    return text.upper()


def _kind(value: object) -> StageKind:
    try:
        return StageKind(str(value))
    except ValueError:
        raise ValidationError("kind", f"must be open, won or lost, got {value!r}") from None


def get_info(uow: UnitOfWork, pipeline: Pipeline) -> PipelineInfo:
    stages = uow.session.scalars(
        select(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id)
        .order_by(PipelineStage.position, PipelineStage.id)
    )  # fmt: skip
    return PipelineInfo(pipeline.id, pipeline.name, pipeline.is_default, pipeline.position,
                        tuple(StageInfo.of(s) for s in stages))  # fmt: skip


def load_pipeline(uow: UnitOfWork, pipeline_id: str, field: str | None = None) -> Pipeline:
    """The live pipeline, else NotFound (or, with ``field``, a ValidationError naming it)."""
    found = uow.session.scalar(
        select(Pipeline).where(Pipeline.id == pipeline_id, Pipeline.archived_at.is_(None))
    )
    if found is None:
        if field is None:
            raise NotFound("pipeline", pipeline_id)
        raise ValidationError(field, f"no pipeline {pipeline_id} in this sub-account")
    return found


def _stages(uow: UnitOfWork, pipeline_id: str) -> list[PipelineStage]:
    return list(
        uow.session.scalars(
            select(PipelineStage).where(PipelineStage.pipeline_id == pipeline_id)
            .order_by(PipelineStage.position, PipelineStage.id)
        )
    )  # fmt: skip


def _refuse_duplicate_name(stages: Sequence[PipelineStage], name: str, skip: str = "") -> None:
    if any(s.name.casefold() == name.casefold() and s.id != skip for s in stages):
        raise Conflict("name", f"a stage named {name!r} exists in this pipeline")


def _changed(uow: UnitOfWork, pipeline_id: str, change: str) -> None:
    uow.record(PipelineChanged(sub_account_id=uow.sub_account_id, pipeline_id=pipeline_id,
                               change=change))  # fmt: skip


# -- reading --------------------------------------------------------------------------------
def pipeline_infos(uow: UnitOfWork) -> list[PipelineInfo]:
    """Live pipelines with their stages (two queries, however many pipelines)."""
    rows = uow.session.scalars(
        select(Pipeline).where(Pipeline.archived_at.is_(None))
        .order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.name)
    ).all()  # fmt: skip
    stages = uow.session.scalars(
        select(PipelineStage).where(PipelineStage.pipeline_id.in_([p.id for p in rows]))
        .order_by(PipelineStage.position, PipelineStage.id)
    ).all() if rows else []  # fmt: skip
    return [
        PipelineInfo(p.id, p.name, p.is_default, p.position,
                     tuple(StageInfo.of(s) for s in stages if s.pipeline_id == p.id))
        for p in rows
    ]  # fmt: skip


def list_pipelines(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[PipelineInfo]:
    """Live pipelines with their stages: the default first, then by position and name."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        return pipeline_infos(uow)


def get_pipeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str
) -> PipelineInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        return get_info(uow, load_pipeline(uow, pipeline_id))


# -- pipelines ------------------------------------------------------------------------------
def create_pipeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, name: str,
    stages: Sequence[StageInput], *, is_default: bool = False,
) -> PipelineInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        if not stages:
            raise ValidationError("stages", "a pipeline needs at least one stage")
        existing = uow.session.scalars(select(Pipeline).where(Pipeline.archived_at.is_(None)))
        live = list(existing)
        position = max((p.position for p in live), default=-1) + 1
        make_default = is_default or not any(p.is_default for p in live)
        if make_default:
            for other in live:
                other.is_default = False
            uow.flush()
        pipeline = Pipeline(name=required_text(name, "name"), is_default=make_default,
                            position=position)  # fmt: skip
        uow.session.add(pipeline)
        uow.flush()
        added: list[PipelineStage] = []
        for index, spec in enumerate(stages):
            stage = _new_stage(pipeline.id, spec, index, added)
            uow.session.add(stage)
            added.append(stage)
        uow.flush()
        _changed(uow, pipeline.id, "created")
        info = get_info(uow, pipeline)
        uow.commit()
        return info


def _new_stage(
    pipeline_id: str, spec: StageInput, position: int, siblings: Sequence[PipelineStage]
) -> PipelineStage:
    name = required_text(spec.name, "name")
    _refuse_duplicate_name(siblings, name)
    return PipelineStage(
        pipeline_id=pipeline_id, name=name, position=position,
        probability=_probability(spec.probability), kind=_kind(spec.kind),
        colour=_colour(spec.colour),
    )  # fmt: skip


def rename_pipeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str, name: str
) -> PipelineInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        pipeline = load_pipeline(uow, pipeline_id)
        pipeline.name = required_text(name, "name")
        _changed(uow, pipeline.id, "renamed")
        uow.flush()
        info = get_info(uow, pipeline)
        uow.commit()
        return info


def set_default_pipeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        pipeline = load_pipeline(uow, pipeline_id)
        if pipeline.is_default:
            return
        uow.session.execute(
            update(Pipeline)
            .where(Pipeline.sub_account_id == uow.sub_account_id, Pipeline.is_default)
            .values(is_default=False)
        )  # fmt: skip
        pipeline.is_default = True
        _changed(uow, pipeline.id, "default")
        uow.commit()


def archive_pipeline(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str
) -> None:
    """Hide a pipeline (its opportunities and history stay for reports)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        pipeline = load_pipeline(uow, pipeline_id)
        if pipeline.is_default:
            raise Conflict("pipeline_id", "the default pipeline cannot be archived")
        pipeline.archived_at = uow.clock.now()
        _changed(uow, pipeline.id, "deleted")
        uow.commit()


def default_pipeline_id(uow: UnitOfWork) -> str:
    found = uow.session.scalar(
        select(Pipeline.id).where(Pipeline.archived_at.is_(None))
        .order_by(Pipeline.is_default.desc(), Pipeline.position).limit(1)
    )  # fmt: skip
    if found is None:
        raise ValidationError("pipeline_id", "this sub-account has no pipeline yet")
    return found


# -- stages ---------------------------------------------------------------------------------
def add_stage(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str,
    spec: StageInput, *, position: int | None = None,
) -> StageInfo:  # fmt: skip
    """Add a stage at ``position`` (0 = first; default: last)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        pipeline = load_pipeline(uow, pipeline_id)
        stages = _stages(uow, pipeline.id)
        stage = _new_stage(pipeline.id, spec, len(stages), stages)
        at = len(stages) if position is None else max(0, min(position, len(stages)))
        stages.insert(at, stage)
        uow.session.add(stage)
        for index, s in enumerate(stages):
            s.position = index
        uow.flush()
        _changed(uow, pipeline.id, "stages")
        uow.commit()
        return StageInfo.of(stage)


def update_stage(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, stage_id: str, *,
    name: str | None = None, probability: int | None = None, kind: StageKind | None = None,
    colour: str | None = None,
) -> StageInfo:  # fmt: skip
    """Change what is given; ``colour=""`` clears the colour. Changing the kind does not touch
    the deals already in the stage (their status changes when they move)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        stage = moves.load_stage(uow, stage_id)
        if name is not None:
            clean = required_text(name, "name")
            _refuse_duplicate_name(_stages(uow, stage.pipeline_id), clean, skip=stage.id)
            stage.name = clean
        if probability is not None:
            stage.probability = _probability(probability)
        if kind is not None:
            stage.kind = _kind(kind)
        if colour is not None:
            stage.colour = _colour(colour)
        uow.flush()
        _changed(uow, stage.pipeline_id, "stages")
        uow.commit()
        return StageInfo.of(stage)


def reorder_stages(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str,
    stage_ids: Sequence[str],
) -> PipelineInfo:  # fmt: skip
    """Put the pipeline's stages in this order (every stage exactly once)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        pipeline = load_pipeline(uow, pipeline_id)
        by_id = {s.id: s for s in _stages(uow, pipeline.id)}
        if sorted(stage_ids) != sorted(by_id) or len(set(stage_ids)) != len(stage_ids):
            raise ValidationError("stage_ids", "must list every stage of the pipeline once")
        for index, stage_id in enumerate(stage_ids):
            by_id[stage_id].position = index
        uow.flush()
        _changed(uow, pipeline.id, "stages")
        info = get_info(uow, pipeline)
        uow.commit()
        return info


def delete_stage(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, stage_id: str, *,
    move_to_stage_id: str | None = None,
) -> int:  # fmt: skip
    """Delete a stage after moving its opportunities to ``move_to_stage_id``; returns how many
    live opportunities moved."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(MANAGE)
        stage = moves.load_stage(uow, stage_id)
        siblings = _stages(uow, stage.pipeline_id)
        if len(siblings) == 1:
            raise Conflict("stage_id", "a pipeline needs at least one stage")
        in_stage = select(Opportunity).where(Opportunity.stage_id == stage.id)
        live = list(uow.session.scalars(in_stage))
        deleted_count = uow.session.scalar(
            select(func.count()).select_from(Opportunity)
            .where(Opportunity.stage_id == stage.id, Opportunity.deleted_at.is_not(None))
            .execution_options(include_deleted=True)
        ) or 0  # fmt: skip
        moved = 0
        if live or deleted_count:
            if not move_to_stage_id:
                raise ValidationError(
                    "move_to_stage_id",
                    f"pick the stage its {len(live) + deleted_count} opportunities move to",
                )
            target = moves.load_stage(uow, move_to_stage_id, "move_to_stage_id")
            if target.pipeline_id != stage.pipeline_id or target.id == stage.id:
                raise ValidationError("move_to_stage_id", "must be another stage of this pipeline")
            for opportunity in live:
                moved += moves.move(uow, opportunity, target, stage)
            # Soft-deleted deals keep no history of their own any more; they only must not
            # block the delete.
            uow.session.execute(
                update(Opportunity)
                .where(Opportunity.stage_id == stage.id, Opportunity.deleted_at.is_not(None))
                .values(stage_id=target.id)
                .execution_options(include_deleted=True, synchronize_session=False)
            )  # fmt: skip
        uow.flush()
        uow.session.delete(stage)
        for index, s in enumerate(s for s in siblings if s.id != stage.id):
            s.position = index
        uow.flush()
        _changed(uow, stage.pipeline_id, "stages")
        uow.commit()
        return moved
