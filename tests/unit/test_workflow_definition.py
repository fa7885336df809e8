"""WorkflowDefinition navigation, JSON round trip, registry specs and structure checks."""

from __future__ import annotations

import pytest

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.workflows import ActionType, TriggerType
from ghl_desktop.services.crm_events import ContactCreated, ContactUpdated, TagAdded
from ghl_desktop.services.sites.events import SurveySubmitted
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.definition import (
    ActionDef,
    ReentryPolicy,
    TriggerDef,
    WorkflowDefinition,
)
from ghl_desktop.services.workflows.fields import Reference
from ghl_desktop.services.workflows.validation import structure_problems


def _a(
    id_: str,
    parent: str | None,
    type_: str = "add_tag",
    branch: str | None = None,
    position: int = 0,
) -> ActionDef:
    return ActionDef(id_, parent, branch, type_, id_.upper(), {}, position)


def welcome() -> WorkflowDefinition:
    """email -> wait -> if/else (yes: tips -> engaged; no: nudge -> nurture), then a final
    first-level step "bye" after the email's subtree."""
    return WorkflowDefinition(
        workflow_id="w",
        version=3,
        name="Welcome",
        triggers=(TriggerDef("t1", "contact_created", {"source": "website_form"}),),
        actions=(
            _a("email", None, "send_email"),
            _a("bye", None, "create_note", position=1),
            _a("wait", "email", "wait"),
            _a("check", "wait", "if_else"),
            _a("nudge", "check", "send_email", "no"),
            _a("tips", "check", "send_email", "yes"),
            _a("engaged", "tips"),
            _a("nurture", "nudge"),
        ),
        reentry=ReentryPolicy(True, 2, 30),
    )


def test_navigation_follows_children_then_siblings_and_rejoins_after_branches() -> None:
    d = welcome()
    assert [a.id for a in d.roots()] == ["email", "bye"]
    assert d.first_step() == d.action("email")
    assert d.next_step("email").id == "wait"  # type: ignore[union-attr]
    assert d.next_step("wait").id == "check"  # type: ignore[union-attr]
    assert d.next_step("check", "yes").id == "tips"  # type: ignore[union-attr]
    assert d.next_step("check", "no").id == "nudge"  # type: ignore[union-attr]
    assert d.next_step("tips").id == "engaged"  # type: ignore[union-attr]
    # The yes branch is done: climb back to the first level and go on with "bye".
    assert d.next_step("engaged").id == "bye"  # type: ignore[union-attr]
    assert d.next_step("bye") is None
    assert d.next_sibling("email").id == "bye"  # type: ignore[union-attr]
    assert d.children("check", "yes") == (d.action("tips"),)
    with pytest.raises(NotFound):
        d.action("nope")


def test_walk_lists_every_step_depth_first() -> None:
    walked = [(depth, a.id) for depth, a in welcome().walk()]
    assert walked == [
        (0, "email"),
        (1, "wait"),
        (2, "check"),
        (3, "nudge"),
        (4, "nurture"),
        (3, "tips"),
        (4, "engaged"),
        (0, "bye"),
    ]


def test_terminal_steps_end_the_run() -> None:
    d = WorkflowDefinition("w", 1, "x", (), (_a("end", None, "end"), _a("b", None, position=1)))
    assert d.next_step("end") is None


def test_json_round_trip_and_unknown_format() -> None:
    d = welcome()
    again = WorkflowDefinition.from_json(d.to_json())
    assert again == d
    assert again.reentry == ReentryPolicy(True, 2, 30)
    with pytest.raises(ValueError, match="format"):
        WorkflowDefinition.from_json({**d.to_json(), "format": 99})


def test_registry_has_every_listed_trigger_and_action() -> None:
    assert {s.type for s in registry.trigger_specs()} == {t.value for t in TriggerType}
    assert {s.type for s in registry.action_specs()} == {a.value for a in ActionType}
    assert registry.action_spec("if_else").branch_labels == ("yes", "no")
    assert registry.action_spec("end").terminal
    assert registry.action_spec("goal").terminal
    with pytest.raises(ValidationError, match="unknown action type 'teleport'"):
        registry.action_spec("teleport")
    with pytest.raises(ValueError, match="already registered"):
        registry.register_action(registry.ActionSpec("wait", "Other wait", "Flow"))
    assert [s.type for s in registry.triggers_for_event("contact.updated")] == [
        "contact_updated",
        "custom_field_changed",
    ]


