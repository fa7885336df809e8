"""The executor's batched pass. What an if/else sees inside one batch: the effects of the
steps that ran before it in the same batch (another run's tag on the same contact), the
results of its own run's earlier steps - and the values that decided it are stored with the
step; both in the batched pass and in the one-savepoint-per-step pass a failing step falls
back to. And a message the batch queues in one statement is still queued exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from ghl_desktop.services import contacts, outbox
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.queries import contact_executions
from tests.conftest import make_tenant
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish


@pytest.fixture
def world(runtime, clock):
    t = make_tenant(runtime)

    def person(first: str, **values):
        fields = {"first_name": first, "email": f"{first.lower()}@example.com", **values}
        return contacts.create_contact(runtime.uows, t.owner, t.sub_account_id, fields).id

    return runtime, t, person, clock


def _branch_on_vip(rt, sub: str):
    yes = Node("add_tag", {"tag": "Saw VIP"}, "Yes", "yes")
    no = Node("add_tag", {"tag": "Missed VIP"}, "No", "no")
    check = Node("if_else", {"conditions": [
        {"field": "tags", "operator": "has_tag", "value": "VIP"}]}, "VIP?")  # fmt: skip
    check.children = [yes, no]
    return publish(rt, sub, "Check", check, [("manual", {})]), check


@pytest.mark.parametrize("with_failing_step", [False, True], ids=["batched", "savepoints"])
def test_an_if_else_sees_a_tag_added_earlier_in_the_same_batch(world, with_failing_step) -> None:
    rt, t, person, clock = world
    sub = t.sub_account_id
    tagger = publish(rt, sub, "Tagger", Node("add_tag", {"tag": "VIP"}), [("manual", {})])
    checker, check = _branch_on_vip(rt, sub)
    ann = person("Ann")
    control.enrol_contacts(rt.uows, t.owner, sub, tagger.workflow_id, [ann])
    clock.advance(timedelta(seconds=1))  # due after the tag: runs after it in the batch
    control.enrol_contacts(rt.uows, t.owner, sub, checker.workflow_id, [ann])
    if with_failing_step:
        # No company: the SMS body merges to nothing, the step fails, and the batch is run
        # again one savepoint per step.
        failing = publish(rt, sub, "Failing", Node("send_sms", {"body": "{{contact.company}}"}),
                          [("manual", {})])  # fmt: skip
        bob = person("Bob", phone="+14155552601")
        control.enrol_contacts(rt.uows, t.owner, sub, failing.workflow_id, [bob])
    clock.advance(timedelta(seconds=1))
    first_steps = 3 if with_failing_step else 2
    first = run_due(rt.uows, max_steps=first_steps)  # the first steps only: one batch
    assert first.claimed == first_steps
    assert first.outcomes["failed"] == (1 if with_failing_step else 0)
    run_due(rt.uows)
    [run] = [r for r in contact_executions(rt.uows, t.owner, sub, ann)
             if r.summary.workflow_id == checker.workflow_id]  # fmt: skip
    decided = next(s for s in run.steps if s.action_id == check.id)
    assert decided.branch == "yes"
    assert decided.decisions == [{"field": "tags", "operator": "has_tag", "value": "VIP",
                                  "actual": ["vip"], "result": True}]  # fmt: skip


def test_an_if_else_reads_earlier_steps_of_its_run_and_stores_the_deciding_values(world) -> None:
    rt, t, person, _clock = world
    sub = t.sub_account_id
    mail = Node("send_email", {"subject": "Hi", "body": "Body"}, "Mail")
    check = Node("if_else", {"match": "all", "conditions": [
        {"field": f"steps.{mail.id}.status", "operator": "equals", "value": "completed"},
        {"field": f"steps.{mail.id}.channel", "operator": "equals", "value": "email"},
        {"field": "steps.not-a-step.status", "operator": "is_empty"},
    ]}, "Mailed?")  # fmt: skip
    check.children = [Node("end", {}, "Yes", "yes"), Node("end", {}, "No", "no")]
    d = publish(rt, sub, "Mail then check", chain(mail, check), [("manual", {})])
    cid = person("Cy")
    control.enrol_contacts(rt.uows, t.owner, sub, d.workflow_id, [cid])
    run_due(rt.uows)
    [run] = contact_executions(rt.uows, t.owner, sub, cid)
    decided = next(s for s in run.steps if s.action_id == check.id)
    assert decided.branch == "yes"
    assert [(d["actual"], d["result"]) for d in decided.decisions] == [
        ("completed", True), ("email", True), (None, True)]  # fmt: skip


def test_a_message_queued_already_is_not_queued_again_by_a_batch(world, caplog) -> None:
    """The batched pass writes its messages in one statement; a key queued already (a racing
    process) makes it rerun one step at a time, and the step records the existing row."""
    rt, t, person, _clock = world
    sub = t.sub_account_id
    mail = Node("send_email", {"subject": "Hi", "body": "Body"}, "Mail")
    d = publish(rt, sub, "Mail", mail, [("manual", {})])
    people = [person(f"P{i}") for i in range(3)]
    control.enrol_contacts(rt.uows, t.owner, sub, d.workflow_id, people)
    [raced] = contact_executions(rt.uows, t.owner, sub, people[0])
    with rt.uows.tenant(SYSTEM, sub) as uow:
        existing = outbox.enqueue(
            uow, channel="email", payload={"to": "p0@example.com", "subject": "Hi", "body": "."},
            idempotency_key=f"wf:{raced.summary.id}:{mail.id}", contact_id=people[0],
        )  # fmt: skip
        uow.commit()
    with caplog.at_level(logging.INFO, "ghl_desktop.services.workflows.engine.executor"):
        summary = run_due(rt.uows)
    assert summary.completed == 3
    assert "queued already" in caplog.text  # the batch was rerun one step at a time
    rows = outbox_rows(rt)
    assert len(rows) == 3
    assert len({r.idempotency_key for r in rows}) == 3
    [run] = contact_executions(rt.uows, t.owner, sub, people[0])
    assert run.steps[0].result["outbox_id"] == existing
    for contact_id in people[1:]:
        [run] = contact_executions(rt.uows, t.owner, sub, contact_id)
        assert run.steps[0].status == "completed"
        assert run.steps[0].result["outbox_id"] in {r.id for r in rows}


def test_a_batch_is_written_in_one_pass_on_both_databases(any_runtime, caplog) -> None:
    """The batched pass's own writes (steps and runs updated, next steps and messages
    inserted, each with one statement) work on SQLite and PostgreSQL: no fallback, every
    step stored with its result, every message queued once."""
    rt = any_runtime
    t = make_tenant(rt)
    sub = t.sub_account_id
    mail = Node("send_email", {"subject": "Hi {{contact.first_name}}", "body": "."}, "Mail")
    plan = {"field": "custom_fields.plan", "operator": "equals", "value": "pro"}
    check = Node("if_else", {"conditions": [plan]}, "Pro?")
    check.children = [Node("add_tag", {"tag": "Pro"}, "Yes", "yes"), Node("end", {}, "No", "no")]
    d = publish(rt, sub, "Batch", chain(mail, check), [("manual", {})])
    people = [
        contacts.create_contact(
            rt.uows, t.owner, sub, {"first_name": f"P{i}", "email": f"p{i}@example.com"}
        ).id
        for i in range(6)
    ]
    control.enrol_contacts(rt.uows, t.owner, sub, d.workflow_id, people)
    with caplog.at_level(logging.INFO, "ghl_desktop.services.workflows.engine.executor"):
        summary = run_due(rt.uows)
    assert "fell back" not in caplog.text
    assert summary.completed == 6 * 3
    rows = outbox_rows(rt)
    assert sorted(r.payload["to"] for r in rows) == sorted(f"p{i}@example.com" for i in range(6))
    for contact_id in people:
        [run] = contact_executions(rt.uows, t.owner, sub, contact_id)
        assert run.summary.status == "completed"
        assert [s.status for s in run.steps] == ["completed"] * 3
        assert run.steps[0].result["outbox_id"] in {r.id for r in rows}
        assert run.steps[1].decisions[0]["actual"] is None
        assert run.steps[1].branch == "no"


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "savepoints"])
@pytest.mark.parametrize("command", ["cancel", "pause"])
def test_a_pause_or_cancel_committed_during_a_batch_is_kept(
    pg_runtime, monkeypatch, batched, command
) -> None:
    # PostgreSQL reads the batch's runs without a lock: a user's pause or cancel may commit
    # while the batch runs. The batch used to write status = running back over it.
    from sqlalchemy import select

    from ghl_desktop.models.workflows import WorkflowExecution
    from ghl_desktop.services.workflows.engine import executor

    rt = pg_runtime
    t = make_tenant(rt)
    sub = t.sub_account_id
    two = chain(Node("add_tag", {"tag": "A"}), Node("add_tag", {"tag": "B"}))
    made = publish(rt, sub, "Two", two, [("manual", {})])
    ann = contacts.create_contact(rt.uows, t.owner, sub, {"first_name": "Ann"}).id
    [run_id] = control.enrol_contacts(rt.uows, t.owner, sub, made.workflow_id, [ann]).execution_ids
    original, acted = executor._still_ours, []

    def user_acts_meanwhile(uow, group):
        steps = original(uow, group)
        if not acted:
            acted.append(command)
            act = control.cancel_execution if command == "cancel" else control.pause_execution
            act(rt.uows, t.owner, sub, run_id)
        return steps

    monkeypatch.setattr(executor, "_still_ours", user_acts_meanwhile)
    if not batched:
        real = executor._run_group
        monkeypatch.setattr(
            executor, "_run_group",
            lambda uows, s, g, summary, **_kw: real(uows, s, g, summary, batched=False),
        )  # fmt: skip
    run_due(rt.uows, max_steps=1)
    monkeypatch.setattr(executor, "_still_ours", original)
    later = run_due(rt.uows)
    with rt.uows.system(read_only=True) as uow:
        status = uow.session.scalar(
            select(WorkflowExecution.status).where(WorkflowExecution.id == run_id)
        )
    assert str(status) == ("cancelled" if command == "cancel" else "paused")
    assert later.completed == 0
