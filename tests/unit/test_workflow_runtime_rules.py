"""Pure rules of the workflow runtime: when a wait ends (zones, weekdays, DST, past dates) and
how if/else conditions read their facts and record the values that decided them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows.engine.conditions import Facts, evaluate
from ghl_desktop.services.workflows.engine.waits import plan_wait

BASE = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # a Friday


def test_duration_waits_count_from_the_base() -> None:
    plan = plan_wait({"mode": "duration", "amount": 2, "unit": "hours"}, BASE, "UTC")
    assert plan.due == BASE + timedelta(hours=2)
    assert plan.as_result() == {"wait": {"mode": "duration", "due": plan.due.isoformat()}}


def test_time_of_day_on_weekdays_in_the_zone_across_dst() -> None:
    # 09:00 New York on the next Monday; DST starts Sunday 8 March 2026 (UTC-5 -> UTC-4).
    plan = plan_wait({"mode": "time_of_day", "time": "09:00", "weekdays": ["mon"]}, BASE,
                     "America/New_York")  # fmt: skip
    assert plan.due == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    later_today = plan_wait({"mode": "time_of_day", "time": "18:30"}, BASE, "Europe/Paris")
    assert later_today.due == datetime(2026, 3, 6, 17, 30, tzinfo=UTC)


def test_until_a_past_moment_does_not_wait_and_bad_settings_name_the_field() -> None:
    assert plan_wait({"mode": "until_datetime", "until": "2020-01-01"}, BASE, "UTC").due == BASE
    until = plan_wait({"mode": "until_datetime", "until": "2026-04-01T08:00"}, BASE, "Asia/Tokyo")
    assert until.due == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="unit"):
        plan_wait({"mode": "duration", "amount": 1, "unit": "fortnights"}, BASE, "UTC")
    with pytest.raises(ValidationError, match="event_type"):
        plan_wait({"mode": "until_event"}, BASE, "UTC")
    with pytest.raises(ValidationError, match="time"):
        plan_wait({"mode": "time_of_day", "time": "noon"}, BASE, "UTC")


def test_until_event_is_due_at_its_timeout() -> None:
    plan = plan_wait({"mode": "until_event", "event_type": "tag_added",
                      "event_filters": {"tag": "VIP"}, "timeout_amount": 3,
                      "timeout_unit": "days"}, BASE, "UTC")  # fmt: skip
    assert plan.due == BASE + timedelta(days=3)
    assert plan.detail == {"event_type": "tag_added", "event_filters": {"tag": "VIP"}}


FACTS = Facts(
    contact={"source": "Website_Form", "lead_score": 42, "dnd_email": False, "city": ""},
    custom={"plan": "pro", "seats": 12},
    tags=frozenset({"vip", "lead"}),
    context={"opened_email": True, "trigger": {"form_id": "f1"}},
    steps={"a1": {"status": "completed", "branch": "no"}},
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "contact.source", "operator": "equals", "value": "website_form"}, True),
        ({"field": "contact.lead_score", "operator": "greater_than", "value": "40"}, True),
        ({"field": "contact.city", "operator": "is_empty"}, True),
        ({"field": "contact.dnd_email", "operator": "is_false"}, True),
        ({"field": "custom_fields.seats", "operator": "less_than", "value": 10}, False),
        ({"field": "custom_fields.plan", "operator": "starts_with", "value": "PR"}, True),
        ({"field": "tags", "operator": "has_tag", "value": "VIP"}, True),
        ({"field": "tags", "operator": "not_has_tag", "value": "customer"}, True),
        ({"field": "context.opened_email", "operator": "is_true"}, True),
        ({"field": "context.trigger.form_id", "operator": "equals", "value": "f1"}, True),
        ({"field": "steps.a1.branch", "operator": "equals", "value": "yes"}, False),
        ({"field": "context.missing", "operator": "is_true"}, False),
    ],
)
def test_conditions(condition: dict[str, object], expected: bool) -> None:
    passed, decisions = evaluate({"conditions": [condition]}, FACTS)
    assert passed is expected
    assert decisions[0]["result"] is expected
    assert decisions[0]["field"] == condition["field"]


def test_match_any_and_the_recorded_values() -> None:
    settings = {"match": "any", "conditions": [
        {"field": "custom_fields.plan", "operator": "equals", "value": "free"},
        {"field": "contact.lead_score", "operator": "greater_than", "value": 10}]}  # fmt: skip
    passed, decisions = evaluate(settings, FACTS)
    assert passed is True
    assert [(d["actual"], d["result"]) for d in decisions] == [("pro", False), (42, True)]
    with pytest.raises(ValidationError, match="field"):
        evaluate({"conditions": [{"field": "nowhere.x", "operator": "is_true"}]}, FACTS)
    with pytest.raises(ValidationError, match="conditions"):
        evaluate({"conditions": []}, FACTS)
