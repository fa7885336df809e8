"""The runtime's rules: triggers and filters, version pinning, DND, waits, goals, re-entry and
loop protection, chains, pause/resume/cancel, manual and smart-list enrolment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound
from ghl_desktop.models.workflows import WorkflowExecution
from ghl_desktop.services import contacts, tags
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.smart_lists import service as smart_lists
from ghl_desktop.services.workflows.definition import ReentryPolicy
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.queries import contact_executions, workflow_executions
from tests.conftest import make_tenant
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish


@pytest.fixture
def w(runtime, clock):
    t = make_tenant(runtime)

    def person(first: str, **values):
        fields = {"first_name": first, "email": f"{first.lower()}@example.com", **values}
        return contacts.create_contact(runtime.uows, t.owner, t.sub_account_id, fields).id

    class World:
        rt, tenant, sub, owner, person_ = runtime, t, t.sub_account_id, t.owner, person

    World.clock = clock
    return World


def _runs(w, workflow_id: str):
    return workflow_executions(w.rt.uows, w.owner, w.sub, workflow_id)


def _tags(w, contact_id):
    return {x.name for x in contacts.get_contact(w.rt.uows, w.owner, w.sub, contact_id).tags}


def _email(subject: str, name: str = "") -> Node:
    return Node("send_email", {"subject": subject, "body": "Body"}, name or subject)


def test_tag_trigger_filter_and_version_pinning(w) -> None:
    d1 = publish(w.rt, w.sub, "VIP", chain(_email("v1 first"),
                 Node("wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
                 _email("v1 second")), [("tag_added", {"tag": "vip"})])  # fmt: skip
    ann = w.person_("Ann")
    tags.add_tags(w.rt.uows, w.owner, w.sub, [ann], ["Other"])
    assert _runs(w, d1.workflow_id) == []
    tags.add_tags(w.rt.uows, w.owner, w.sub, [ann], ["VIP"])
    run_due(w.rt.uows)
    # v2 is published while Ann waits: she finishes on v1; a new enrolment runs v2.
    publish(w.rt, w.sub, "VIP", chain(_email("v2 only")), [("tag_added", {"tag": "vip"})],
            version=2, workflow_id=d1.workflow_id)  # fmt: skip
    w.clock.advance(timedelta(hours=1))
    run_due(w.rt.uows)
    bo = w.person_("Bo")
    tags.add_tags(w.rt.uows, w.owner, w.sub, [bo], ["VIP"])
    run_due(w.rt.uows)
    sent = [(r.payload["to"], r.payload["subject"]) for r in outbox_rows(w.rt)]
    assert sent == [("ann@example.com", "v1 first"), ("ann@example.com", "v1 second"),
                    ("bo@example.com", "v2 only")]  # fmt: skip
    assert sorted(r.workflow_version for r in _runs(w, d1.workflow_id)) == [1, 2]


def test_a_redelivered_event_enrols_once(w) -> None:
    d = publish(w.rt, w.sub, "New", _email("Hi"), [("contact_created", {})],
                reentry=ReentryPolicy(allow_reentry=True, max_enrolments=10))  # fmt: skip
    w.person_("Cy")
    # The bus's delivery row makes a second delivery a no-op; simulate a lost delivery row.
    with w.rt.uows.system() as uow:
        from ghl_desktop.models.system import DomainEventRecord, EventDelivery

        uow.session.execute(EventDelivery.__table__.delete())
        uow.session.execute(DomainEventRecord.__table__.update().values(dispatched_at=None))
        uow.commit()
    w.rt.bus.redispatch_pending()
    assert len(_runs(w, d.workflow_id)) == 1


def test_sends_respect_dnd_and_missing_addresses(w) -> None:
    d = publish(w.rt, w.sub, "Msg", chain(_email("Mail"),
                Node("send_sms", {"body": "Text {{contact.first_name}}"}, "SMS"),
                Node("add_tag", {"tag": "Done"})), [("manual", {})])  # fmt: skip
    quiet = w.person_("Quiet", dnd_email=True, phone="+14155552671")
    texter = w.person_("Tex", phone="+14155552672")
    control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [quiet, texter])
    run_due(w.rt.uows)
    sent = sorted((r.channel, r.payload["to"]) for r in outbox_rows(w.rt))
    assert sent == [("email", "tex@example.com"), ("sms", "+14155552671"),
                    ("sms", "+14155552672")]  # fmt: skip
    [run] = contact_executions(w.rt.uows, w.owner, w.sub, quiet)
    skipped = run.steps[0]
    assert skipped.status == "skipped"
    assert "DND" in skipped.result["skipped"]
    assert run.summary.status == "completed"
    assert _tags(w, quiet) == {"Done"}


def test_time_of_day_wait_uses_the_sub_account_zone(w, runtime) -> None:
    from ghl_desktop.models.tenancy import SubAccount

    with runtime.uows.system() as uow:
        uow.session.get(SubAccount, w.sub).timezone = "America/New_York"
        uow.commit()
    w.clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))  # Monday 15:00 in New York
    d = publish(w.rt, w.sub, "Morning", chain(
        Node("wait", {"mode": "time_of_day", "time": "09:00", "weekdays": ["wed"]}),
        _email("Good morning")), [("manual", {})])  # fmt: skip
    dee = w.person_("Dee")
    control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [dee])
    run_due(w.rt.uows)
    [run] = contact_executions(w.rt.uows, w.owner, w.sub, dee)
    assert run.steps[0].scheduled_for == datetime(2026, 1, 7, 14, 0, tzinfo=UTC)
    w.clock.set(datetime(2026, 1, 7, 13, 59, tzinfo=UTC))
    run_due(w.rt.uows)
    assert outbox_rows(w.rt) == []
    w.clock.set(datetime(2026, 1, 7, 14, 0, tzinfo=UTC))
    run_due(w.rt.uows)
    assert len(outbox_rows(w.rt)) == 1


def test_wait_until_event_resumes_or_times_out(w) -> None:
    wait = Node("wait", {"mode": "until_event", "event_type": "tag_added",
                         "event_filters": {"tag": "Booked"}, "timeout_amount": 2,
                         "timeout_unit": "days"})  # fmt: skip
    d = publish(w.rt, w.sub, "Book", chain(wait, Node("if_else", {"conditions": [
        {"field": f"steps.{wait.id}.ended_by", "operator": "equals", "value": "event"}]}),
    ), [("manual", {})])  # fmt: skip
    eve, fay = w.person_("Eve"), w.person_("Fay")
    control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [eve, fay])
    run_due(w.rt.uows)
    w.clock.advance(timedelta(hours=3))
    tags.add_tags(w.rt.uows, w.owner, w.sub, [eve], ["Booked"])
    run_due(w.rt.uows)
    [eve_run] = contact_executions(w.rt.uows, w.owner, w.sub, eve)
    assert eve_run.summary.status == "completed"
    assert eve_run.steps[0].result["ended_by"] == "event"
    assert eve_run.steps[1].branch == "yes"
    [fay_run] = contact_executions(w.rt.uows, w.owner, w.sub, fay)
    assert fay_run.summary.status == "waiting"
    w.clock.advance(timedelta(days=2))
    run_due(w.rt.uows)
    [fay_run] = contact_executions(w.rt.uows, w.owner, w.sub, fay)
    assert fay_run.steps[0].result["ended_by"] == "timeout"
    assert fay_run.steps[1].branch == "no"


def test_goal_event_exits_the_run(w) -> None:
    goal = Node("goal", {"event_type": "tag_added", "event_filters": {"tag": "Customer"}}, "Won")
    root = chain(_email("Day 0"), Node("wait", {"mode": "duration", "amount": 3,
                 "unit": "days"}), _email("Day 3"))  # fmt: skip
    # The goal is a second root: the event reaches it from anywhere in the run.
    d = publish(w.rt, w.sub, "Nurture", [root, goal], [("manual", {})])
    gus = w.person_("Gus")
    control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [gus])
    run_due(w.rt.uows)
    w.clock.advance(timedelta(days=1))
    tags.add_tags(w.rt.uows, w.owner, w.sub, [gus], ["Customer"])
    run_due(w.rt.uows)
    [run] = contact_executions(w.rt.uows, w.owner, w.sub, gus)
    assert run.summary.status == "completed"
    assert run.context["finished_because"] == "goal reached"
    assert [s.status for s in run.steps] == ["completed", "cancelled", "completed"]
    w.clock.advance(timedelta(days=3))
    run_due(w.rt.uows)
    assert [r.payload["subject"] for r in outbox_rows(w.rt)] == ["Day 0"]


def test_reentry_and_loop_protection(w) -> None:
    once = publish(w.rt, w.sub, "Once", Node("end"), [("manual", {})])
    loop = publish(w.rt, w.sub, "Loop", Node("end"), [("manual", {})],
                   reentry=ReentryPolicy(allow_reentry=True, max_enrolments=2,
                                         window_minutes=60))  # fmt: skip
    hal = w.person_("Hal")
    enrol = control.enrol_contacts
    assert enrol(w.rt.uows, w.owner, w.sub, once.workflow_id, [hal]).enrolled == 1
    refused = enrol(w.rt.uows, w.owner, w.sub, once.workflow_id, [hal])
    assert refused.enrolled == 0
    assert "re-entry is off" in next(iter(refused.refused))
    for _ in range(2):
        assert enrol(w.rt.uows, w.owner, w.sub, loop.workflow_id, [hal]).enrolled == 1
        w.clock.advance(timedelta(minutes=1))
    third = enrol(w.rt.uows, w.owner, w.sub, loop.workflow_id, [hal])
    assert third.enrolled == 0
    assert "loop protection" in next(iter(third.refused))
    refusals = [r for r in _runs(w, loop.workflow_id) if r.status == "cancelled"]
    assert len(refusals) == 1
    assert "loop protection" in (refusals[0].error or "")
    w.clock.advance(timedelta(minutes=60))
    assert enrol(w.rt.uows, w.owner, w.sub, loop.workflow_id, [hal]).enrolled == 1


def test_workflows_enrolling_each_other_stop_at_the_chain_depth(w) -> None:
    from ghl_desktop.core.ids import new_id

    a_id, b_id = new_id(), new_id()
    many = ReentryPolicy(allow_reentry=True, max_enrolments=100, window_minutes=1)
    publish(w.rt, w.sub, "A", Node("add_to_workflow", {"workflow_id": b_id}), [("manual", {})],
            reentry=many, workflow_id=a_id)  # fmt: skip
    publish(w.rt, w.sub, "B", Node("add_to_workflow", {"workflow_id": a_id}), [("manual", {})],
            reentry=many, workflow_id=b_id)  # fmt: skip
    ivy = w.person_("Ivy")
    control.enrol_contacts(w.rt.uows, w.owner, w.sub, a_id, [ivy])
    run_due(w.rt.uows)
    history = contact_executions(w.rt.uows, w.owner, w.sub, ivy)
    assert len(history) == 6  # depth 0..5
    deepest = max(history, key=lambda d: d.summary.started_at)
    with w.rt.uows.system(read_only=True) as uow:
        depths = sorted(uow.session.scalars(select(WorkflowExecution.chain_depth)))
    assert depths == [0, 1, 2, 3, 4, 5]
    stopped = [s for d in history for s in d.steps if s.status == "skipped"]
    assert len(stopped) == 1
    assert "chain of workflows" in stopped[0].result["skipped"]
    assert deepest.summary.status == "completed"


def test_pause_resume_cancel(w) -> None:
    d = publish(w.rt, w.sub, "Drip", chain(Node("wait", {"mode": "duration", "amount": 1,
                "unit": "days"}), _email("Later")), [("manual", {})])  # fmt: skip
    jo = w.person_("Jo")
    report = control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [jo])
    run_id = report.execution_ids[0]
    assert control.pause_execution(w.rt.uows, w.owner, w.sub, run_id) == "paused"
    w.clock.advance(timedelta(days=2))
    assert run_due(w.rt.uows).claimed == 0
    assert control.resume_execution(w.rt.uows, w.owner, w.sub, run_id) == "waiting"
    run_due(w.rt.uows)
    assert [r.payload["subject"] for r in outbox_rows(w.rt)] == ["Later"]
    with pytest.raises(Conflict):
        control.cancel_execution(w.rt.uows, w.owner, w.sub, run_id)
    second = control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [w.person_("Kim")])
    control.cancel_execution(w.rt.uows, w.owner, w.sub, second.execution_ids[0])
    w.clock.advance(timedelta(days=2))
    assert run_due(w.rt.uows).claimed == 0
    with pytest.raises(NotFound):
        control.pause_execution(w.rt.uows, w.owner, w.tenant.other_sub_account_id, run_id)


def test_enrol_a_smart_list_and_a_draft_is_refused(w) -> None:
    d = publish(w.rt, w.sub, "List", Node("end"), [("manual", {})])
    for name in ("Lu", "Max", "Ned"):
        w.person_(name, source="fair" if name != "Ned" else "web")
    saved = smart_lists.create_smart_list(
        w.rt.uows, w.owner, w.sub, "Fair", {"field": "source", "operator": "eq", "value": "fair"}
    )
    report = control.enrol_smart_list(w.rt.uows, w.owner, w.sub, d.workflow_id, saved.id)
    assert report.enrolled == 2
    with pytest.raises(NotFound):
        control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, ["no-such-contact"])
    from ghl_desktop.models.workflows import Workflow, WorkflowStatus

    with w.rt.uows.tenant(SYSTEM, w.sub) as uow:
        uow.session.get(Workflow, d.workflow_id).status = WorkflowStatus.DRAFT
        uow.commit()
    with pytest.raises(NotFound, match="published workflow"):
        control.enrol_contacts(w.rt.uows, w.owner, w.sub, d.workflow_id, [w.person_("Oz")])
