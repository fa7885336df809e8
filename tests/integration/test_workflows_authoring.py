"""Authoring workflows: the draft tree, publishing with validation, versions and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.crm import Tag
from ghl_desktop.models.marketing import EmailTemplate
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.models.workflows import Workflow, WorkflowAction, WorkflowVersion
from ghl_desktop.services import users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.workflows import authoring, draft_steps, publishing
from ghl_desktop.services.workflows.definition import load_published
from ghl_desktop.services.workflows.validation import WorkflowInvalid
from tests.conftest import TEST_PASSWORD
from tests.integration.workflow_builders import build_welcome, welcome_in


def _problems(uow, wid):
    return {(p.label, p.field): p.problem for p in publishing.check_draft(uow, wid)}


def test_build_publish_and_load_the_welcome_series(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        assert publishing.check_draft(uow, w.workflow_id) == []
        assert publishing.publish(uow, w.workflow_id, note="first") == 1
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        d = load_published(uow, w.workflow_id)
        assert d.version == 1
        assert d.name == "Welcome Series"
        assert [t.conditions for t in d.triggers] == [{"source": "website_form"}]
        first = d.first_step()
        assert first is not None
        assert first.id == w.steps["email"]
        assert d.next_step(w.steps["check"], "no").id == w.steps["nudge"]  # type: ignore[union-attr]
        [summary] = authoring.list_workflows(uow)
        assert (summary.status, summary.version, summary.published_version) == (
            "published",
            1,
            1,
        )
        assert summary.has_draft_changes is False
        assert summary.trigger_types == ("contact_created",)
        assert summary.step_count == 7
        assert summary.to_dict()["folder"] == "Onboarding"
        [info] = publishing.list_versions(uow, w.workflow_id)
        assert (info.version, info.is_live, info.note, info.step_count) == (1, True, "first", 7)
        assert info.published_by == "Owner"
        names = list(uow.session.scalars(select(DomainEventRecord.name)))
        assert "workflow.published" in names


def test_publish_refuses_and_names_step_and_field(runtime, tenant) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        wid = authoring.create_workflow(uow, "Broken")
        assert _problems(uow, wid) == {("Broken", "actions"): "has no steps"}
        email = draft_steps.add_action(uow, wid, "send_email", name="Hello")
        branch = draft_steps.add_action(uow, wid, "if_else", parent_action_id=email, name="Q")
        draft_steps.add_action(
            uow, wid, "add_tag", parent_action_id=branch, branch="yes", settings={"tag": "Ghost"}
        )
        end = draft_steps.add_action(uow, wid, "end")
        draft_steps.add_action(uow, wid, "create_note", name="Too late", settings={"body": "x"})
        draft_steps.add_action(
            uow,
            wid,
            "wait",
            parent_action_id=email,
            position=0,
            settings={"mode": "duration", "unit": "days"},
        )
        draft_steps.add_trigger(uow, wid, "form_submitted", {"form_id": "no-such-form"})
        problems = _problems(uow, wid)
        assert problems[("Hello", "template_id")] == "set one of template_id, body"
        assert problems[("Hello", "subject")] == "is required"
        assert problems[("Q", "conditions")] == "is required"
        assert problems[("add_tag", "tag")] == "tag 'Ghost' does not exist (deleted or renamed?)"
        assert problems[("wait", "amount")] == "is required"
        assert 'comes after "end"' in problems[("Too late", "position")]
        assert problems[("Form submitted", "form_id")] == (
            "form 'no-such-form' does not exist or was deleted"
        )
        with pytest.raises(WorkflowInvalid) as raised:
            publishing.publish(uow, wid)
        assert len(raised.value.problems) == len(problems)
        assert 'Step "Hello": template_id: set one of template_id, body' in str(raised.value)
        workflow = authoring.load_workflow(uow, wid)
        assert workflow.version == 0
        assert workflow.published_version is None
        with pytest.raises(ValidationError, match="ends the run"):
            draft_steps.add_action(uow, wid, "add_tag", parent_action_id=end)
        with pytest.raises(ValidationError, match="does not branch"):
            draft_steps.add_action(uow, wid, "add_tag", parent_action_id=email, branch="yes")
        with pytest.raises(ValidationError, match="branch yes or no"):
            draft_steps.add_action(uow, wid, "add_tag", parent_action_id=branch)
        with pytest.raises(ValidationError, match=r"settings\.colour"):
            draft_steps.add_action(uow, wid, "add_tag", settings={"colour": "red"})
        with pytest.raises(ValidationError, match="unknown trigger type"):
            draft_steps.add_trigger(uow, wid, "moon_phase")


def test_rows_written_behind_the_builder_are_flagged_unreachable(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.add(
            WorkflowAction(
                workflow_id=w.workflow_id,
                parent_action_id=w.steps["wait"],
                branch="yes",
                type="create_note",
                name="Stray",
                settings={"body": "x"},
                position=1,
            )
        )
        uow.flush()
        problems = _problems(uow, w.workflow_id)
        assert list(problems) == [("Stray", "position")]
        assert "does not branch" in problems[("Stray", "position")]


def test_condition_on_a_previous_step_must_run_before(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        good = {"field": f"steps.{w.steps['email']}.sent", "operator": "is_true"}
        later = {"field": f"steps.{w.steps['tips']}.sent", "operator": "is_true"}
        draft_steps.update_action(uow, w.steps["check"], settings={"conditions": [good, later]})
        problems = _problems(uow, w.workflow_id)
        assert problems == {
            ("Opened Email?", "conditions[1].field"): "refers to a step that does not run "
            "before this one"
        }


def test_versions_pin_and_restore(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        publishing.publish(uow, w.workflow_id)
        removed = draft_steps.delete_action(uow, w.steps["check"])
        assert removed == 5  # the if/else, both emails, both tags
        assert authoring.load_workflow(uow, w.workflow_id).has_draft_changes
        assert publishing.publish(uow, w.workflow_id) == 2
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        # An execution pinned to version 1 still finds the branch deleted from the draft.
        v1 = load_published(uow, w.workflow_id, 1)
        assert v1.action(w.steps["check"]).type == "if_else"
        assert len(load_published(uow, w.workflow_id).actions) == 2
        publishing.restore_version(uow, w.workflow_id, 1)
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        draft = authoring.draft_definition(uow, w.workflow_id)
        assert sorted(draft.actions, key=lambda a: a.id) == sorted(v1.actions, key=lambda a: a.id)
        assert draft.triggers == v1.triggers
        workflow = authoring.load_workflow(uow, w.workflow_id)
        assert workflow.published_version == 2
        assert workflow.has_draft_changes
        assert publishing.publish(uow, w.workflow_id) == 3
        assert [v.version for v in publishing.list_versions(uow, w.workflow_id)] == [3, 2, 1]
        with pytest.raises(NotFound):
            publishing.restore_version(uow, w.workflow_id, 9)
        publishing.unpublish(uow, w.workflow_id)
        with pytest.raises(NotFound):
            load_published(uow, w.workflow_id)
        assert load_published(uow, w.workflow_id, 3).version == 3
        uow.commit()


def test_reorder_move_rename_folders_settings_delete(runtime, tenant) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        wid = authoring.create_workflow(uow, "  Nurture   drip ", folder="Sales")
        a = draft_steps.add_action(uow, wid, "create_note", settings={"body": "a"})
        b = draft_steps.add_action(uow, wid, "create_note", settings={"body": "b"})
        c = draft_steps.add_action(uow, wid, "create_note", position=0, settings={"body": "c"})
        order = lambda: [x.id for x in authoring.draft_definition(uow, wid).roots()]  # noqa: E731
        assert order() == [c, a, b]
        draft_steps.move_action(uow, c, 2)
        assert order() == [a, b, c]
        draft_steps.delete_action(uow, b)
        assert order() == [a, c]
        assert [x.position for x in authoring.draft_definition(uow, wid).roots()] == [0, 1]
        authoring.rename_workflow(uow, wid, "Drip")
        authoring.move_to_folder(uow, wid, "Retention")
        other = authoring.create_workflow(uow, "Other", folder="Retention")
        assert authoring.list_folders(uow) == ["Retention"]
        assert authoring.rename_folder(uow, "Retention", "Keep") == 2
        assert [s.name for s in authoring.list_workflows(uow, folder="Keep")] == ["Drip", "Other"]
        authoring.update_settings(
            uow, wid, allow_reentry=True, max_enrolments=5, enrolment_window_minutes=10
        )
        reentry = authoring.draft_definition(uow, wid).reentry
        assert (reentry.allow_reentry, reentry.max_enrolments, reentry.window_minutes) == (
            True,
            5,
            10,
        )
        with pytest.raises(ValidationError, match="max_enrolments"):
            authoring.update_settings(uow, wid, max_enrolments=0)
        with pytest.raises(ValidationError, match="name: is required"):
            authoring.create_workflow(uow, "  ")
        token = authoring.webhook_token(uow, wid)
        assert authoring.find_by_webhook_token(uow, token) == (wid, tenant.sub_account_id)
        assert authoring.webhook_token(uow, wid) == token
        assert authoring.webhook_token(uow, wid, regenerate=True) != token
        authoring.delete_workflow(uow, other)
        assert [s.name for s in authoring.list_workflows(uow)] == ["Drip"]
        with pytest.raises(NotFound):
            authoring.load_workflow(uow, other)


def test_staff_may_look_but_not_build(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    info = users.create_user(
        runtime.uows,
        tenant.owner,
        tenant.agency_id,
        "staff@acme-agency.com",
        TEST_PASSWORD,
        role="staff",
        sub_account_id=tenant.sub_account_id,
    )
    staff = Actor(user_id=info.id, label="staff")
    with runtime.uows.tenant(staff, tenant.sub_account_id) as uow:
        assert [s.id for s in authoring.list_workflows(uow)] == [w.workflow_id]
        for attempt in (
            lambda: authoring.create_workflow(uow, "Mine"),
            lambda: publishing.publish(uow, w.workflow_id),
            lambda: draft_steps.delete_action(uow, w.steps["email"]),
            lambda: publishing.restore_version(uow, w.workflow_id, 1),
        ):
            with pytest.raises(PermissionDenied, match=r"workflows\.manage"):
                attempt()


def test_another_sub_account_sees_nothing(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        publishing.publish(uow, w.workflow_id)
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.other_sub_account_id) as uow:
        assert authoring.list_workflows(uow) == []
        with pytest.raises(NotFound):
            load_published(uow, w.workflow_id)
        with pytest.raises(NotFound):
            load_published(uow, w.workflow_id, 1)
        with pytest.raises(NotFound):
            draft_steps.update_action(uow, w.steps["email"], name="Hijack")
        with pytest.raises(NotFound):
            publishing.publish(uow, w.workflow_id)
        # A step here may not point at another sub-account's template or tag.
        wid = authoring.create_workflow(uow, "B")
        draft_steps.add_action(
            uow, wid, "send_email", settings={"template_id": w.templates["Welcome"]}
        )
        draft_steps.add_action(uow, wid, "add_tag", settings={"tag": "Engaged"})
        assert {p.field for p in publishing.check_draft(uow, wid)} == {"template_id", "tag"}
        draft_steps.add_action(uow, wid, "add_to_workflow", settings={"workflow_id": w.workflow_id})
        assert "workflow_id" in {p.field for p in publishing.check_draft(uow, wid)}
        assert uow.session.scalar(select(WorkflowVersion.id)) is None
        assert uow.session.scalar(select(Workflow.id).where(Workflow.id == w.workflow_id)) is None


def test_deleted_template_and_tag_block_the_next_publish(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        template = uow.session.get(EmailTemplate, w.templates["Tips"])
        assert template is not None
        template.deleted_at = uow.clock.now()
        tag = uow.session.scalar(select(Tag).where(Tag.name == "Engaged"))
        assert tag is not None
        tag.name = "Engaged Lead"
        uow.flush()
        assert _problems(uow, w.workflow_id) == {
            ("Send Product Tips", "template_id"): f"email template '{w.templates['Tips']}' "
            "does not exist or was deleted",
            ("add_tag", "tag"): "tag 'Engaged' does not exist (deleted or renamed?)",
        }


def test_build_welcome_helper_is_reusable(runtime, tenant) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        built = build_welcome(uow)
        assert len(built.steps) == 7


def test_relocate_a_step_and_duplicate_a_workflow(runtime, tenant) -> None:
    w = welcome_in(runtime, tenant)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        # Move the "Engaged" tag from the yes branch to the first level, first.
        draft_steps.relocate_action(
            uow, w.steps["engaged"], parent_action_id=None, branch=None, position=0
        )
        d = authoring.draft_definition(uow, w.workflow_id)
        assert [a.id for a in d.roots()] == [w.steps["engaged"], w.steps["email"]]
        assert d.children(w.steps["tips"]) == ()
        # Then under the if/else's "no" branch, after the re-engagement email.
        draft_steps.relocate_action(
            uow, w.steps["engaged"], parent_action_id=w.steps["check"], branch="no"
        )
        d = authoring.draft_definition(uow, w.workflow_id)
        assert [a.id for a in d.children(w.steps["check"], "no")] == [
            w.steps["nudge"],
            w.steps["engaged"],
        ]
        assert [a.position for a in d.roots()] == [0]
        with pytest.raises(ValidationError, match="under itself"):
            draft_steps.relocate_action(
                uow, w.steps["wait"], parent_action_id=w.steps["tips"], branch=None
            )
        with pytest.raises(ValidationError, match="branch yes or no"):
            draft_steps.relocate_action(
                uow, w.steps["engaged"], parent_action_id=w.steps["check"], branch=None
            )
        # A condition on a previous step follows the copy.
        email_sent = {"field": f"steps.{w.steps['email']}.sent", "operator": "is_true"}
        draft_steps.update_action(uow, w.steps["check"], settings={"conditions": [email_sent]})
        copy_id = draft_steps.duplicate_workflow(uow, w.workflow_id)
        copy = authoring.draft_definition(uow, copy_id)
        original = authoring.draft_definition(uow, w.workflow_id)
        assert copy.name == "Welcome Series (copy)"
        assert len(copy.actions) == len(original.actions) == 7
        assert not {a.id for a in copy.actions} & {a.id for a in original.actions}
        check = next(a for a in copy.actions if a.type == "if_else")
        [condition] = check.settings["conditions"]
        first = copy.first_step()
        assert first is not None
        assert condition["field"] == f"steps.{first.id}.sent"
        assert [t.conditions for t in copy.triggers] == [{"source": "website_form"}]
        assert publishing.check_draft(uow, copy_id) == []
        assert authoring.load_workflow(uow, copy_id).published_version is None
