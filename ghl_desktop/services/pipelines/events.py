"""Domain events of the sales pipelines (docs/events.md lists them with their payloads).

Workflows trigger on them: ``opportunity.stage_changed`` carries the stage moved from and to
and how long the deal sat in the previous stage, so a trigger can say "moved to Proposal Sent
after more than 3 days in Qualified".
"""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OpportunityCreated(DomainEvent):
    name = "opportunity.created"
    opportunity_id: str
    contact_id: str
    pipeline_id: str
    stage_id: str
    value_minor: int
    currency: str
    owner_user_id: str | None = None
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class OpportunityUpdated(DomainEvent):
    name = "opportunity.updated"
    opportunity_id: str
    contact_id: str
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OpportunityStageChanged(DomainEvent):
    name = "opportunity.stage_changed"
    opportunity_id: str
    contact_id: str
    pipeline_id: str
    from_stage_id: str | None
    to_stage_id: str
    from_stage_name: str
    to_stage_name: str
    duration_seconds: int
    days_in_previous_stage: int


@dataclass(frozen=True, kw_only=True)
class OpportunityWon(DomainEvent):
    name = "opportunity.won"
    opportunity_id: str
    contact_id: str
    pipeline_id: str
    stage_id: str
    value_minor: int
    currency: str


@dataclass(frozen=True, kw_only=True)
class OpportunityLost(DomainEvent):
    name = "opportunity.lost"
    opportunity_id: str
    contact_id: str
    pipeline_id: str
    stage_id: str
    lost_reason: str
    value_minor: int
    currency: str


@dataclass(frozen=True, kw_only=True)
class OpportunityDeleted(DomainEvent):
    name = "opportunity.deleted"
    opportunity_id: str
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class PipelineChanged(DomainEvent):
    """A pipeline or its stages were created, renamed, reordered or deleted (the GUI
    reloads boards and pickers on it)."""

    name = "pipeline.changed"
    pipeline_id: str
    change: str  # created, renamed, default, stages, deleted
