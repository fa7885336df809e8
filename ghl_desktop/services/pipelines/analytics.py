"""Pipeline analytics, every figure computed by the database (aggregates, no loop over rows).

For one pipeline, with optional filters by owner and by a date range ``[date_from,
date_to)``:

* **per stage**: how many deals are in it and their value; the weighted forecast (open deals'
  value x the stage's probability); the average time deals spent in it (from the stage
  history: moves *out of* the stage whose ``changed_at`` falls in the range) and how many
  such moves there were;
* **conversion**: a funnel over the pipeline's stages in order (lost stages left out): a deal
  "reached" a stage when it entered it or any later stage; the rate from one stage to the
  next is reached(next) / reached(this);
* **win rate**: won / (won + lost) over deals closed in the range;
* **won value by month** (UTC months of ``closed_at``).

The range applies to ``created_at`` for the per-stage counts, values, forecast and the funnel,
to ``changed_at`` for the times in stage, and to ``closed_at`` for the win rate and won value.
Values add up deals in the sub-account's currency only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, func, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStageHistory,
    OpportunityStatus,
    PipelineStage,
    StageKind,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import sub_account_of
from ghl_desktop.services.pipelines.structure import (
    StageInfo,
    default_pipeline_id,
    get_info,
    load_pipeline,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

History = OpportunityStageHistory


@dataclass(frozen=True)
class AnalyticsFilter:
    owner_user_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def check(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValidationError(name, "needs a time zone")
        if self.date_from and self.date_to and self.date_to <= self.date_from:
            raise ValidationError("date_to", "must be after date_from")

    def where(self, stmt: Any, column: Any) -> Any:
        if self.owner_user_id:
            stmt = stmt.where(Opportunity.owner_user_id == self.owner_user_id)
        if self.date_from is not None:
            stmt = stmt.where(column >= self.date_from)
        if self.date_to is not None:
            stmt = stmt.where(column < self.date_to)
        return stmt


@dataclass(frozen=True)
class StageStats:
    stage: StageInfo
    count: int
    value_minor: int
    weighted_minor: int
    average_seconds: float | None
    exits: int


@dataclass(frozen=True)
class Conversion:
    from_stage: StageInfo
    to_stage: StageInfo
    reached_from: int
    reached_to: int

    @property
    def rate(self) -> float | None:
        return self.reached_to / self.reached_from if self.reached_from else None


@dataclass(frozen=True)
class MonthValue:
    month: str  # YYYY-MM
    count: int
    value_minor: int


@dataclass(frozen=True)
class PipelineAnalytics:
    pipeline_id: str
    currency: str
    stages: tuple[StageStats, ...]
    forecast_minor: int
    conversions: tuple[Conversion, ...]
    won_count: int
    lost_count: int
    won_by_month: tuple[MonthValue, ...]

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None


def _hundredths(total: int) -> int:
    """value x percentage / 100, rounded half up (all amounts are >= 0)."""
    return (total + 50) // 100


def _per_stage(uow: UnitOfWork, pipeline_id: str, f: AnalyticsFilter, currency: str) -> Any:
    money = case((Opportunity.currency == currency, Opportunity.value_minor), else_=0)
    weighted = case(
        (Opportunity.status == OpportunityStatus.OPEN, money * PipelineStage.probability),
        else_=0,
    )
    stmt = (
        select(Opportunity.stage_id, func.count(), func.coalesce(func.sum(money), 0),
               func.coalesce(func.sum(weighted), 0))
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(Opportunity.pipeline_id == pipeline_id)
    )  # fmt: skip
    stmt = f.where(stmt, Opportunity.created_at).group_by(Opportunity.stage_id)
    return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in uow.session.execute(stmt)}


def _times(uow: UnitOfWork, pipeline_id: str, f: AnalyticsFilter) -> Any:
    stmt = (
        select(History.from_stage_id, func.avg(History.duration_seconds), func.count())
        .join(Opportunity, Opportunity.id == History.opportunity_id)
        .join(PipelineStage, PipelineStage.id == History.from_stage_id)
        .where(PipelineStage.pipeline_id == pipeline_id, History.duration_seconds.is_not(None))
    )  # fmt: skip
    stmt = f.where(stmt, History.changed_at).group_by(History.from_stage_id)
    return {r[0]: (float(r[1]), int(r[2])) for r in uow.session.execute(stmt)}


def _reached(uow: UnitOfWork, pipeline_id: str, f: AnalyticsFilter) -> dict[str, int]:
    top = (
        select(History.opportunity_id, func.max(PipelineStage.position).label("top"))
        .join(Opportunity, Opportunity.id == History.opportunity_id)
        .join(PipelineStage, PipelineStage.id == History.to_stage_id)
        .where(PipelineStage.pipeline_id == pipeline_id, PipelineStage.kind != StageKind.LOST)
    )  # fmt: skip
    tops = f.where(top, Opportunity.created_at).group_by(History.opportunity_id).subquery()
    stage = select(PipelineStage.id, func.count(tops.c.opportunity_id)).outerjoin(
        tops, tops.c.top >= PipelineStage.position
    )
    stage = stage.where(
        PipelineStage.pipeline_id == pipeline_id, PipelineStage.kind != StageKind.LOST
    ).group_by(PipelineStage.id)
    return {r[0]: int(r[1]) for r in uow.session.execute(stage)}


def _outcomes(uow: UnitOfWork, pipeline_id: str, f: AnalyticsFilter) -> tuple[int, int]:
    won = func.sum(case((Opportunity.status == OpportunityStatus.WON, 1), else_=0))
    lost = func.sum(case((Opportunity.status == OpportunityStatus.LOST, 1), else_=0))
    stmt = select(func.coalesce(won, 0), func.coalesce(lost, 0)).where(
        Opportunity.pipeline_id == pipeline_id, Opportunity.closed_at.is_not(None)
    )
    row = uow.session.execute(f.where(stmt, Opportunity.closed_at)).one()
    return int(row[0]), int(row[1])


def _month(uow: UnitOfWork) -> Any:
    if uow.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Opportunity.closed_at), "YYYY-MM")
    # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return func.substr(Opportunity.closed_at, 1, 7, type_=String)


def _won_by_month(
    uow: UnitOfWork, pipeline_id: str, f: AnalyticsFilter, currency: str
) -> tuple[MonthValue, ...]:
    month = _month(uow).label("month")
    money = case((Opportunity.currency == currency, Opportunity.value_minor), else_=0)
    stmt = select(month, func.count(), func.coalesce(func.sum(money), 0)).where(
        Opportunity.pipeline_id == pipeline_id, Opportunity.status == OpportunityStatus.WON,
        Opportunity.closed_at.is_not(None),
    )  # fmt: skip
    stmt = f.where(stmt, Opportunity.closed_at).group_by(month).order_by(month)
    return tuple(MonthValue(str(r[0]), int(r[1]), int(r[2])) for r in uow.session.execute(stmt))


def pipeline_analytics(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str | None = None,
    filters: AnalyticsFilter | None = None,
) -> PipelineAnalytics:  # fmt: skip
    f = filters or AnalyticsFilter()
    f.check()
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        pipeline = get_info(uow, load_pipeline(uow, pipeline_id or default_pipeline_id(uow)))
        currency = sub_account_of(uow).currency or "USD"
        per_stage = _per_stage(uow, pipeline.id, f, currency)
        times = _times(uow, pipeline.id, f)
        stats = []
        for stage in pipeline.stages:
            count, value, weighted = per_stage.get(stage.id, (0, 0, 0))
            average, exits = times.get(stage.id, (None, 0))
            stats.append(StageStats(stage, count, value, _hundredths(weighted), average, exits))
        reached = _reached(uow, pipeline.id, f)
        funnel = [s for s in pipeline.stages if s.kind is not StageKind.LOST]
        conversions = tuple(
            Conversion(a, b, reached.get(a.id, 0), reached.get(b.id, 0))
            for a, b in itertools.pairwise(funnel)
        )
        won, lost = _outcomes(uow, pipeline.id, f)
        return PipelineAnalytics(
            pipeline.id, currency, tuple(stats), sum(s.weighted_minor for s in stats),
            conversions, won, lost, _won_by_month(uow, pipeline.id, f, currency),
        )  # fmt: skip
