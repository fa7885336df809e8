"""The Welcome Series end to end: a website lead gets the welcome email; a day later the
branch on "opened" sends the tips and tags Engaged, or the re-engagement email and Needs
Nurture."""

from __future__ import annotations

from datetime import timedelta

from ghl_desktop.services import contacts
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.workflows.engine import run_due
from ghl_desktop.services.workflows.engine.control import record_email_open
from ghl_desktop.services.workflows.engine.queries import contact_executions
from tests.integration.workflow_kit import outbox_rows, welcome_series


def _lead(rt, t, first: str, email: str, source: str = "website_form"):
    return contacts.create_contact(
        rt.uows, t.owner, t.sub_account_id,
        {"first_name": first, "email": email, "source": source},
    )  # fmt: skip


def _tags(rt, t, contact_id: str) -> set[str]:
    info = contacts.get_contact(rt.uows, t.owner, t.sub_account_id, contact_id)
    return {tag.name for tag in info.tags}


def test_welcome_series_end_to_end(any_runtime, clock) -> None:
    from tests.conftest import make_tenant

    rt = any_runtime
    t = make_tenant(rt)
    _definition, nodes = welcome_series(rt, t.sub_account_id)
    opener = _lead(rt, t, "Olive", "olive@example.com")
    ignorer = _lead(rt, t, "Ian", "ian@example.com")
    _lead(rt, t, "Walk", "walkin@example.com", source="walk_in")  # not a website lead

    run_due(rt.uows, clock)
    sent = outbox_rows(rt, t.sub_account_id)
    assert sorted(r.payload["to"] for r in sent) == ["ian@example.com", "olive@example.com"]
    assert {r.payload["subject"] for r in sent} == {"Welcome, Olive!", "Welcome, Ian!"}
    assert all(r.channel == "email" and r.source == "workflow" for r in sent)

    # Nothing more until the day is over, however often the scheduler ticks.
    clock.advance(timedelta(hours=23))
    assert run_due(rt.uows, clock).claimed == 0

    with rt.uows.tenant(SYSTEM, t.sub_account_id) as uow:
        assert record_email_open(uow, opener.id) == 1
        uow.commit()
    clock.advance(timedelta(hours=1))
    run_due(rt.uows, clock)

    subjects = {r.payload["to"]: r.payload["subject"] for r in outbox_rows(rt)[2:]}
    assert subjects == {"olive@example.com": "Product tips", "ian@example.com": "We miss you"}
    assert _tags(rt, t, opener.id) == {"Engaged"}
    assert _tags(rt, t, ignorer.id) == {"Needs Nurture"}

    [run] = contact_executions(rt.uows, t.owner, t.sub_account_id, opener.id)
    assert run.summary.status == "completed"
    assert run.path == tuple(nodes[k].id for k in ("welcome", "wait", "if", "tips", "engaged"))
    branch = next(s for s in run.steps if s.action_type == "if_else")
    assert branch.branch == "yes"
    assert branch.decisions == [
        {"field": "context.opened_email", "operator": "is_true", "value": None,
         "actual": True, "result": True}
    ]  # fmt: skip
    on_path = {n.action_id for n in run.tree if n.on_path}
    assert nodes["again"].id not in on_path
    assert nodes["tips"].id in on_path
    [other] = contact_executions(rt.uows, t.owner, t.sub_account_id, ignorer.id)
    assert [s.decisions[0]["actual"] for s in other.steps if s.action_type == "if_else"] == [None]
    # Running again sends nothing twice.
    assert run_due(rt.uows, clock).claimed == 0
    assert len(outbox_rows(rt)) == 4
