"""The sandbox channel: a conversation partner that lives inside the app.

Outbound sandbox messages are kept by the outbox's sandbox provider (nothing leaves the
machine); ``simulate_inbound`` lets a user type the contact's answer in the GUI, which then
arrives exactly like a real inbound message (contact matching, keywords, events, workflows).
"""

from __future__ import annotations

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.inbox.channels import channel_type
from ghl_desktop.services.inbox.ingest import InboundMessage, InboundResult, ingest
from ghl_desktop.services.uow import UnitOfWorkFactory

MAX_BODY = 1600


def simulate_inbound(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, body: str,
    contact_id: str | None = None, from_address: str | None = None, channel: str = "sandbox",
) -> InboundResult:  # fmt: skip
    """Pretend a contact (by id, or a phone number / email address) wrote ``body``."""
    kind = channel_type(channel)
    text = (body or "").strip()
    if not text:
        raise ValidationError("body", "must not be empty")
    if len(text) > MAX_BODY:
        raise ValidationError("body", f"must be at most {MAX_BODY} characters")
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        if contact_id is not None:
            contact = load_contact(uow, contact_id)
            sender = contact.phone or contact.email
            if not sender:
                raise ValidationError(
                    "contact_id", "the contact has no phone or email to write from"
                )
        elif from_address:
            sender = from_address
        else:
            raise ValidationError("from_address", "give a contact or a phone number / email")
        result = ingest(uow, InboundMessage(kind.value, f"sim-{new_id()}", sender, None, text))
        uow.commit()
        return result
