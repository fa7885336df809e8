"""Demo webhook (Location A): contact.created and opportunity.won to a Zapier catch hook, with
one successful delivery in its log.

The signing secret is not created: the runtime's secret store is out of reach of services, so
the webhook only names the entry (``secret_ref``) the owner fills in when connecting Zapier.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.integrations import Webhook, WebhookDeliveryStatus, WebhookLog
from ghl_desktop.services.demo.common import Location, exists, featured_contact, seed_locations
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

WEBHOOK_NAME = "Zapier: new contacts and won deals"
WEBHOOK_URL = "https://hooks.zapier.com/hooks/catch/123456/abcdef/"
EVENTS = ["contact.created", "opportunity.won"]


def _build(uow: UnitOfWork, _location: Location) -> None:
    uow.require("settings.manage")
    webhook_id = new_id()
    uow.session.add(
        Webhook(
            id=webhook_id, name=WEBHOOK_NAME, url=WEBHOOK_URL, events=list(EVENTS),
            secret_ref=f"webhooks/{webhook_id}/signing-secret",
        )
    )  # fmt: skip
    uow.session.flush()
    john = featured_contact(uow)
    delivered = john.created_at + timedelta(seconds=3)
    data = {
        "id": john.id, "first_name": john.first_name, "last_name": john.last_name,
        "email": john.email, "phone": john.phone, "company": john.company,
        "source": john.source,
    }  # fmt: skip
    uow.session.add(
        WebhookLog(
            webhook_id=webhook_id, event_type="contact.created",
            payload={"event": "contact.created", "data": data}, response_status=200,
            response_time_ms=234, status=WebhookDeliveryStatus.SUCCESS, attempt=1,
            created_at=delivered, updated_at=delivered,
        )
    )  # fmt: skip


def seed_integrations(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Webhook.id).where(Webhook.name == WEBHOOK_NAME)),
        _build,
        main_only=True,
    )
