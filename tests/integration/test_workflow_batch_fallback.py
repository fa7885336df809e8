"""The executor runs a batch without a savepoint per step; a step that fails makes it roll the
batch back and run it again one step at a time: the failing step is recorded, the others
complete, and each send is queued once."""

from __future__ import annotations

import pytest

from ghl_desktop.services import contacts
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.queries import contact_executions
from tests.conftest import make_tenant
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish


@pytest.fixture
def world(runtime):
    t = make_tenant(runtime)

    def person(first: str, **values):
        fields = {"first_name": first, "email": f"{first.lower()}@example.com", **values}
        return contacts.create_contact(runtime.uows, t.owner, t.sub_account_id, fields).id

    return runtime, t, person


def test_a_failing_step_in_a_batch_leaves_the_others_done_and_sent_once(world) -> None:
    rt, t, person = world
    d = publish(rt, t.sub_account_id, "Fallback", chain(
        Node("send_email", {"subject": "Hi", "body": "Body"}, "Mail"),
        Node("send_sms", {"body": "{{contact.company}}"}, "SMS"),
        Node("add_tag", {"tag": "Done"})), [("manual", {})])  # fmt: skip
    good = [person(f"Good{i}", phone=f"+1415555260{i}", company="Acme") for i in range(3)]
    bad = person("Bad", phone="+14155552699")  # no company: the SMS body merges to nothing
    control.enrol_contacts(rt.uows, t.owner, t.sub_account_id, d.workflow_id, [*good, bad])
    summary = run_due(rt.uows)
    assert summary.outcomes["failed"] == 1
    sent = sorted((r.channel, r.payload["to"]) for r in outbox_rows(rt))
    assert sent.count(("sms", "+14155552699")) == 0
    assert [c for c, _ in sent].count("sms") == 3
    assert [c for c, _ in sent].count("email") == 4
    keys = [r.idempotency_key for r in outbox_rows(rt)]
    assert len(keys) == len(set(keys))
    [failed] = contact_executions(rt.uows, t.owner, t.sub_account_id, bad)
    assert failed.summary.status == "failed"
    for contact_id in good:
        [run] = contact_executions(rt.uows, t.owner, t.sub_account_id, contact_id)
        assert run.summary.status == "completed"
