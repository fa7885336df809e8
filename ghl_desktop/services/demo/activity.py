"""Demo follow-up work: tasks (done, overdue and upcoming) and notes on contacts, and the
description's activity-log example - John Carter, from 192.168.1.1, promotes John Doe from
lead (score 65) to customer (score 85). The log rows themselves come from the unit of work's
flush hook, like every other change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ghl_desktop.models.crm import Contact, LifecycleStage, Note, Task
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.demo.common import (
    FEATURED_EMAIL,
    LOCATION_A,
    Location,
    contacts_of,
    days_ago,
    demo_random,
    exists,
    pick,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

TASK_TITLES = (
    "Call back about the catering quote", "Send the private dining menu",
    "Confirm headcount for Friday's event", "Follow up on the proposal",
    "Ask for a Google review", "Check dietary requirements", "Send the invoice reminder",
    "Book the tasting session", "Share the holiday set menu", "Update contact details",
)  # fmt: skip
NOTE_BODIES = (
    "Prefers the window table; celebrates an anniversary in spring.",
    "Asked about vegan options for a team lunch of ~20.",
    "Very happy with the last event - potential referral source.",
    "Budget around $40/head for the holiday party.",
    "Decision maker is the office manager; call before 11am.",
    "Allergic to shellfish - flag on every booking.",
    "Interested in the loyalty programme; send details.",
    "Comparing us with CompetitorCo on price.",
    "Wants invoices sent to accounts@ rather than personal email.",
    "Regular on Tuesdays; knows the chef.",
)  # fmt: skip
COUNTS = {True: (40, 60), False: (10, 12)}  # (tasks, notes)
EXAMPLE_IP = "192.168.1.1"
EXAMPLE_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)


def _build(uow: UnitOfWork, location: Location) -> None:
    uow.require("contacts.write")
    rng = demo_random("activity", location)
    now = uow.clock.now().replace(microsecond=0)
    contacts = contacts_of(uow)
    tasks, notes = COUNTS[location.is_main]
    rows: list[Task | Note] = []
    for _ in range(tasks):
        contact = pick(rng, contacts)
        created = max(days_ago(now, rng, 0.5, 60), contact.created_at)
        due = created + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
        done = due < now and rng.random() < 0.7
        rows.append(
            Task(
                contact_id=contact.id, title=pick(rng, TASK_TITLES),
                description=f"Regarding {contact.full_name}" + (
                    f" at {contact.company}" if contact.company else ""),
                due_at=due, assigned_user_id=rng.choice(location.team),
                completed_at=min(due, now) - timedelta(hours=rng.randint(0, 20)) if done else None,
                created_at=created, updated_at=created,
            )
        )  # fmt: skip
    for _ in range(notes):
        contact = pick(rng, contacts)
        created = max(days_ago(now, rng, 0.1, 90), contact.created_at)
        rows.append(
            Note(contact_id=contact.id, author_user_id=rng.choice(location.team),
                 body=pick(rng, NOTE_BODIES), created_at=created, updated_at=created)
        )  # fmt: skip
    for task in rows:
        if isinstance(task, Task) and task.completed_at is not None:
            task.completed_at = max(task.completed_at, task.created_at)
    uow.session.add_all(rows)


def seed_tasks_and_notes(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(uows, ctx, lambda uow: exists(uow, select(Task.id)), _build)


def seed_activity_example(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    john_carter = Actor(ctx.users["john@restaurant.com"], "john@restaurant.com")
    actor = john_carter.with_request(EXAMPLE_IP, EXAMPLE_AGENT)
    with uows.tenant(actor, ctx.sub_accounts[LOCATION_A]) as uow:
        uow.require("contacts.write")
        contact = uow.session.scalar(select(Contact).where(Contact.email == FEATURED_EMAIL))
        if contact is None or contact.lifecycle_stage is LifecycleStage.CUSTOMER:
            return
        contact.lifecycle_stage = LifecycleStage.CUSTOMER
        contact.lead_score = 85
        contact.updated_at = uow.clock.now()
        uow.commit()
