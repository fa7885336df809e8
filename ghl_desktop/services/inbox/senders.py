"""Who sent an inbound message: the sender's phone number (E.164) or email address, as the
contact columns store them."""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.services.contact_fields import normalise_contact_email, normalise_phone
from ghl_desktop.services.crm_common import phone_region
from ghl_desktop.services.uow import UnitOfWork


def sender_address(uow: UnitOfWork, kind: ChannelType, from_address: str) -> tuple[str, str, str]:
    """(field, normalised value, display name) of the sender: ``phone`` or ``email``."""
    raw = (from_address or "").strip()
    if not raw:
        raise ValidationError("from_address", "is required")
    if kind in (ChannelType.SMS, ChannelType.WHATSAPP) or (
        kind is ChannelType.SANDBOX and "@" not in raw
    ):
        if raw.startswith("whatsapp:"):
            raw = raw.removeprefix("whatsapp:")
        # Providers send E.164 already: only other forms need the sub-account's country.
        region = "US" if raw.startswith("+") else phone_region(uow)
        return "phone", _sender_phone(raw, region), ""
    name, address = parseaddr(raw)
    email = normalise_contact_email(address or raw, "from_address")
    if email is None:
        raise ValidationError("from_address", "is required")
    return "email", email, name.strip()


@lru_cache(maxsize=4096)
def _sender_phone(raw: str, region: str) -> str:
    """E.164 of a sender's number (remembered: the same numbers write again and again, and
    validating one costs more than storing its message). Invalid ones raise, uncached."""
    phone = normalise_phone(raw, region, "from_address")
    assert phone is not None
    return phone
