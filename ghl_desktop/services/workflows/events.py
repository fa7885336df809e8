"""Domain events of workflow definitions (the runtime records its own in ``engine/``)."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class WorkflowPublished(DomainEvent):
    """A new version went live: new enrolments use it; running executions keep theirs."""

    name = "workflow.published"
    workflow_id: str
    version: int


@dataclass(frozen=True, kw_only=True)
class WorkflowUnpublished(DomainEvent):
    """The workflow went back to draft: nothing new enrols; running executions go on."""

    name = "workflow.unpublished"
    workflow_id: str


@dataclass(frozen=True, kw_only=True)
class WorkflowDeleted(DomainEvent):
    name = "workflow.deleted"
    workflow_id: str
