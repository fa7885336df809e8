"""Demo workflows (Location A), as the description's "Workflow Tree Example" and "Trigger
Examples" show them:

* "Welcome Series" (trigger contact_created, source website_form): send welcome email -> wait
  1 day -> if opened email -> yes: send product tips -> add tag "Engaged"; no: send
  re-engagement email -> add tag "Needs Nurture";
* "Abandoned Cart" (opportunity_stage_changed to proposal_sent, 3 days in stage);
* "Re-engagement" (tag_added "inactive");
* "Form Follow-up" (form_submitted on the Lead Capture Form): confirmation email, a task for
  the sales team, tag "Lead - Website".

Every demo workflow is published through ``services.workflows.publishing`` (validated, version
1 snapshotted), so the runtime runs them as any other. Welcome Series also has executions on
version 1: finished runs down both branches, one waiting out its day, and the description's run
paused on the if/else with ``{"opened_email": true}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.models.marketing import EmailTemplate
from ghl_desktop.models.pipelines import Pipeline, PipelineStage
from ghl_desktop.models.sites import Form
from ghl_desktop.models.workflows import (
    ActionExecutionStatus,
    ActionType,
    ExecutionStatus,
    TriggerType,
    Workflow,
    WorkflowAction,
    WorkflowActionExecution,
    WorkflowExecution,
    WorkflowStatus,
    WorkflowTrigger,
    WorkflowVersion,
)
from ghl_desktop.services.demo import marketing
from ghl_desktop.services.demo.common import (
    NEW_LEAD_EMAIL,
    Location,
    demo_random,
    exists,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.demo.pipelines import PIPELINE_NAME
from ghl_desktop.services.demo.sites import LEAD_FORM
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows import publishing

WELCOME = "Welcome Series"
OPENED = {"field": "context.opened_email", "operator": "is_true"}
ENROL_DAYS = 30  # the Welcome Series went live this many days ago


@dataclass
class Step:
    type: ActionType
    name: str
    settings: dict[str, Any]
    branch: str | None = None
    children: list[Step] = field(default_factory=list)
    row: WorkflowAction | None = None


def _email(name: str, template: EmailTemplate, *children: Step, branch: str | None = None) -> Step:
    return Step(ActionType.SEND_EMAIL, name, {"template_id": template.id}, branch, list(children))


def _wait(days: int, *children: Step) -> Step:
    label = "Wait 1 Day" if days == 1 else f"Wait {days} Days"
    settings = {"mode": "duration", "amount": days, "unit": "days"}
    return Step(ActionType.WAIT, label, settings, None, list(children))


def _tag(add: bool, tag: str, branch: str | None = None) -> Step:
    kind = ActionType.ADD_TAG if add else ActionType.REMOVE_TAG
    verb = "Add" if add else "Remove"
    return Step(kind, f"{verb} Tag: {tag}", {"tag": tag}, branch)


def _if_opened(yes: Step, no: Step) -> Step:
    yes.branch, no.branch = "yes", "no"
    settings = {"conditions": [OPENED], "match": "all"}
    return Step(ActionType.IF_ELSE, "Opened Email?", settings, None, [yes, no])


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location) -> None:
        self.uow = uow
        self.session = uow.session
        self.location = location
        self.rng = demo_random("workflows", location)
        self.now = uow.clock.now().replace(microsecond=0)
        names = list(marketing.EMAIL_TEMPLATES)
        rows = self.session.scalars(select(EmailTemplate).where(EmailTemplate.name.in_(names)))
        self.templates = {t.name: t for t in rows}

    def workflow(
        self, name: str, folder: str, trigger: TriggerType, conditions: dict[str, Any],
        root: Step, description: str,
    ) -> Workflow:  # fmt: skip
        created = self.now - timedelta(days=ENROL_DAYS + 2)
        workflow = Workflow(
            id=new_id(), name=name, folder=folder, status=WorkflowStatus.DRAFT, version=0,
            description=description, created_at=created, updated_at=created,
        )  # fmt: skip
        self.session.add(workflow)
        self.session.flush()
        self.session.add(
            WorkflowTrigger(workflow_id=workflow.id, type=trigger, conditions=conditions)
        )
        # Breadth first, so the ids (time-ordered) number the steps as the description does.
        level: list[tuple[Step, str | None, int]] = [(root, None, 0)]
        while level:
            for step, parent_id, position in level:
                step.row = WorkflowAction(
                    id=new_id(), workflow_id=workflow.id, parent_action_id=parent_id,
                    branch=step.branch, type=step.type, name=step.name, settings=step.settings,
                    position=position,
                )  # fmt: skip
                self.session.add(step.row)
            self.session.flush()  # children reference these rows
            level = [
                (child, step.row.id, position)
                for step, _parent, _position in level
                if step.row is not None
                for position, child in enumerate(step.children)
            ]
        # Published like any workflow (validated, snapshotted), on the day it was created.
        version = publishing.publish(self.uow, workflow.id)
        snapshot = self.session.scalar(
            select(WorkflowVersion).where(
                WorkflowVersion.workflow_id == workflow.id, WorkflowVersion.version == version
            )
        )
        assert snapshot is not None
        snapshot.published_at = snapshot.created_at = snapshot.updated_at = created
        workflow.updated_at = created
        return workflow

    def build(self) -> None:
        self.uow.require("workflows.manage")
        t = self.templates
        welcome_tree = _email(
            "Send Welcome Email", t[marketing.WELCOME_TEMPLATE],
            _wait(1, _if_opened(
                _email("Send Product Tips", t[marketing.TIPS_TEMPLATE], _tag(True, "Engaged")),
                _email("Send Re-engagement Email", t[marketing.REENGAGEMENT_TEMPLATE],
                       _tag(True, "Needs Nurture")),
            )),
        )  # fmt: skip
        welcome = self.workflow(
            WELCOME, "Onboarding", TriggerType.CONTACT_CREATED, {"source": "website_form"},
            welcome_tree, "Greets new website leads and sorts them by engagement.",
        )  # fmt: skip
        self._abandoned_cart()
        self.workflow(
            "Re-engagement", "Retention", TriggerType.TAG_ADDED, {"tag": "inactive"},
            _email("Send Re-engagement Email", t[marketing.REENGAGEMENT_TEMPLATE],
                   _wait(3, _if_opened(_tag(False, "inactive"), _tag(True, "Needs Nurture")))),
            "Wins back contacts tagged inactive.",
        )  # fmt: skip
        form = self.session.scalar(select(Form).where(Form.name == LEAD_FORM))
        assert form is not None, "the sites step creates the forms"
        task = {"title": "Call back the new website lead", "due_in_hours": 24,
                "assign_to": "contact_owner"}  # fmt: skip
        self.workflow(
            "Form Follow-up", "Lead handling", TriggerType.FORM_SUBMITTED, {"form_id": form.id},
            _email("Send confirmation email", t[marketing.CONFIRMATION_TEMPLATE],
                   Step(ActionType.CREATE_TASK, "Create task for sales team", task, None,
                        [_tag(True, "Lead - Website")])),
            "Confirms website enquiries and hands them to sales.",
        )  # fmt: skip
        _Enrolments(self, welcome, welcome_tree).run()

    def _abandoned_cart(self) -> None:
        stage = self.session.scalar(
            select(PipelineStage)
            .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
            .where(Pipeline.name == PIPELINE_NAME, PipelineStage.name == "Proposal Sent")
        )
        assert stage is not None, "the pipelines step creates the Proposal Sent stage"
        task = {"title": "Call about the proposal", "due_in_hours": 4,
                "assign_to": "opportunity_owner"}  # fmt: skip
        # The description's {"to_stage": "proposal_sent", "days_in_stage": 3}, by stage id.
        conditions = {"pipeline_id": stage.pipeline_id, "to_stage_id": stage.id, "days_in_stage": 3}
        self.workflow(
            "Abandoned Cart", "Sales", TriggerType.OPPORTUNITY_STAGE_CHANGED, conditions,
            _email("Send proposal follow-up", self.templates[marketing.PROPOSAL_TEMPLATE],
                   Step(ActionType.CREATE_TASK, "Create call task", task)),
            "Nudges proposals that sit for three days without an answer.",
        )  # fmt: skip


class _Enrolments:
    """Welcome Series runs of the website leads created since it went live."""

    def __init__(self, builder: _Builder, workflow: Workflow, tree: Step) -> None:
        self.b = builder
        self.workflow = workflow
        wait = tree.children[0]
        branch = wait.children[0]
        yes, no = branch.children
        self.path_head = [tree, wait, branch]
        self.tails = {True: [yes, yes.children[0]], False: [no, no.children[0]]}
        self.tags = {
            t.name: t.id
            for t in builder.session.scalars(
                select(Tag).where(Tag.name.in_(["Engaged", "Needs Nurture"]))
            )
        }
        self.rows: list[Any] = []

    def run(self) -> None:
        b = self.b
        since = b.now - timedelta(days=ENROL_DAYS)
        leads = list(
            b.session.scalars(
                select(Contact)
                .where(Contact.source == "website_form", Contact.created_at >= since)
                .order_by(Contact.created_at, Contact.email)
            )
        )
        for contact in leads:
            started = contact.created_at + timedelta(seconds=1)
            if contact.email == NEW_LEAD_EMAIL:
                # The description's run: a day after the welcome email, on the if/else.
                self._paused(contact, started)
            elif started + timedelta(days=1) > b.now:
                self._waiting(contact, started)
            else:
                self._finished(contact, started, opened=b.rng.random() < 0.6)
        b.session.flush()
        b.session.add_all(self.rows)

    def _execution(self, contact: Contact, started: datetime, **values: Any) -> WorkflowExecution:
        execution = WorkflowExecution(
            id=new_id(), workflow_id=self.workflow.id, workflow_version=self.workflow.version or 1,
            contact_id=contact.id, started_at=started, created_at=started, **values,
        )  # fmt: skip
        self.b.session.add(execution)
        return execution

    def _step(self, execution: WorkflowExecution, step: Step, **values: Any) -> None:
        assert step.row is not None
        key = f"{execution.id}:{step.row.id}" if step.type is ActionType.SEND_EMAIL else None
        self.rows.append(
            WorkflowActionExecution(
                workflow_execution_id=execution.id, workflow_action_id=step.row.id,
                action_type=step.type, idempotency_key=key, **values,
            )
        )  # fmt: skip

    def _done(self, execution: WorkflowExecution, step: Step, at: datetime, **result: Any) -> None:
        self._step(
            execution, step, status=ActionExecutionStatus.COMPLETED, started_at=at,
            completed_at=at + timedelta(seconds=5), attempts=1, result=result,
            created_at=at, updated_at=at,
        )  # fmt: skip

    def _finished(self, contact: Contact, started: datetime, opened: bool) -> None:
        day_later = started + timedelta(days=1)
        finished = day_later + timedelta(seconds=12)
        execution = self._execution(
            contact, started, status=ExecutionStatus.COMPLETED, finished_at=finished,
            context={"opened_email": opened, "click_count": 1 if opened else 0},
            updated_at=finished,
        )  # fmt: skip
        email, wait, branch = self.path_head
        self._done(execution, email, started)
        self._step(execution, wait, status=ActionExecutionStatus.COMPLETED, started_at=started,
                   scheduled_for=day_later, completed_at=day_later + timedelta(seconds=1),
                   attempts=1, created_at=started, updated_at=day_later)  # fmt: skip
        # What the engine records for an if/else: the branch and the values that decided it.
        decision = {**OPENED, "value": None, "actual": opened, "result": opened}
        self._done(execution, branch, day_later, branch="yes" if opened else "no",
                   decisions=[decision])  # fmt: skip
        for step in self.tails[opened]:
            self._done(execution, step, day_later + timedelta(seconds=6))
        tag = "Engaged" if opened else "Needs Nurture"
        self.rows.append(
            ContactTag(contact_id=contact.id, tag_id=self.tags[tag], created_at=finished)
        )

    def _waiting(self, contact: Contact, started: datetime) -> None:
        email, wait, _branch = self.path_head
        assert wait.row is not None
        execution = self._execution(
            contact, started, status=ExecutionStatus.WAITING, current_action_id=wait.row.id,
            updated_at=started,
        )  # fmt: skip
        self._done(execution, email, started)
        self._step(execution, wait, status=ActionExecutionStatus.PENDING,
                   scheduled_for=started + timedelta(days=1), created_at=started,
                   updated_at=started)  # fmt: skip

    def _paused(self, contact: Contact, started: datetime) -> None:
        """Started 09:00:00, email sent by 09:00:05, waited a day, now on the if/else."""
        email, wait, branch = self.path_head
        assert branch.row is not None
        day_later = started + timedelta(days=1)
        execution = self._execution(
            contact, started, status=ExecutionStatus.RUNNING, current_action_id=branch.row.id,
            context={"opened_email": True, "click_count": 2}, updated_at=day_later,
        )  # fmt: skip
        self._done(execution, email, started)
        self._step(execution, wait, status=ActionExecutionStatus.COMPLETED, started_at=started,
                   scheduled_for=day_later, completed_at=day_later + timedelta(seconds=1),
                   attempts=1, created_at=started, updated_at=day_later)  # fmt: skip
        self._step(execution, branch, status=ActionExecutionStatus.RUNNING,
                   started_at=day_later + timedelta(seconds=2), attempts=1,
                   created_at=day_later, updated_at=day_later)  # fmt: skip


def seed_workflows(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Workflow.id).where(Workflow.name == WELCOME)),
        lambda uow, location: _Builder(uow, location).build(),
        main_only=True,
    )
