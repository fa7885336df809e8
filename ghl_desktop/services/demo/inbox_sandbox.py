"""Demo sandbox inbox: three threads on the offline sandbox channel of the main location, made
through the inbox's own services (inbound messages matched to contacts, replies queued in the
outbox), so a fresh install shows the whole round trip without any provider."""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.models.conversations import Channel, ChannelType
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.demo.common import FEATURED_EMAIL, Location, exists, seed_locations
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.inbox.ingest import InboundMessage, ingest
from ghl_desktop.services.inbox.sending import send_message
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

# (inbound, reply or None); {first} is the contact's first name.
THREADS = (
    ("Hi! Testing the new text line - is this the right number for bookings?",
     "Hi {first}, yes it is! Text us any time to book or change a table."),
    ("Can I pre-order the tasting menu for Saturday?",
     "Of course, {first}. How many guests, and any allergies we should know about?"),
    ("Do you have vegan desserts?", None),
)  # fmt: skip


def _build(uow: UnitOfWork, _location: Location) -> None:
    people = uow.session.scalars(
        select(Contact)
        .where(Contact.phone.is_not(None), Contact.email != FEATURED_EMAIL)
        .order_by(Contact.created_at, Contact.email)
        .limit(len(THREADS))
    ).all()
    for index, (contact, (question, reply)) in enumerate(zip(people, THREADS, strict=False)):
        assert contact.phone is not None
        sandbox = ChannelType.SANDBOX.value
        result = ingest(
            uow, InboundMessage(sandbox, f"demo-sandbox-{index}", contact.phone, None, question)
        )
        if reply is not None:
            send_message(
                uow, contact_id=result.contact_id, channel=sandbox,
                body=reply.format(first=contact.first_name or "there"),
                conversation_id=result.conversation_id,
            )  # fmt: skip


def seed_sandbox_inbox(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows, ctx,
        lambda uow: exists(uow, select(Channel.id).where(Channel.type == ChannelType.SANDBOX)),
        _build, main_only=True,
    )  # fmt: skip
