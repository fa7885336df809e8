"""Demo outbox (Location A): a few messages the app's scheduler sends on its first run, so the
Outbox screen shows each state - a welcome email for the sandbox mailbox, a follow-up queued
for tomorrow, a webhook to a host that never resolves (``.invalid``: retried with back-off) and
one to a private address (refused at once: a dead letter)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.services.demo.common import Location, exists, featured_contact, seed_locations
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.outbox import enqueue
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

KEY_PREFIX = "demo:outbox:"


def _build(uow: UnitOfWork, _location: Location) -> None:
    john = featured_contact(uow)
    now = uow.clock.now()
    name = john.first_name or "there"
    enqueue(
        uow, channel="email", idempotency_key=f"{KEY_PREFIX}welcome", contact_id=john.id,
        source="demo", payload={
            "to": john.email, "from": "hello@restaurant-a.example.com",
            "subject": f"Welcome to Restaurant A, {name}!",
            "body": f"Hi {name},\n\nThanks for joining us. Your first dessert is on the house."
                    "\n\nSee you soon,\nThe Restaurant A team",
        },
    )  # fmt: skip
    enqueue(
        uow, channel="email", idempotency_key=f"{KEY_PREFIX}follow-up", contact_id=john.id,
        source="demo", not_before=now + timedelta(days=1), payload={
            "to": john.email, "subject": "How was your visit?",
            "body": f"Hi {name}, we'd love to hear how your visit went.",
        },
    )  # fmt: skip
    enqueue(
        uow, channel="webhook", idempotency_key=f"{KEY_PREFIX}webhook-offline", source="demo",
        max_attempts=5, payload={
            "url": "https://hooks.example.invalid/crm/new-contact",
            "event_type": "contact.created", "data": {"contact_id": john.id},
        },
    )  # fmt: skip
    enqueue(
        uow, channel="webhook", idempotency_key=f"{KEY_PREFIX}webhook-private", source="demo",
        payload={
            "url": "http://192.168.1.20/hooks/pos", "event_type": "contact.created",
            "data": {"contact_id": john.id},
        },
    )  # fmt: skip


def seed_outbox(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows, ctx,
        lambda uow: exists(uow, select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key.startswith(KEY_PREFIX))),
        _build, main_only=True,
    )  # fmt: skip
