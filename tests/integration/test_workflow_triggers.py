"""Date reminders (a birthday or a date custom field, with an offset and a time of day in the
sub-account's zone; once per contact and date however often the scan runs) and the
opportunity trigger that waits N days in the stage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ghl_desktop.services import contacts
from ghl_desktop.services import custom_field_definitions as fields
from ghl_desktop.services.workflows.engine import fire_date_reminders, run_due
from ghl_desktop.services.workflows.engine.queries import workflow_executions
from tests.conftest import make_tenant
from tests.integration.workflow_kit import Node, outbox_rows, publish


def test_birthday_and_date_field_reminders(runtime, clock) -> None:
    t = make_tenant(runtime)
    sub = t.sub_account_id
    fields.create_custom_field(runtime.uows, t.owner, sub, label="Renewal", field_type="date")
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # UTC sub-account: before 09:00
    birthday = publish(runtime, sub, "Birthday", Node("send_email", {
        "subject": "Happy birthday {{contact.first_name}}", "body": "."}),
        [("date_reminder", {"date_field": "date_of_birth", "offset_days": -1,
                            "time_of_day": "09:00"})])  # fmt: skip
    renewal = publish(runtime, sub, "Renewal", Node("end"), [(
        "date_reminder", {"date_field": "custom_fields.renewal", "offset_days": 2})])  # fmt: skip
    person = contacts.create_contact
    ann = person(runtime.uows, t.owner, sub, {"first_name": "Ann", "email": "ann@example.com",
                                              "date_of_birth": date(1990, 3, 11)}).id  # fmt: skip
    person(runtime.uows, t.owner, sub, {"first_name": "Bob", "email": "bob@example.com",
                                        "date_of_birth": date(1985, 3, 12)})  # fmt: skip
    renews = {"first_name": "Cy", "email": "cy@example.com",
              "custom_fields": {"renewal": "2026-03-08"}}  # fmt: skip
    cy = person(runtime.uows, t.owner, sub, renews).id
    assert fire_date_reminders(runtime.uows) == 0  # 08:00: not yet
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    assert fire_date_reminders(runtime.uows) == 2  # Ann (birthday tomorrow) and Cy
    assert fire_date_reminders(runtime.uows) == 0  # the same day again: nobody twice
    runs = workflow_executions(runtime.uows, t.owner, sub, birthday.workflow_id)
    assert [r.contact_id for r in runs] == [ann]
    assert [r.contact_id for r in workflow_executions(runtime.uows, t.owner, sub,
                                                       renewal.workflow_id)] == [cy]  # fmt: skip
    run_due(runtime.uows)
    assert [r.payload["subject"] for r in outbox_rows(runtime)] == ["Happy birthday Ann"]


def test_days_in_stage_starts_late_and_exits_if_the_deal_moved(runtime, clock) -> None:
    from ghl_desktop.services.pipelines import opportunities, structure

    t = make_tenant(runtime)
    sub = t.sub_account_id
    pipeline = structure.create_pipeline(
        runtime.uows, t.owner, sub, "Sales",
        [structure.StageInput("New"), structure.StageInput("Proposal Sent")],
    )  # fmt: skip
    stages = {s.name: s.id for s in pipeline.stages}
    d = publish(runtime, sub, "Nudge", Node("send_email", {"subject": "Still thinking?",
                "body": "."}), [("opportunity_stage_changed", {
                    "to_stage_id": stages["Proposal Sent"], "days_in_stage": 3})])  # fmt: skip
    people = [contacts.create_contact(runtime.uows, t.owner, sub, {"first_name": n,
              "email": f"{n.lower()}@example.com"}).id for n in ("Dee", "Eli")]  # fmt: skip
    deals = [opportunities.create_opportunity(runtime.uows, t.owner, sub, contact_id=c,
             name=f"Deal {i}", pipeline_id=pipeline.id, stage_id=stages["New"]).id
             for i, c in enumerate(people)]  # fmt: skip
    for deal in deals:
        opportunities.move_opportunity(runtime.uows, t.owner, sub, deal, stages["Proposal Sent"])
    run_due(runtime.uows)
    assert outbox_rows(runtime) == []  # not before three days in the stage
    clock.advance(timedelta(days=1))
    opportunities.move_opportunity(runtime.uows, t.owner, sub, deals[1], stages["New"])
    clock.advance(timedelta(days=2))
    run_due(runtime.uows)
    assert [r.payload["to"] for r in outbox_rows(runtime)] == ["dee@example.com"]
    runs = {r.contact_id: r for r in workflow_executions(runtime.uows, t.owner, sub,
                                                          d.workflow_id)}  # fmt: skip
    assert runs[people[1]].status == "completed"
