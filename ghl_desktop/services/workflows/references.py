"""Find references: which workflows, steps and triggers use a tag, custom field, user,
pipeline stage, template (or form, survey, calendar, pipeline, workflow); and which workflows
point at something that no longer exists.

Both the draft and the live (published) version are searched: the live one is what runs now,
the draft is what will run after the next publish.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.workflows import Workflow, WorkflowVersion
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.authoring import READ, draft_definitions
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.fields import REFERENCE_KINDS, Kind, Reference
from ghl_desktop.services.workflows.validation import LiveRecords, Problem, validate

DRAFT = "draft"
LIVE = "live"


@dataclass(frozen=True)
class ReferenceUse:
    workflow_id: str
    workflow_name: str
    where: str  # "trigger" or "action"
    item_id: str
    item_label: str
    field: str
    value: str
    versions: tuple[str, ...]  # "draft", "live" or both


def _uses(definition: WorkflowDefinition) -> Iterator[tuple[str, str, str, Reference]]:
    """(where, item id, label, reference) of every reference the definition makes."""
    for trigger in definition.triggers:
        try:
            tspec = registry.trigger_spec(trigger.type)
        except ValidationError:
            continue
        for ref in tspec.references(trigger.conditions):
            yield "trigger", trigger.id, tspec.label, ref
    for action in definition.actions:
        try:
            aspec = registry.action_spec(action.type)
        except ValidationError:
            continue
        for ref in aspec.references(action.settings):
            yield "action", action.id, action.label, ref
        event_type = action.settings.get("event_type")
        filters = action.settings.get("event_filters")
        if event_type and isinstance(filters, dict):
            try:
                espec = registry.trigger_spec(str(event_type))
            except ValidationError:
                continue
            for ref in espec.references(filters):
                field = f"event_filters.{ref.field}"
                yield "action", action.id, action.label, Reference(ref.kind, ref.value, field)


def _definitions(
    uow: UnitOfWork, workflow_id: str | None = None
) -> Iterator[tuple[Workflow, str, WorkflowDefinition]]:
    query = select(Workflow).order_by(Workflow.name, Workflow.id)
    if workflow_id is not None:
        query = query.where(Workflow.id == workflow_id)
    workflows = list(uow.session.scalars(query))
    live_versions = {
        (w.id, w.published_version) for w in workflows if w.published_version is not None
    }
    snapshots: dict[str, WorkflowDefinition] = {}
    if live_versions:
        rows = uow.session.scalars(
            select(WorkflowVersion).where(
                WorkflowVersion.workflow_id.in_([wid for wid, _ in live_versions])
            )
        )
        for row in rows:
            if (row.workflow_id, row.version) in live_versions:
                snapshots[row.workflow_id] = WorkflowDefinition.from_json(row.definition)
    drafts = draft_definitions(uow, workflows)
    for workflow in workflows:
        yield workflow, DRAFT, drafts[workflow.id]
        if workflow.id in snapshots:
            yield workflow, LIVE, snapshots[workflow.id]


def _same(kind: str, a: str, b: str) -> bool:
    return a.casefold() == b.casefold() if kind == Kind.TAG else a == b


def find_references(uow: UnitOfWork, kind: str, value: str) -> list[ReferenceUse]:
    """Every trigger and step using record ``value`` of ``kind`` (a tag by name, a custom field
    by key, everything else by id), in the draft and/or the live version of each workflow."""
    uow.require(READ)
    if kind not in REFERENCE_KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(REFERENCE_KINDS)}")
    if not value or not value.strip():
        raise ValidationError("value", "is required")
    found: dict[tuple[str, str, str], ReferenceUse] = {}
    for workflow, which, definition in _definitions(uow):
        for where, item_id, label, ref in _uses(definition):
            if ref.kind != kind or not _same(kind, ref.value, value.strip()):
                continue
            key = (workflow.id, item_id, ref.field)
            seen = found.get(key)
            versions = (*seen.versions, which) if seen else (which,)
            found[key] = ReferenceUse(
                workflow.id, workflow.name, where, item_id, label, ref.field, ref.value, versions
            )
    return list(found.values())


@dataclass(frozen=True)
class BrokenReference:
    workflow_id: str
    workflow_name: str
    version: str  # "draft" or "live"
    problem: Problem


def broken_references(uow: UnitOfWork, workflow_id: str | None = None) -> list[BrokenReference]:
    """References to records that are gone (deleted, archived, renamed away), in the draft and
    the live version of one workflow or of all of them. The live ones break running
    executions; the draft ones block the next publish."""
    uow.require(READ)
    chosen = list(_definitions(uow, workflow_id))
    live = LiveRecords(uow)
    live.prefetch(ref for _w, _which, d in chosen for *_where, ref in _uses(d))
    broken: list[BrokenReference] = []
    for workflow, which, definition in chosen:
        for problem in validate(uow, definition, live=live):
            if problem.broken_reference:
                broken.append(BrokenReference(workflow.id, workflow.name, which, problem))
    return broken
