"""One-click unsubscribe (RFC 8058) for marketing email.

The link carries a token ``<sub_account_id>.<contact_id>.<signature>`` signed with the
installation's funnel-server key, so it cannot be forged for another contact and needs no
table. Following it (GET shows a confirmation page, POST acts) turns the contact's email DND on.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.crm_events import ContactUpdated
from ghl_desktop.services.inbox.channels import set_dnd
from ghl_desktop.services.sites.signing import Signer
from ghl_desktop.services.uow import UnitOfWorkFactory

PATH = "/_email/unsubscribe"
_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TOKEN = re.compile(rf"^({_ID})\.({_ID})\.([A-Za-z0-9_-]{{16,64}})$")
PURPOSE = "email-unsubscribe"


def issue_token(signer: Signer, sub_account_id: str, contact_id: str) -> str:
    return f"{sub_account_id}.{contact_id}.{signer.sign(PURPOSE, sub_account_id, contact_id)}"


def read_token(signer: Signer, token: str) -> tuple[str, str] | None:
    """(sub_account_id, contact_id) of a genuine token, else None."""
    match = _TOKEN.match(token or "")
    if match is None:
        return None
    sub_account_id, contact_id, signature = match.groups()
    if not signer.verify(signature, PURPOSE, sub_account_id, contact_id):
        return None
    return sub_account_id, contact_id


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}?t={quote(token)}"


def unsubscribe(uows: UnitOfWorkFactory, sub_account_id: str, contact_id: str) -> bool:
    """Turn email DND on; True when it changed (a second click changes nothing)."""
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        contact = uow.session.get(Contact, contact_id)
        if contact is None:
            return False
        changed = set_dnd(contact, ChannelType.EMAIL, True)
        if changed is None:
            return False
        contact.updated_at = uow.clock.now()
        uow.record(
            ContactUpdated(
                sub_account_id=sub_account_id, contact_id=contact_id, changed_fields=(changed,)
            )
        )
        uow.commit()
        return True