def test_trigger_filters_match_events() -> None:
    created = registry.trigger_spec("contact_created")
    event = ContactCreated(sub_account_id="s", contact_id="c", source="website_form", tags=("VIP",))
    assert created.matches({}, event)
    assert created.matches({"source": "Website_Form", "tag": "vip"}, event)
    assert not created.matches({"source": "import"}, event)
    assert not created.matches({"tag": "Gold"}, event)
    tag = registry.trigger_spec("tag_added")
    added = TagAdded(sub_account_id="s", contact_id="c", tag_id="t", tag_name="Inactive")
    assert tag.matches({"tag": "inactive"}, added)
    assert not tag.matches({"tag": "inactive"}, event)  # another event kind
    custom = registry.trigger_spec("custom_field_changed")
    changed = ContactUpdated(
        sub_account_id="s", contact_id="c", changed_fields=("custom_fields.score",)
    )
    plain = ContactUpdated(sub_account_id="s", contact_id="c", changed_fields=("email",))
    assert custom.matches({}, changed)
    assert not custom.matches({}, plain)
    assert custom.matches({"field_key": "score"}, changed)
    assert not custom.matches({"field_key": "budget"}, changed)
    survey = registry.trigger_spec("survey_submitted")
    scored = SurveySubmitted(
        sub_account_id="s", survey_id="v", response_id="r", contact_id="c", score=7
    )
    assert survey.matches({"min_score": 5}, scored)
    assert not survey.matches({"min_score": 8}, scored)
    # Plain mappings work too (dry runs), and engine-evaluated filters are left alone.
    stage = registry.trigger_spec("opportunity_stage_changed")
    moved = {"name": "opportunity.stage_changed", "to_stage_id": "s2", "pipeline_id": "p"}
    assert stage.matches({"to_stage_id": "s2", "days_in_stage": 3}, moved)
    assert not stage.matches({"to_stage_id": "s1"}, moved)


def test_settings_problems_and_references() -> None:
    email = registry.action_spec("send_email")
    assert ("template_id", "set one of template_id, body") in email.problems({})
    assert email.problems({"template_id": "t1"}) == []
    assert email.problems({"subject": "Hi", "body": "Hello"}) == []
    assert ("colour", "is not a setting of this step") in email.problems({"colour": "red"})
    wait = registry.action_spec("wait")
    assert ("amount", "is required") in wait.problems({"mode": "duration", "unit": "days"})
    assert ("time", "must be a time of day as HH:MM") in wait.problems(
        {"mode": "time_of_day", "time": "25:00"}
    )
    assert wait.problems({"mode": "until_event", "event_type": "tag_added"}) == []
    hook = registry.action_spec("webhook")
    assert hook.problems({"url": "https://example.com/hook"}) == []
    for bad in ("http://10.0.0.5/x", "http://169.254.169.254/", "http://localhost:8080/"):
        assert hook.problems({"url": bad})[0][0] == "url", bad
    branch = registry.action_spec("if_else")
    settings = {
        "conditions": [
            {"field": "tags", "operator": "has_tag", "value": "VIP"},
            {"field": "custom_fields.budget", "operator": "greater_than", "value": 100},
            {"field": "contact.email", "operator": "has_tag", "value": "x"},
        ]
    }
    problems = branch.problems(settings)
    assert problems == [
        ("conditions", "condition 3: operator has_tag needs the field tags"),
    ]
    assert branch.references(settings) == [
        Reference("tag", "VIP", "conditions[0].value"),
        Reference("custom_field", "budget", "conditions[1].field"),
    ]
    task = registry.action_spec("create_task")
    assert task.references({"title": "x", "assign_to": "contact_owner"}) == []
    assert task.references({"title": "x", "assign_to": "u1"}) == [
        Reference("user", "u1", "assign_to")
    ]


def test_structure_problems_name_unreachable_steps() -> None:
    d = WorkflowDefinition(
        "w",
        1,
        "x",
        (),
        (
            _a("root", None, "send_email"),
            _a("stray", "root", branch="yes"),  # a label under a step that does not branch
            _a("check", None, "if_else", position=1),
            _a("unlabelled", "check"),  # an if/else child without a branch
            _a("stop", None, "end", position=2),
            _a("after", None, position=3),  # after an end
            _a("under", "stop"),  # under an end
            _a("orphan", "gone"),
            _a("loop1", "loop2"),
            _a("loop2", "loop1"),
        ),
    )
    found = {p.item_id: p.problem for p in structure_problems(d)}
    assert set(found) == {"stray", "unlabelled", "after", "under", "orphan", "loop1", "loop2"}
    assert "does not branch" in found["stray"]
    assert "yes or no" in found["unlabelled"]
    assert "after" in found["after"]
    assert "ends the run" in found["under"]
    assert "parent step does not exist" in found["orphan"]
    assert "loop" in found["loop1"]
    assert all(p.field == "position" and p.label for p in structure_problems(d))
