"""Workflow tables: the action tree, durable executions, and what deletes do to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import (
    ActionExecutionStatus,
    ActionType,
    ExecutionStatus,
    TriggerType,
    Workflow,
    WorkflowAction,
    WorkflowActionExecution,
    WorkflowExecution,
    WorkflowStatus,
    WorkflowTrigger,
)
from tests.conftest import make_tenant
from tests.integration.model_builders import add, contact, count, purge, tenant_uow
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _welcome_series(uow, clock):
    """The tree from the data-model docs: email -> wait -> if opened (yes: tips, no: nudge)."""
    wf = add(uow, Workflow(name="Welcome Series", folder="Onboarding"))
    add(
        uow,
        WorkflowTrigger(
            workflow_id=wf.id, type=TriggerType.CONTACT_CREATED, conditions={"source": "form"}
        ),
    )

    def step(kind: ActionType, parent=None, branch=None, **settings):
        return add(
            uow,
            WorkflowAction(
                workflow_id=wf.id,
                type=kind,
                parent_action_id=parent.id if parent else None,
                branch=branch,
                settings=settings,
            ),
        )

    email = step(ActionType.SEND_EMAIL, template="welcome")
    wait = step(ActionType.WAIT, email, days=1)
    check = step(ActionType.IF_ELSE, wait, condition="opened_email")
    tips = step(ActionType.SEND_EMAIL, check, "yes", template="tips")
    step(ActionType.ADD_TAG, tips, tag="Engaged")
    nudge = step(ActionType.SEND_EMAIL, check, "no", template="nudge")
    step(ActionType.ADD_TAG, nudge, tag="Needs Nurture")
    return wf, {"email": email, "wait": wait, "check": check, "tips": tips, "nudge": nudge}


def _run(uow, wf, c, steps, clock):
    run = add(
        uow,
        WorkflowExecution(
            workflow_id=wf.id,
            contact_id=c.id,
            current_action_id=steps["check"].id,
            started_at=clock.now(),
            status=ExecutionStatus.RUNNING,
            context={"opened_email": True},
        ),
    )
    for name, status, due in (
        ("email", ActionExecutionStatus.COMPLETED, None),
        ("wait", ActionExecutionStatus.COMPLETED, clock.now() + timedelta(days=1)),
        ("check", ActionExecutionStatus.RUNNING, None),
    ):
        add(
            uow,
            WorkflowActionExecution(
                workflow_execution_id=run.id,
                workflow_action_id=steps[name].id,
                action_type=steps[name].type,
                status=status,
                scheduled_for=due,
                idempotency_key=f"{run.id}:{steps[name].id}",
            ),
        )
    return run


def test_deleting_a_draft_branch_removes_its_subtree_and_leaves_the_run_alone(
    any_runtime, clock
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        wf, steps = _welcome_series(uow, clock)
        run = _run(uow, wf, contact(uow), steps, clock)
        uow.commit()
    assert wf.status is WorkflowStatus.DRAFT
    assert wf.version == 0  # never published
    purge(any_runtime, t, WorkflowAction, steps["check"].id)
    with tenant_uow(any_runtime, t) as uow:
        left = uow.session.scalars(select(WorkflowAction.type).order_by(WorkflowAction.id))
        assert list(left) == [ActionType.SEND_EMAIL, ActionType.WAIT]
        stored = uow.session.get(WorkflowExecution, run.id)
        assert stored is not None
        # Runs point into their version snapshot, which draft edits never touch.
        assert stored.current_action_id == steps["check"].id
        log = uow.session.scalars(
            select(WorkflowActionExecution).order_by(WorkflowActionExecution.id)
        ).all()
        assert [(e.action_type, e.workflow_action_id) for e in log] == [
            (ActionType.SEND_EMAIL, steps["email"].id),
            (ActionType.WAIT, steps["wait"].id),
            (ActionType.IF_ELSE, steps["check"].id),
        ]


def test_purging_workflow_or_contact_removes_runs(any_runtime, clock) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        wf, steps = _welcome_series(uow, clock)
        ada, grace = contact(uow), contact(uow, first_name="Grace")
        _run(uow, wf, ada, steps, clock)
        _run(uow, wf, grace, steps, clock)
        uow.commit()
    purge(any_runtime, t, Contact, ada.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, WorkflowExecution) == 1
        assert count(uow, WorkflowActionExecution) == 3
    purge(any_runtime, t, Workflow, wf.id)
    with tenant_uow(any_runtime, t) as uow:
        for model in (WorkflowTrigger, WorkflowAction, WorkflowExecution, WorkflowActionExecution):
            assert count(uow, model) == 0, model.__name__
        assert count(uow, Contact) == 1


def test_a_redelivered_trigger_event_enrols_once(any_runtime, clock) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        wf = add(uow, Workflow(name="Tagged"))
        c = contact(uow)
        for event_id in (None, None, "evt-1"):  # manual enrolments carry no event
            add(
                uow,
                WorkflowExecution(
                    workflow_id=wf.id, contact_id=c.id, trigger_event_id=event_id,
                    started_at=clock.now(),
                ),
            )  # fmt: skip
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(
            uow,
            WorkflowExecution(
                workflow_id=wf.id, contact_id=c.id, trigger_event_id="evt-1",
                started_at=clock.now(),
            ),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("workflows", "status = 'live'"),
        ("workflows", "version = -1"),
        ("workflows", "max_enrolments = 0"),
        ("workflows", "enrolment_window_minutes = 0"),
        # Trigger/action types are registry-validated strings, not a database CHECK.
        ("workflow_executions", "status = 'lost'"),
        ("workflow_action_executions", "status = 'lost'"),
        ("workflow_action_executions", "attempts = -1"),
    ],
)
def test_workflow_checks(any_runtime, clock, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        wf, steps = _welcome_series(uow, clock)
        _run(uow, wf, contact(uow), steps, clock)
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises((exc.IntegrityError, exc.DataError)):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))
