"""Flow actions: wait, if/else, goal, end, and moving the contact into or out of another
workflow."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select

from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.workflows.engine.batch_writes import writes_of
from ghl_desktop.services.workflows.engine.conditions import Facts, evaluate
from ghl_desktop.services.workflows.engine.enrolment import enrol, published_workflow
from ghl_desktop.services.workflows.engine.runtime import (
    StepContext,
    StepOutcome,
    StepSkipped,
    executor,
)
from ghl_desktop.services.workflows.engine.steps import LIVE, cancel_pending, finish

log = logging.getLogger(__name__)

CONTACT_FACTS = tuple(
    c.key for c in Contact.__table__.columns if c.key not in ("custom_fields", "sub_account_id")
)


@executor("wait")
def wait(ctx: StepContext) -> StepOutcome:
    info = dict((ctx.step.result or {}).get("wait") or {})
    resumed = (ctx.step.result or {}).get("resumed_by")
    ended_by = "event" if resumed else ("timeout" if info.get("mode") == "until_event" else "time")
    return StepOutcome({"ended_by": ended_by, "waited_until": ctx.now.isoformat()})


class RunSteps(Mapping[str, Mapping[str, Any]]):
    """The run's steps as conditions see them (action id -> {"status": ..., **result}), read
    on first use: most if/else conditions look at the contact only, and this read - a query
    plus a walk over the batch's pending objects - would otherwise cost more than the rest of
    the if/else. Read at most once, while the condition is evaluated, so it sees what a read
    gathered up front would have seen."""

    def __init__(self, ctx: StepContext) -> None:
        self._ctx = ctx
        self._steps: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._steps is None:
            self._steps = _run_steps(self._ctx)
        return self._steps

    def __getitem__(self, action_id: str) -> Mapping[str, Any]:
        return self._load()[action_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _run_steps(ctx: StepContext) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    session = ctx.uow.session
    # Without autoflush (it would flush the whole batch's pending changes at every if/else):
    # the stored rows, then this run's steps changed in memory on top - what a flush first
    # would have read.
    with session.no_autoflush:
        rows = session.execute(
            select(
                WorkflowActionExecution.workflow_action_id,
                WorkflowActionExecution.status,
                WorkflowActionExecution.result,
            ).where(WorkflowActionExecution.workflow_execution_id == ctx.execution.id)
        )
    for action_id, status, result in rows:
        if action_id is not None:
            steps[action_id] = {"status": str(status), **(result or {})}
    for obj in (*session.new, *session.dirty):
        if (
            isinstance(obj, WorkflowActionExecution)
            and obj.workflow_execution_id == ctx.execution.id
            and obj.workflow_action_id is not None
        ):
            steps[obj.workflow_action_id] = {"status": str(obj.status), **(obj.result or {})}
    writes = writes_of(session)
    for values in writes.steps_of(ctx.execution.id) if writes is not None else ():
        steps[values["workflow_action_id"]] = {"status": str(values["status"]), **values["result"]}
    return steps


def facts_for(ctx: StepContext) -> Facts:
    contact = ctx.contact
    return Facts(
        contact={key: getattr(contact, key) for key in CONTACT_FACTS},
        custom=dict(contact.custom_fields or {}),
        tags=frozenset(t.casefold() for t in ctx.tag_names()),
        context=dict(ctx.execution.context or {}),
        steps=RunSteps(ctx),
    )


@executor("if_else")
def if_else(ctx: StepContext) -> StepOutcome:
    passed, decisions = evaluate(ctx.action.settings, facts_for(ctx))
    branch = "yes" if passed else "no"
    return StepOutcome({"branch": branch, "decisions": decisions}, branch=branch)


@executor("goal")
def goal(ctx: StepContext) -> StepOutcome:
    met_by = (ctx.step.result or {}).get("resumed_by")
    return StepOutcome({"goal_met_by": met_by}, finish="goal reached")


@executor("end")
def end(_ctx: StepContext) -> StepOutcome:
    return StepOutcome({}, finish="end step")


def _target(ctx: StepContext) -> str:
    target = str(ctx.settings.get("workflow_id") or "").strip()
    if not target:
        from ghl_desktop.core.errors import ValidationError

        raise ValidationError("workflow_id", "is required")
    return target


@executor("add_to_workflow")
def add_to_workflow(ctx: StepContext) -> StepOutcome:
    workflow, definition = published_workflow(ctx.uow, _target(ctx))
    outcome = enrol(
        ctx.uow, workflow, definition, ctx.contact.id, via="workflow", parent=ctx.execution,
        context={"enrolled_by": {"workflow_id": ctx.execution.workflow_id,
                                 "execution_id": ctx.execution.id}},
    )  # fmt: skip
    if outcome.refused is not None:
        log.warning(
            "execution %s: not adding contact %s to workflow %s: %s",
            ctx.execution.id, ctx.contact.id, workflow.id, outcome.refused,
        )  # fmt: skip
        raise StepSkipped(outcome.refused, workflow_id=workflow.id)
    return StepOutcome({"workflow_id": workflow.id, "execution_id": outcome.execution_id})


@executor("remove_from_workflow")
def remove_from_workflow(ctx: StepContext) -> StepOutcome:
    target = _target(ctx)
    runs = ctx.uow.session.scalars(
        select(WorkflowExecution).where(
            WorkflowExecution.workflow_id == target,
            WorkflowExecution.contact_id == ctx.contact.id,
            WorkflowExecution.status.in_(LIVE),
            WorkflowExecution.id != ctx.execution.id,
        )
    ).all()
    reason = f"removed by workflow {ctx.execution.workflow_id}"
    for run in runs:
        cancel_pending(ctx.uow, run.id, reason)
        finish(run, ExecutionStatus.CANCELLED, ctx.now, reason)
    return StepOutcome({"workflow_id": target, "cancelled": [r.id for r in runs]})
