"""The demo dataset: every example of the entity-relationship description, exactly, plus
realistic volume - created idempotently, resumable after an interruption, and deterministic
under a fixed clock."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import func, inspect, select, text

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.cli.main import main
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.ai import AiAgent, KnowledgeBase, TrainingData, TrainingKind
from ghl_desktop.models.calendars import (
    Appointment,
    AvailabilityKind,
    AvailabilityRule,
    Calendar,
    CalendarService,
    day_of_week,
)
from ghl_desktop.models.conversations import Conversation, Message, MessageDirection
from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, Note, Tag, Task
from ghl_desktop.models.integrations import AnalyticsEvent, Webhook, WebhookLog
from ghl_desktop.models.marketing import (
    Campaign,
    CampaignRecipient,
    EmailClick,
    EmailTemplate,
    RecipientStatus,
)
from ghl_desktop.models.payments import (
    Invoice,
    InvoiceLineItem,
    Price,
    Product,
    Subscription,
    SubscriptionStatus,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityCustomField,
    OpportunityStageHistory,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
    StageKind,
)
from ghl_desktop.models.sites import Form, FormSubmission, Funnel, Page
from ghl_desktop.models.system import ActivityLog
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
)
from ghl_desktop.services import auth, users
from ghl_desktop.services.demo import STEPS, DemoResult, create_demo, workflows
from ghl_desktop.services.demo.tenancy import seed_tenancy
from ghl_desktop.services.sites.analytics import funnel_stats
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import publishing
from ghl_desktop.services.workflows.authoring import draft_definition
from ghl_desktop.services.workflows.definition import load_published

LOCATION_A = "Restaurant Location A"
LOCATION_B = "Restaurant Location B"
STAGE_FIGURES = [
    # name, probability, kind, opportunities, total dollars
    ("New Lead", 10, StageKind.OPEN, 45, 234_000),
    ("Qualified", 25, StageKind.OPEN, 23, 567_000),
    ("Proposal Sent", 50, StageKind.OPEN, 12, 389_000),
    ("Negotiation", 75, StageKind.OPEN, 7, 456_000),
    ("Closed Won", 100, StageKind.WON, 34, 2_345_000),
]
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, DemoResult]]:
    """One demo for the read-only tests (building it takes a few seconds)."""
    folder = tmp_path_factory.mktemp("demo")
    rt = build_runtime(
        folder / "data",
        clock=FixedClock(),
        secrets=EncryptedFileSecretStore(folder / "secrets.enc"),
    )
    result = create_demo(rt.uows)
    yield rt, result
    rt.close()


def reader(rt: Runtime, result: DemoResult, location: str = LOCATION_A) -> UnitOfWork:
    owner = auth.actor_for_user(rt.uows, users.find_user_id(rt.uows, result.owner_email))
    return rt.uows.tenant(owner, result.sub_accounts[location], read_only=True)


def row_counts(rt: Runtime) -> dict[str, int]:
    with rt.database.reader.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def fingerprint(rt: Runtime, result: DemoResult) -> dict[str, Any]:
    """Values the demo derives from its seeded randomness and the clock (not ids)."""
    with reader(rt, result) as uow:
        s = uow.session
        return {
            "contacts": sorted(s.execute(select(Contact.email, Contact.lead_score)).all(), key=str),
            "opportunities": sorted(s.execute(select(Opportunity.name, Opportunity.value_minor,
                                                     Opportunity.created_at)).all(), key=str),
            "appointments": sorted(s.scalars(select(Appointment.start_at)).all()),
            "invoices": sorted(s.execute(select(Invoice.number, Invoice.total_minor)).all(),
                               key=str),
        }  # fmt: skip


# -- CRM ----------------------------------------------------------------------------------
def test_contacts_are_realistic_and_tagged(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    now = rt.clock.now()
    with reader(rt, result) as uow:
        contacts = uow.session.scalars(select(Contact)).all()
        assert len(contacts) >= 300
        emails = [c.email for c in contacts if c.email]
        assert len(emails) == len(set(emails))
        for c in contacts:
            assert c.first_name
            assert c.last_name
            assert c.email or c.phone
            if c.phone:
                assert phonenumbers.is_valid_number(phonenumbers.parse(c.phone))
            assert 0 <= c.lead_score <= 100
            assert now - timedelta(days=90) <= c.created_at <= now
        assert len({c.lifecycle_stage for c in contacts}) >= 5
        assert len({c.source for c in contacts}) >= 5
        assert sum(bool(c.company) for c in contacts) > 150

        tagged = dict(
            uow.session.execute(
                select(Tag.name, func.count(ContactTag.contact_id))
                .join(ContactTag, ContactTag.tag_id == Tag.id)
                .group_by(Tag.name)
            ).all()
        )
        assert tagged["VIP Customer"] >= 10
        assert tagged["Newsletter Subscriber"] >= 50

        size = uow.session.scalar(
            select(ContactCustomField).where(ContactCustomField.key == "company_size")
        )
        assert size is not None
        assert size.field_type == "select"
        assert size.options == ["1-10", "11-50", "51-200", "200+"]
        sizes = [c.custom_fields.get("company_size") for c in contacts]
        assert {s for s in sizes if s} == set(size.options)

        john = uow.session.scalar(select(Contact).where(Contact.email == "john@example.com"))
        assert john is not None
        assert (john.first_name, john.company) == ("John", "Acme Corp")
        assert john.custom_fields["company_size"] == "11-50"


def test_activity_log_shows_the_lifecycle_example(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        john = uow.session.scalar(select(Contact).where(Contact.email == "john@example.com"))
        assert john is not None
        log = uow.session.scalar(
            select(ActivityLog).where(
                ActivityLog.entity_id == john.id, ActivityLog.action == "updated"
            )
        )
        assert log is not None
        assert log.changes["lifecycle_stage"] == {"old": "lead", "new": "customer"}
        assert log.changes["lead_score"] == {"old": 65, "new": 85}
        assert log.ip_address == "192.168.1.1"
        assert log.user_agent.startswith("Mozilla/5.0")
        assert log.user_id == users.find_user_id(rt.uows, "john@restaurant.com")
        assert log.sub_account_id == result.sub_accounts[LOCATION_A]
        created = uow.session.scalar(
            select(func.count()).where(ActivityLog.sub_account_id == log.sub_account_id,
                                       ActivityLog.action == "created")
        )  # fmt: skip
        assert created
        assert created > 500


# -- pipelines ----------------------------------------------------------------------------
def test_sales_pipeline_has_the_description_figures(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        pipeline = uow.session.scalar(select(Pipeline).where(Pipeline.is_default))
        assert pipeline is not None
        assert pipeline.name == "Sales Pipeline"
        stages = [(s.name, s.probability, s.kind) for s in pipeline.stages]
        assert stages == [f[:3] for f in STAGE_FIGURES]
        count, total = func.count(Opportunity.id), func.sum(Opportunity.value_minor)
        figures = uow.session.execute(
            select(PipelineStage.name, count, total)
            .join(Opportunity, Opportunity.stage_id == PipelineStage.id)
            .where(PipelineStage.pipeline_id == pipeline.id)
            .group_by(PipelineStage.name)
        ).all()  # fmt: skip
        assert {name: (n, total) for name, n, total in figures} == {
            name: (n, dollars * 100) for name, _p, _k, n, dollars in STAGE_FIGURES
        }
        opportunities = uow.session.scalars(select(Opportunity)).all()
        assert {o.currency for o in opportunities} == {"USD"}
        won = {s.id for s in pipeline.stages if s.kind is StageKind.WON}
        for o in opportunities:
            assert (o.status is OpportunityStatus.WON) == (o.stage_id in won)
            assert (o.closed_at is not None) == (o.status is not OpportunityStatus.OPEN)
        lost = [o for o in opportunities if o.status is OpportunityStatus.LOST]
        assert lost
        assert all(o.lost_reason for o in lost)


def test_stage_history_durations(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        opp = uow.session.scalar(
            select(Opportunity).where(Opportunity.name == "Acme Corp — Annual catering contract")
        )
        assert opp is not None
        assert opp.custom_fields["deal_type"] == "New Business"
        assert opp.custom_fields["competitor"] == "CompetitorCo"
        history = uow.session.scalars(
            select(OpportunityStageHistory)
            .where(OpportunityStageHistory.opportunity_id == opp.id)
            .order_by(OpportunityStageHistory.changed_at)
        ).all()
        moves = [(h.from_stage_name, h.to_stage_name, h.duration_seconds) for h in history]
        assert moves == [
            ("", "New Lead", None),
            ("New Lead", "Qualified", 172_800),
            ("Qualified", "Proposal Sent", 86_400),
            ("Proposal Sent", "Negotiation", 259_200),
        ]
        assert opp.stage_entered_at == history[-1].changed_at

        # Every deal's history is consistent: durations are the gaps between its moves and it
        # ends in the deal's current stage.
        rows = uow.session.scalars(
            select(OpportunityStageHistory).order_by(
                OpportunityStageHistory.opportunity_id, OpportunityStageHistory.changed_at
            )
        ).all()
        by_deal: dict[str, list[OpportunityStageHistory]] = {}
        for row in rows:
            by_deal.setdefault(row.opportunity_id, []).append(row)
        deals = {o.id: o for o in uow.session.scalars(select(Opportunity))}
        assert set(by_deal) == set(deals)
        for deal_id, moves_of in by_deal.items():
            assert moves_of[-1].to_stage_id == deals[deal_id].stage_id
            for before, after in itertools.pairwise(moves_of):
                gap = (after.changed_at - before.changed_at).total_seconds()
                assert after.duration_seconds == gap
                assert after.from_stage_id == before.to_stage_id


def test_opportunity_custom_fields(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        fields = {f.key: f for f in uow.session.scalars(select(OpportunityCustomField))}
        assert fields["deal_type"].options == ["New Business", "Upsell", "Renewal"]
        assert (fields["competitor"].label, fields["competitor"].field_type) == (
            "Main Competitor", "text",
        )  # fmt: skip
        values = uow.session.scalars(select(Opportunity.custom_fields)).all()
        assert {v["deal_type"] for v in values} == set(fields["deal_type"].options)


# -- calendars ----------------------------------------------------------------------------
def test_johns_calendar_rules_and_christmas_override(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        calendar = uow.session.scalar(select(Calendar).where(Calendar.name == "John's Calendar"))
        assert calendar is not None
        assert calendar.owner_user_id == users.find_user_id(rt.uows, "john@restaurant.com")
        rules = uow.session.scalars(
            select(AvailabilityRule).where(AvailabilityRule.calendar_id == calendar.id)
        ).all()
        weekly = sorted(
            (r.day_of_week, r.start_time, r.end_time, r.timezone)
            for r in rules
            if r.kind is AvailabilityKind.WEEKLY
        )
        assert weekly == [
            (1, time(9), time(17), "America/New_York"),
            (2, time(9), time(17), "America/New_York"),
        ]
        overrides = [r for r in rules if r.kind is AvailabilityKind.OVERRIDE]
        assert len(overrides) == 1
        closed = overrides[0]
        assert closed.override_date == date(2026, 12, 25)  # the next one after 5 Jan 2026
        assert (closed.start_time, closed.end_time, closed.is_active) == (None, None, True)

        services = uow.session.scalars(select(CalendarService)).all()
        assert {s.name for s in services} >= {"Initial Consultation"}
        appointments = uow.session.scalars(
            select(Appointment)
            .where(Appointment.calendar_id == calendar.id)
            .order_by(Appointment.start_at)
        ).all()
        assert len(appointments) >= 20
        assert any(a.start_at > rt.clock.now() for a in appointments)
        for a in appointments:
            start, end = a.start_at.astimezone(NEW_YORK), a.end_at.astimezone(NEW_YORK)
            assert day_of_week(start.date()) in (1, 2)
            assert time(9) <= start.time()
            assert end.time() <= time(17)
            assert start.date() != closed.override_date
        for before, after in itertools.pairwise(appointments):
            assert before.end_at <= after.start_at


# -- workflows ----------------------------------------------------------------------------
def test_sales_team_round_robin_calendar(demo: tuple[Runtime, DemoResult]) -> None:
    from ghl_desktop.models.calendars import CalendarKind, CalendarTeamMember

    rt, result = demo
    with reader(rt, result) as uow:
        team = uow.session.scalar(select(Calendar).where(Calendar.kind == CalendarKind.TEAM))
        assert team is not None
        members = uow.session.scalars(
            select(CalendarTeamMember.user_id).where(CalendarTeamMember.calendar_id == team.id)
        ).all()
        assert len(members) == 2
        booked = uow.session.scalars(select(Appointment).where(Appointment.calendar_id == team.id))
        assignees = [a.assigned_user_id for a in booked]
        assert len(assignees) >= 5
        assert set(assignees) == set(members)  # shared out between both


def test_welcome_series_tree_and_triggers(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        welcome = s.scalar(select(Workflow).where(Workflow.name == "Welcome Series"))
        assert welcome is not None
        actions = s.scalars(
            select(WorkflowAction).where(WorkflowAction.workflow_id == welcome.id)
        ).all()
        # Ids are time-ordered: sorted, they number the steps [1]..[7] as the description.
        numbered = {a.id: n for n, a in enumerate(sorted(actions, key=lambda a: a.id), 1)}
        templates = {t.id: t.name for t in s.scalars(select(EmailTemplate))}
        shape = sorted(
            (
                numbered[a.id], a.type, numbered.get(a.parent_action_id or ""), a.branch,
                a.position, templates.get(a.settings.get("template_id", "")) or a.settings,
            )
            for a in actions
        )  # fmt: skip
        assert shape == [
            (1, ActionType.SEND_EMAIL, None, None, 0, "Welcome Email"),
            (2, ActionType.WAIT, 1, None, 0, {"mode": "duration", "amount": 1, "unit": "days"}),
            (3, ActionType.IF_ELSE, 2, None, 0, {"conditions": [workflows.OPENED], "match": "all"}),
            (4, ActionType.SEND_EMAIL, 3, "yes", 0, "Product Tips"),
            (5, ActionType.SEND_EMAIL, 3, "no", 1, "Re-engagement Email"),
            (6, ActionType.ADD_TAG, 4, None, 0, {"tag": "Engaged"}),
            (7, ActionType.ADD_TAG, 5, None, 0, {"tag": "Needs Nurture"}),
        ]

        triggers = s.execute(
            select(Workflow.name, WorkflowTrigger).join(
                WorkflowTrigger, WorkflowTrigger.workflow_id == Workflow.id
            )
        ).all()
        found = {name: (t.type, t.conditions, t.is_active) for name, t in triggers}
        assert found["Welcome Series"] == (
            TriggerType.CONTACT_CREATED, {"source": "website_form"}, True,
        )  # fmt: skip
        kind, conditions, active = found["Abandoned Cart"]
        assert kind == TriggerType.OPPORTUNITY_STAGE_CHANGED
        assert active
        assert conditions["days_in_stage"] == 3
        proposal = s.get(PipelineStage, conditions["to_stage_id"])
        assert proposal is not None
        assert proposal.name == "Proposal Sent"
        assert found["Re-engagement"] == (TriggerType.TAG_ADDED, {"tag": "inactive"}, True)
        lead_form = s.scalar(select(Form).where(Form.name == "Lead Capture Form"))
        assert lead_form is not None
        assert found["Form Follow-up"] == (
            TriggerType.FORM_SUBMITTED, {"form_id": lead_form.id}, True,
        )  # fmt: skip
        # Every email step sends a template that exists.
        sent = s.scalars(
            select(WorkflowAction).where(WorkflowAction.type == ActionType.SEND_EMAIL)
        ).all()
        assert all(a.settings["template_id"] in templates for a in sent)


def test_demo_workflows_are_published_version_one(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        rows = uow.session.scalars(select(Workflow).order_by(Workflow.name)).all()
        assert {w.name for w in rows} >= {"Welcome Series", "Abandoned Cart"}
        for workflow in rows:
            assert workflow.status == WorkflowStatus.PUBLISHED, workflow.name
            assert (workflow.version, workflow.published_version) == (1, 1), workflow.name
            assert not workflow.has_draft_changes
            live = load_published(uow, workflow.id)
            assert live.to_json() == draft_definition(uow, workflow.id).to_json() | {"version": 1}
        welcome = next(w for w in rows if w.name == "Welcome Series")
        live = load_published(uow, welcome.id)
        check = next(a for a in live.actions if a.type == ActionType.IF_ELSE)
        yes = live.next_step(check.id, "yes")
        assert yes is not None
        assert yes.name == "Send Product Tips"
        assert publishing.check_draft(uow, welcome.id) == []


def test_welcome_series_executions(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        executions = s.scalars(select(WorkflowExecution)).all()
        by_status = {e.status for e in executions}
        assert {ExecutionStatus.COMPLETED, ExecutionStatus.RUNNING} <= by_status
        paused = s.scalar(
            select(WorkflowExecution).where(WorkflowExecution.status == ExecutionStatus.RUNNING)
        )
        assert paused is not None
        assert paused.context == {"opened_email": True, "click_count": 2}
        current = s.get(WorkflowAction, paused.current_action_id)
        assert current is not None
        assert current.type == ActionType.IF_ELSE
        steps = s.scalars(
            select(WorkflowActionExecution)
            .where(WorkflowActionExecution.workflow_execution_id == paused.id)
            .order_by(WorkflowActionExecution.created_at, WorkflowActionExecution.action_type)
        ).all()
        assert [(x.action_type, x.status) for x in steps] == [
            (ActionType.SEND_EMAIL, ActionExecutionStatus.COMPLETED),
            (ActionType.WAIT, ActionExecutionStatus.COMPLETED),
            (ActionType.IF_ELSE, ActionExecutionStatus.RUNNING),
        ]
        email, wait, _branch = steps
        assert email.completed_at == email.started_at + timedelta(seconds=5)
        assert wait.scheduled_for == paused.started_at + timedelta(days=1)
        for done in s.scalars(
            select(WorkflowExecution).where(WorkflowExecution.status == ExecutionStatus.COMPLETED)
        ):
            assert done.finished_at is not None
            assert done.finished_at <= rt.clock.now()


# -- marketing ----------------------------------------------------------------------------
def test_templates_and_campaign(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        template = s.scalar(
            select(EmailTemplate).where(EmailTemplate.name == "Feature Announcement")
        )
        assert template is not None
        assert template.subject == "Hi {{first_name}}, check out our new features!"
        assert template.variables == [
            {"name": "first_name", "default": "there"},
            {"name": "company_name", "default": "your company"},
        ]
        campaign = s.scalar(select(Campaign).where(Campaign.email_template_id == template.id))
        assert campaign is not None
        statuses = s.scalars(
            select(CampaignRecipient.status).where(CampaignRecipient.campaign_id == campaign.id)
        ).all()
        assert campaign.recipients_count == len(statuses) > 50
        assert campaign.clicked_count == statuses.count(RecipientStatus.CLICKED) > 0
        assert campaign.bounced_count == statuses.count(RecipientStatus.BOUNCED)
        john = s.scalar(
            select(CampaignRecipient).where(CampaignRecipient.address == "john@example.com")
        )
        assert john is not None
        assert (john.open_count, john.click_count) == (3, 2)
        clicks = s.scalars(
            select(EmailClick.url).where(EmailClick.recipient_id == john.id)
            .order_by(EmailClick.clicked_at)
        ).all()  # fmt: skip
        assert clicks == ["/product-1", "/pricing"]


# -- payments -----------------------------------------------------------------------------
def test_products_subscriptions_and_invoices(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        prices = s.execute(
            select(Product.name, Price.amount_minor, Price.billing_period, Price.trial_days)
            .join(Price, Price.product_id == Product.id)
        ).all()  # fmt: skip
        assert set(prices) == {
            ("SaaS Platform", 2_900, "month", 0),
            ("SaaS Platform", 29_000, "year", 14),
            ("Extra Users", 500, "month", 0),
        }
        trial = s.scalar(
            select(Subscription).where(Subscription.status == SubscriptionStatus.TRIALING)
        )
        assert trial is not None
        assert trial.trial_start
        assert trial.trial_end
        assert trial.trial_end - trial.trial_start == timedelta(days=14)

        invoices = s.scalars(select(Invoice)).all()
        assert len(invoices) >= 5
        for invoice in invoices:
            lines = invoice.line_items
            assert lines
            assert invoice.number
            assert invoice.number.startswith("INV-")
            assert invoice.subtotal_minor == sum(li.quantity * li.unit_amount_minor for li in lines)
            assert invoice.tax_minor == sum(li.tax_minor for li in lines)
            assert invoice.discount_minor == sum(li.discount_minor for li in lines)
            assert invoice.total_minor == (
                invoice.subtotal_minor + invoice.tax_minor - invoice.discount_minor
            )

        payment = s.scalar(
            select(Transaction).where(Transaction.gateway_transaction_id == "ch_abc123")
        )
        assert payment is not None
        assert (payment.type, payment.status) == (
            TransactionType.PAYMENT, TransactionStatus.SUCCEEDED,
        )  # fmt: skip
        invoice = s.get(Invoice, payment.invoice_id)
        assert invoice is not None
        assert payment.amount_minor == invoice.total_minor == 7_452
        described = [
            (li.description, li.quantity, li.unit_amount_minor) for li in invoice.line_items
        ]
        assert described == [
            ("SaaS Platform - Monthly", 1, 2_900),
            ("Extra Users (10)", 10, 500),
        ]  # fmt: skip
        paid = s.scalars(select(Invoice).where(Invoice.status == "paid")).all()
        settled = s.scalars(select(Transaction.invoice_id)).all()
        assert {i.id for i in paid} == set(settled)
        # No line outside an invoice: the stored lines are exactly the invoices' subtotals.
        all_lines = s.scalar(select(func.sum(InvoiceLineItem.amount_minor)))
        assert all_lines == sum(i.subtotal_minor for i in invoices)


# -- sites and analytics ------------------------------------------------------------------
def test_product_launch_funnel(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        funnel = s.scalar(select(Funnel).where(Funnel.name == "Product Launch Funnel"))
        assert funnel is not None
        assert funnel.is_published
        forms = {f.id: f.name for f in s.scalars(select(Form))}
        pages = []
        for page in funnel.pages:
            form_blocks = [b["props"]["form_id"] for b in page.builder_json["blocks"]
                           if b["type"] == "form"]  # fmt: skip
            pages.append(("/" + page.slug, page.page_type, [forms[f] for f in form_blocks]))
            assert page.published_version is not None
            assert page.published_version.builder_json == page.builder_json
        assert pages == [
            ("/", "landing", ["Lead Capture Form"]),
            ("/watch-demo", "standard", []),
            ("/pricing", "standard", ["Get Started Form"]),
            ("/thank-you", "thank_you", []),
        ]
        submissions = s.scalars(select(FormSubmission)).all()
        assert len(submissions) >= 10
        john = s.scalar(select(Contact).where(Contact.email == "john@example.com"))
        assert john is not None
        for sub in submissions:
            contact = s.get(Contact, sub.contact_id)
            page = s.get(Page, sub.page_id)
            assert contact is not None
            assert sub.data["email"] == contact.email
            assert page is not None
            assert sub.form_id in str(page.builder_json)
            assert sub.is_processed
        mine = [x for x in submissions if x.contact_id == john.id]
        assert [x.data["message"] for x in mine] == ["Interested in your service"]

        events = s.scalars(select(AnalyticsEvent)).all()
        assert {e.event_name for e in events} == {"page_viewed", "form_submitted"}
        assert all(e.session_id for e in events)
        journey = s.scalars(
            select(AnalyticsEvent).where(AnalyticsEvent.session_id == "sess-abc123")
            .order_by(AnalyticsEvent.created_at)
        ).all()  # fmt: skip
        assert [(e.event_name, e.properties.get("page_url")) for e in journey] == [
            ("page_viewed", "/"), ("page_viewed", "/pricing"), ("page_viewed", "/"),
            ("form_submitted", "/"),
        ]  # fmt: skip
        assert journey[1].properties["duration_seconds"] == 45
        submitted = sum(e.event_name == "form_submitted" for e in events)
        assert submitted == len(submissions)
        funnel_id = funnel.id
        by_page = {e.properties.get("page_url"): e.properties.get("page_id") for e in events}
        assert by_page == {"/" + p.slug: p.id for p in funnel.pages if p.slug != "thank-you"}

    # The funnel's statistics screen reads these events by funnel and page id.
    owner = auth.actor_for_user(rt.uows, users.find_user_id(rt.uows, result.owner_email))
    stats = funnel_stats(
        rt.uows, owner, result.sub_accounts[LOCATION_A], funnel_id,
        since=datetime(2000, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert stats.conversions == len(submissions)
    assert stats.unique_visitors >= len(submissions)
    assert [step.slug for step in stats.steps if step.views] == ["", "watch-demo", "pricing"]
    assert stats.steps[0].visitors == stats.unique_visitors


# -- AI, webhook, inbox --------------------------------------------------------------------
def test_customer_support_bot(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        s = uow.session
        agent = s.scalar(select(AiAgent).where(AiAgent.name == "Customer Support Bot"))
        assert agent is not None
        assert agent.personality == {"tone": "friendly", "style": "concise",
                                     "emoji_usage": "minimal"}  # fmt: skip
        assert agent.capabilities == [
            "answer_faq", "book_appointments", "qualify_leads", "escalate_to_human",
        ]  # fmt: skip
        assert agent.enabled_channels == ["sms", "webchat", "whatsapp"]
        kb = s.scalar(select(KnowledgeBase).where(KnowledgeBase.ai_agent_id == agent.id))
        assert kb is not None
        assert kb.name == "Product Documentation"
        entries = s.scalars(
            select(TrainingData).where(TrainingData.knowledge_base_id == kb.id)
        ).all()
        reset = next(e for e in entries if e.question == "How do I reset my password?")
        assert reset.kind is TrainingKind.QA
        assert reset.category == "Account Management"
        assert reset.answer
        assert reset.answer.startswith("Click 'Forgot Password'")
        assert reset.tags == ["password", "login", "security"]
        pricing = next(e for e in entries if e.category == "Pricing")
        assert pricing.content
        assert pricing.content.startswith("Our pricing starts at $29/month")
        # No embedder is reachable offline from services yet: entries wait to be embedded.
        assert {e.embedding_model for e in entries} == {None}


def test_webhook(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    with reader(rt, result) as uow:
        webhook = uow.session.scalar(select(Webhook))
        assert webhook is not None
        assert webhook.is_active
        assert webhook.events == ["contact.created", "opportunity.won"]
        assert webhook.secret_ref
        assert "whsec" not in webhook.secret_ref
        log = uow.session.scalar(select(WebhookLog).where(WebhookLog.webhook_id == webhook.id))
        assert log is not None
        assert (log.response_status, log.status) == (200, "success")


def test_inbox_threads_are_consistent(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    for location in (LOCATION_A, LOCATION_B):
        with reader(rt, result, location) as uow:
            s = uow.session
            conversations = s.scalars(select(Conversation)).all()
            assert len(conversations) >= 10
            for conv in conversations:
                messages = s.scalars(
                    select(Message).where(Message.conversation_id == conv.id)
                    .order_by(Message.created_at)
                ).all()  # fmt: skip
                assert messages
                assert conv.last_message_at == messages[-1].created_at
                unread = [
                    m
                    for m in messages
                    if m.direction is MessageDirection.INBOUND and m.read_at is None
                ]
                assert conv.unread_count == len(unread)  # fmt: skip
                assert all(m.created_at <= rt.clock.now() for m in messages)


def test_location_b_has_a_smaller_realistic_set(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    counts = {}
    for location in (LOCATION_A, LOCATION_B):
        with reader(rt, result, location) as uow:
            counts[location] = {
                model.__name__: uow.session.scalar(select(func.count()).select_from(model))
                for model in (Contact, Opportunity, Appointment, Conversation, Task, Note)
            }
    for name, b in counts[LOCATION_B].items():
        assert 0 < b < counts[LOCATION_A][name], name


# -- idempotency, resumption, determinism, CLI --------------------------------------------
def test_a_second_run_changes_nothing(runtime: Runtime, demo: tuple[Runtime, DemoResult]) -> None:
    first = create_demo(runtime.uows)
    assert first.created
    counts = row_counts(runtime)
    again = create_demo(runtime.uows)
    assert not again.created
    assert again.agency_id == first.agency_id
    assert row_counts(runtime) == counts
    # Each step also checks what exists on its own (the marker is not what stops it).
    ctx = seed_tenancy(runtime.uows)
    for step in STEPS:
        step(runtime.uows, ctx)
    assert row_counts(runtime) == counts
    # Same seed, same clock: the same data as the other demo.
    assert fingerprint(runtime, first) == fingerprint(*demo)


def test_an_interrupted_demo_is_completed_by_the_next_run(
    runtime: Runtime, demo: tuple[Runtime, DemoResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = workflows._Builder.build

    def crash_half_way(self: Any) -> None:
        built(self)  # everything added, nothing committed yet
        raise RuntimeError("power cut")

    monkeypatch.setattr(workflows._Builder, "build", crash_half_way)
    with pytest.raises(RuntimeError, match="power cut"):
        create_demo(runtime.uows)
    partial = row_counts(runtime)
    assert partial["contacts"] > 0
    assert partial["workflows"] == 0
    monkeypatch.undo()

    result = create_demo(runtime.uows)
    assert result.created
    complete = row_counts(runtime)
    assert complete == row_counts(demo[0])
    assert fingerprint(runtime, result) == fingerprint(*demo)


def test_cli_demo_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["created"] is True
    assert out["agency_name"] == "Digital Marketing Co"
    assert set(out["sub_accounts"]) == {LOCATION_A, LOCATION_B}
    assert main(["--data-dir", str(data_dir), "demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] is False


@pytest.mark.postgres
def test_demo_on_postgresql(pg_runtime: Runtime) -> None:
    result = create_demo(pg_runtime.uows)
    with reader(pg_runtime, result) as uow:
        totals = uow.session.execute(
            select(PipelineStage.name, func.sum(Opportunity.value_minor))
            .join(Opportunity, Opportunity.stage_id == PipelineStage.id)
            .group_by(PipelineStage.name)
        ).all()  # fmt: skip
    assert dict(totals) == {name: dollars * 100 for name, *_x, dollars in STAGE_FIGURES}
    counts = row_counts(pg_runtime)
    create_demo(pg_runtime.uows)
    assert row_counts(pg_runtime) == counts


def test_demo_dates_follow_the_clock(demo: tuple[Runtime, DemoResult]) -> None:
    rt, result = demo
    now = rt.clock.now()
    assert now == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    with reader(rt, result) as uow:
        newest = uow.session.scalar(select(func.max(Contact.created_at)))
        assert newest is not None
        assert now - timedelta(days=2) < newest <= now


def test_every_location_has_shared_smart_lists_that_match(
    demo: tuple[Runtime, DemoResult],
) -> None:
    from ghl_desktop.services.demo.crm import SMART_LISTS
    from ghl_desktop.services.smart_lists import service as smart_lists

    rt, result = demo
    staff = auth.actor_for_user(rt.uows, users.find_user_id(rt.uows, result.owner_email))
    for sub in result.sub_accounts.values():
        lists = smart_lists.list_smart_lists(rt.uows, staff, sub)
        assert [s.name for s in lists] == list(SMART_LISTS)
        assert all(s.is_shared for s in lists)
        counts = smart_lists.smart_list_counts(rt.uows, staff, sub)
        assert all(counts[s.id] > 0 for s in lists), counts
