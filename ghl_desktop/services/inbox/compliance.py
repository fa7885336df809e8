"""Opt-out compliance: STOP / START / HELP keywords and the DND check every send path makes.

Keywords follow the carriers' (and Twilio's) rules: the whole message, trimmed and
case-insensitive, is the keyword ("stop", "Stop!" count; "please stop texting" does not).
Only phone-like channels (SMS, WhatsApp, the sandbox) act on them.
"""

from __future__ import annotations

import enum
import re

from sqlalchemy import select

from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.inbox.channels import (
    DND_FIELD,
    PHONE_CHANNELS,
    channel_type,
    contact_address,
    is_dnd,
)
from ghl_desktop.services.uow import UnitOfWork


class Keyword(enum.StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})
_TRAILING = re.compile(r"[\s.!?]+$")


def keyword_of(body: str, kind: ChannelType) -> Keyword | None:
    if kind not in PHONE_CHANNELS:
        return None
    word = _TRAILING.sub("", (body or "").strip()).upper()
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def dnd_reason(kind: ChannelType) -> str:
    return f"the contact has Do Not Disturb on for {kind.value} ({DND_FIELD[kind]})"


def missing_address(contact: Contact, kind: ChannelType) -> str | None:
    if contact_address(contact, kind):
        return None
    what = "no email address" if kind is ChannelType.EMAIL else "no phone number"
    return f"the contact has {what} for {kind.value}"


def unreachable_reason(contact: Contact, kind: ChannelType) -> str | None:
    """Why a message of ``kind`` must not go to this contact, or None when it may."""
    if is_dnd(contact, kind):
        return dnd_reason(kind)
    return missing_address(contact, kind)


def is_contact_reachable(uow: UnitOfWork, contact_id: str, channel: str) -> bool:
    """May a message on ``channel`` go to this contact of the unit of work's sub-account now?
    False for DND, a missing address, or a contact that does not exist (here)."""
    contact = uow.session.scalar(select(Contact).where(Contact.id == contact_id))
    if contact is None:
        return False
    return unreachable_reason(contact, channel_type(channel)) is None
