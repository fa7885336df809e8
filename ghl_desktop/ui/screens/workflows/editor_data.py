"""What the workflow editor shows, read in one go on a reader thread."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import authoring, lookups, publishing
from ghl_desktop.services.workflows.authoring import WorkflowSummary
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.fields import REFERENCE_KINDS
from ghl_desktop.services.workflows.lookups import Option
from ghl_desktop.services.workflows.publishing import VersionInfo
from ghl_desktop.services.workflows.validation import Problem


@dataclass(frozen=True)
class WorkflowSettings:
    description: str
    allow_reentry: bool
    max_enrolments: int
    enrolment_window_minutes: int
    webhook_token: str | None


@dataclass(frozen=True)
class EditorData:
    workflow_id: str
    summary: WorkflowSummary
    draft: WorkflowDefinition
    problems: list[Problem]
    options: dict[str, list[Option]]
    versions: list[VersionInfo]
    settings: WorkflowSettings
    can_manage: bool


def load_editor(uow: UnitOfWork, workflow_id: str) -> EditorData:
    workflow = authoring.load_workflow(uow, workflow_id)
    summary = next(s for s in authoring.list_workflows(uow) if s.id == workflow_id)
    return EditorData(
        workflow_id=workflow_id,
        summary=summary,
        draft=authoring.draft_definition(uow, workflow_id),
        problems=publishing.check_draft(uow, workflow_id),
        options={kind: lookups.options(uow, kind) for kind in REFERENCE_KINDS},
        versions=publishing.list_versions(uow, workflow_id),
        settings=WorkflowSettings(
            workflow.description,
            workflow.allow_reentry,
            workflow.max_enrolments,
            workflow.enrolment_window_minutes,
            workflow.webhook_token,
        ),
        can_manage=uow.can(authoring.MANAGE),
    )
