"""Channel rows, contact addresses per channel type, and Do Not Disturb.

A sub-account may have several channels of one type (two SMS numbers); inbound messages pick
the one whose configured ``address`` received them, outbound ones the oldest active channel of
the type. A sub-account without any channel of a type gets a sandbox channel on first use, so a
fresh install works offline.

DND lives on the contact (the CRM's ``dnd_sms`` / ``dnd_email`` / ``dnd_whatsapp``). The
sandbox channel stands in for a phone line, so it honours ``dnd_sms``; webchat has no DND (the
visitor started the chat).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.conversations import Channel, ChannelType
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.uow import UnitOfWork

# Channels whose messages are plain text to a phone number (keywords and segments apply).
PHONE_CHANNELS = frozenset({ChannelType.SMS, ChannelType.WHATSAPP, ChannelType.SANDBOX})
INBOX_CHANNELS = (
    ChannelType.SMS,
    ChannelType.EMAIL,
    ChannelType.WHATSAPP,
    ChannelType.WEBCHAT,
    ChannelType.SANDBOX,
)
DND_FIELD = {
    ChannelType.SMS: "dnd_sms",
    ChannelType.SANDBOX: "dnd_sms",
    ChannelType.WHATSAPP: "dnd_whatsapp",
    ChannelType.EMAIL: "dnd_email",
}
DEFAULT_NAMES = {
    ChannelType.SMS: "SMS",
    ChannelType.EMAIL: "Email",
    ChannelType.WHATSAPP: "WhatsApp",
    ChannelType.WEBCHAT: "Webchat",
    ChannelType.SANDBOX: "Sandbox",
}


def channel_type(value: str | ChannelType) -> ChannelType:
    """The inbox channel type named by ``value``, or a ValidationError naming ``channel``."""
    try:
        kind = ChannelType(str(value).strip().lower())
    except ValueError:
        kind = None
    if kind not in INBOX_CHANNELS:
        names = ", ".join(c.value for c in INBOX_CHANNELS)
        raise ValidationError("channel", f"must be one of {names}, got {value!r}")
    assert kind is not None
    return kind


def outbox_channel(kind: ChannelType) -> str:
    """The outbox channel a message of this type travels on (the sandbox channel is SMS-like;
    its payload says ``provider: sandbox`` so it never reaches a real SMS provider)."""
    return "sms" if kind is ChannelType.SANDBOX else kind.value


def channel_address(channel: Channel) -> str:
    config = channel.config or {}
    return str(config.get("address") or config.get("phone_number") or "")


def resolve_channel(uow: UnitOfWork, kind: ChannelType, to_address: str | None = None) -> Channel:
    """The active channel of ``kind`` that owns ``to_address`` (when one is configured for it),
    else the oldest active channel of the type, else a new sandbox channel. Remembered for the
    unit of work (a batch of inbound messages asks once)."""
    cache: dict[tuple[ChannelType, str | None], Channel] = uow.session.info.setdefault(
        "inbox.channels", {}
    )
    key = (kind, _bare(to_address) if to_address else None)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _resolve_channel(uow, kind, to_address)
    return found


def _resolve_channel(uow: UnitOfWork, kind: ChannelType, to_address: str | None) -> Channel:
    channels = uow.session.scalars(
        select(Channel)
        .where(Channel.type == kind, Channel.is_active.is_(True))
        .order_by(Channel.created_at, Channel.id)
    ).all()
    if to_address:
        wanted = _bare(to_address)
        for channel in channels:
            if _bare(channel_address(channel)) == wanted:
                return channel
    if channels:
        return channels[0]
    return create_channel(uow, kind, provider="sandbox")


def create_channel(
    uow: UnitOfWork, kind: ChannelType, *, provider: str, name: str | None = None,
    config: Mapping[str, object] | None = None,
) -> Channel:  # fmt: skip
    base = name or DEFAULT_NAMES.get(kind, kind.value)
    label, n = base, 1
    while uow.session.scalar(select(Channel.id).where(Channel.name == label)) is not None:
        n += 1
        label = f"{base} {n}"
    now = uow.clock.now()
    channel = Channel(
        type=kind, provider=provider, name=label, config=dict(config or {}), is_active=True,
        created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(channel)
    uow.flush()
    return channel


def _bare(address: str) -> str:
    text = address.strip().lower()
    return text.removeprefix("whatsapp:")


def contact_address(contact: Contact, kind: ChannelType) -> str | None:
    """Where a message of ``kind`` goes for this contact, or None when it has no such address."""
    if kind in (ChannelType.SMS, ChannelType.WHATSAPP):
        return contact.phone
    if kind is ChannelType.EMAIL:
        return contact.email
    if kind is ChannelType.SANDBOX:
        return contact.phone or contact.email
    return contact.email or contact.id  # webchat: the visitor's session is keyed by contact


def is_dnd(contact: Contact, kind: ChannelType) -> bool:
    field = DND_FIELD.get(kind)
    return bool(field and getattr(contact, field))


def set_dnd(contact: Contact, kind: ChannelType, value: bool) -> str | None:
    """Set the contact's DND for ``kind``; returns the field name when it changed."""
    field = DND_FIELD.get(kind)
    if field is None or bool(getattr(contact, field)) == value:
        return None
    setattr(contact, field, value)
    return field
