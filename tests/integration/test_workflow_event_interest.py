"""The workflow subscriber's interest filter: events nothing can act on (no published workflow
with a trigger they fire, no live run of their contact) are marked dispatched without a
delivery each; the others still reach the handler and enrol or wake runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ghl_desktop.models.system import DomainEventRecord, EventDelivery
from ghl_desktop.services import contacts, tags
from ghl_desktop.services.contact_import.importer import import_contacts
from ghl_desktop.services.crm_events import ContactCreated, TagAdded
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.interest import interesting_events
from ghl_desktop.services.workflows.engine.queries import contact_executions, workflow_executions
from ghl_desktop.services.workflows.engine.signals import SUBSCRIBER
from tests.conftest import make_tenant
from tests.integration.workflow_kit import Node, publish

CSV = "First Name,Email\r\nAnn,ann@example.com\r\nBob,bob@example.com\r\n"


def _deliveries(rt) -> int:
    with rt.uows.system(read_only=True) as uow:
        return uow.session.scalar(
            select(func.count()).select_from(EventDelivery).where(
                EventDelivery.subscriber == SUBSCRIBER
            )
        )  # fmt: skip


def _undispatched(rt) -> int:
    with rt.uows.system(read_only=True) as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(DomainEventRecord)
            .where(DomainEventRecord.dispatched_at.is_(None))
        )


def test_events_without_listeners_are_dispatched_without_deliveries(runtime) -> None:
    t = make_tenant(runtime)
    result = import_contacts(runtime.uows, t.owner, t.sub_account_id, CSV, tags=["VIP"])
    assert result.created == 2
    assert _deliveries(runtime) == 0
    assert _undispatched(runtime) == 0

    # A published contact-created workflow makes the next contacts' events interesting.
    d = publish(runtime, t.sub_account_id, "Welcome", Node("end"), [("contact_created", {})])
    more = "First Name,Email\r\nCy,cy@example.com\r\n"
    import_contacts(runtime.uows, t.owner, t.sub_account_id, more)
    runs = workflow_executions(runtime.uows, t.owner, t.sub_account_id, d.workflow_id)
    assert len(runs) == 1
    assert _deliveries(runtime) == 1
    assert _undispatched(runtime) == 0


def test_a_live_run_keeps_its_contacts_events(runtime) -> None:
    t = make_tenant(runtime)
    sub = t.sub_account_id
    wait = Node("wait", {"mode": "until_event", "event_type": "tag_added",
                         "timeout_amount": 2, "timeout_unit": "days"})  # fmt: skip
    d = publish(runtime, sub, "Book", wait, [("manual", {})])
    waiting = contacts.create_contact(runtime.uows, t.owner, sub, {"first_name": "Eve"}).id
    idle = contacts.create_contact(runtime.uows, t.owner, sub, {"first_name": "Fay"}).id
    control.enrol_contacts(runtime.uows, t.owner, sub, d.workflow_id, [waiting])
    run_due(runtime.uows)
    events = [
        TagAdded(sub_account_id=sub, contact_id=c, tag_id="x", tag_name="Booked")
        for c in (waiting, idle)
    ] + [ContactCreated(sub_account_id=sub, contact_id=idle)]
    with runtime.uows.system(read_only=True) as uow:
        kept = interesting_events(events, uow)
    # Only the waiting contact's event: no published workflow is triggered by either kind.
    assert [e.contact_id for e in kept] == [waiting]

    runtime.clock.advance(timedelta(hours=1))
    tags.add_tags(runtime.uows, t.owner, sub, [waiting, idle], ["Booked"])
    run_due(runtime.uows)
    [run] = contact_executions(runtime.uows, t.owner, sub, waiting)
    assert run.steps[0].result["ended_by"] == "event"
    assert contact_executions(runtime.uows, t.owner, sub, idle) == []
