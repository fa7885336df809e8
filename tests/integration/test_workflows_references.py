"""Find references and broken references across workflows (draft and live versions)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import ContactCustomField, Tag
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.pipelines import Pipeline, PipelineStage
from ghl_desktop.services.workflows import authoring, draft_steps, publishing, references
from tests.integration.workflow_builders import welcome_in


def _rows(uses):
    return sorted((u.workflow_name, u.item_label, u.field, u.versions) for u in uses)


def test_find_references_in_triggers_steps_conditions_and_versions(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        publishing.publish(uow, w.workflow_id)
        uow.session.add(
            ContactCustomField(key="budget", label="Budget", field_type=CustomFieldType.NUMBER)
        )
        pipeline = Pipeline(name="Sales")
        uow.session.add(pipeline)
        uow.flush()
        stage = PipelineStage(pipeline_id=pipeline.id, name="Won", position=0)
        uow.session.add(stage)
        uow.flush()
        other = authoring.create_workflow(uow, "Engaged follow-up")
        draft_steps.add_trigger(uow, other, "tag_added", {"tag": "engaged"})
        draft_steps.add_action(
            uow,
            other,
            "if_else",
            name="Big budget?",
            settings={
                "conditions": [
                    {"field": "custom_fields.budget", "operator": "greater_than", "value": 500},
                    {"field": "tags", "operator": "not_has_tag", "value": "ENGAGED"},
                ],
            },
        )
        draft_steps.add_action(
            uow, other, "move_opportunity", name="To won", settings={"stage_id": stage.id}
        )
        draft_steps.add_action(
            uow,
            other,
            "wait",
            name="Until nurtured",
            settings={
                "mode": "until_event",
                "event_type": "tag_added",
                "event_filters": {"tag": "Needs Nurture"},
            },
        )
        # The live version of the Welcome Series still adds "Engaged"; the draft no longer.
        draft_steps.delete_action(uow, w.steps["engaged"])
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        engaged = references.find_references(uow, "tag", "Engaged")
        assert _rows(engaged) == [
            ("Engaged follow-up", "Big budget?", "conditions[1].value", ("draft",)),
            ("Engaged follow-up", "Tag added", "tag", ("draft",)),
            ("Welcome Series", "add_tag", "tag", ("live",)),
        ]
        assert {u.where for u in engaged} == {"trigger", "action"}
        nurture = references.find_references(uow, "tag", "needs nurture")
        assert _rows(nurture) == [
            ("Engaged follow-up", "Until nurtured", "event_filters.tag", ("draft",)),
            ("Welcome Series", "add_tag", "tag", ("draft", "live")),
        ]
        budget = references.find_references(uow, "custom_field", "budget")
        assert _rows(budget) == [
            ("Engaged follow-up", "Big budget?", "conditions[0].field", ("draft",))
        ]
        tips = references.find_references(uow, "email_template", w.templates["Tips"])
        assert [u.item_id for u in tips] == [w.steps["tips"]]
        assert [
            u.item_label for u in references.find_references(uow, "pipeline_stage", stage.id)
        ] == ["To won"]
        assert references.find_references(uow, "user", tenant.owner.user_id or "") == []
        with pytest.raises(ValidationError, match="kind"):
            references.find_references(uow, "colour", "red")


def test_broken_references_after_delete_and_rename(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        publishing.publish(uow, w.workflow_id)
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        assert references.broken_references(uow) == []
        tag = uow.session.scalar(select(Tag).where(Tag.name == "Needs Nurture"))
        assert tag is not None
        uow.session.delete(tag)
        engaged = uow.session.scalar(select(Tag).where(Tag.name == "Engaged"))
        assert engaged is not None
        engaged.name = "Hot"
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        broken = references.broken_references(uow, w.workflow_id)
        found = sorted((b.version, b.problem.item_id, b.problem.field) for b in broken)
        assert found == sorted(
            (version, w.steps[step], "tag")
            for version in ("draft", "live")
            for step in ("engaged", "nurture")
        )
        assert all(b.problem.broken_reference for b in broken)
        assert "renamed" in broken[0].problem.problem
    # A wait for a tag that no longer exists is flagged too.
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        draft_steps.add_action(
            uow,
            w.workflow_id,
            "wait",
            name="Until hot",
            settings={
                "mode": "until_event",
                "event_type": "tag_added",
                "event_filters": {"tag": "Gone"},
            },
        )
        problems = {
            (p.label, p.field): p.problem for p in publishing.check_draft(uow, w.workflow_id)
        }
        assert problems[("Until hot", "event_filters.tag")] == (
            "tag 'Gone' does not exist (deleted or renamed?)"
        )
    with runtime.uows.tenant(tenant.owner, tenant.other_sub_account_id, read_only=True) as uow:
        assert references.broken_references(uow) == []
        assert references.find_references(uow, "tag", "Hot") == []
