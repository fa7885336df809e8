"""Twilio channel settings per sub-account: the account SID, the sender (a phone number or a
messaging service) in the channel's ``config``; the auth token in the secret store, never in
the database.

Configuring Twilio for SMS or WhatsApp creates (or updates) that sub-account's Twilio channel of
the type and deactivates its sandbox channel of the type, so new messages go through Twilio
while old sandbox threads keep their history.

Webhook addresses (set on the Twilio number / WhatsApp sender) are built from the funnel
server's public address: Twilio signs the exact URL it calls, and the server checks the
signature against the same address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.conversations import Channel, ChannelType
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_fields import normalise_phone
from ghl_desktop.services.inbox.channels import create_channel
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

PROVIDER = "twilio"
TWILIO_CHANNELS = (ChannelType.SMS, ChannelType.WHATSAPP)
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
WEBHOOK_PREFIX = "/_twilio"


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    # One of the two senders: a number (E.164) or a messaging service SID.
    from_number: str | None
    messaging_service_sid: str | None

    @property
    def sender(self) -> str:
        return self.from_number or self.messaging_service_sid or ""


@dataclass(frozen=True)
class TwilioChannel:
    channel_id: str
    sub_account_id: str
    kind: ChannelType
    credentials: TwilioCredentials


def token_key(sub_account_id: str) -> str:
    """The secret store key of a sub-account's Twilio auth token."""
    return f"twilio/{sub_account_id}/auth_token"


def inbound_url(base_url: str, sub_account_id: str) -> str:
    return f"{base_url.rstrip('/')}{WEBHOOK_PREFIX}/{sub_account_id}/inbound"


def status_url(base_url: str, sub_account_id: str) -> str:
    return f"{base_url.rstrip('/')}{WEBHOOK_PREFIX}/{sub_account_id}/status"


def _kind(value: str | ChannelType) -> ChannelType:
    try:
        kind = ChannelType(str(value))
    except ValueError:
        kind = None
    if kind not in TWILIO_CHANNELS:
        raise ValidationError("channel", f"Twilio serves sms or whatsapp, not {value!r}")
    assert kind is not None
    return kind


def validate_credentials(
    account_sid: str, auth_token: str, from_number: str | None, messaging_service_sid: str | None
) -> TwilioCredentials:
    sid = (account_sid or "").strip()
    if not ACCOUNT_SID.match(sid):
        raise ValidationError("account_sid", "must be AC followed by 32 hex digits")
    token = (auth_token or "").strip()
    if not re.fullmatch(r"[0-9a-fA-F]{32}", token):
        raise ValidationError("auth_token", "must be the 32 hex digits Twilio shows")
    number = None
    if from_number and from_number.strip():
        number = normalise_phone(from_number.strip().removeprefix("whatsapp:"), "US", "from_number")
    service = (messaging_service_sid or "").strip() or None
    if service is not None and not SERVICE_SID.match(service):
        raise ValidationError("messaging_service_sid", "must be MG followed by 32 hex digits")
    if number is None and service is None:
        raise ValidationError("from_number", "give a sender number or a messaging service SID")
    return TwilioCredentials(sid, token, number, service)


def configure_twilio(
    uows: UnitOfWorkFactory, secrets: SecretStore, actor: Actor, sub_account_id: str, *,
    channel: str, account_sid: str, auth_token: str, from_number: str | None = None,
    messaging_service_sid: str | None = None, name: str | None = None,
) -> TwilioChannel:  # fmt: skip
    """Save Twilio settings for the sub-account's SMS or WhatsApp channel."""
    kind = _kind(channel)
    creds = validate_credentials(account_sid, auth_token, from_number, messaging_service_sid)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        address = creds.from_number or ""
        if kind is ChannelType.WHATSAPP and address:
            address = f"whatsapp:{address}"
        config = {
            "account_sid": creds.account_sid, "address": address,
            "messaging_service_sid": creds.messaging_service_sid,
        }  # fmt: skip
        row = _twilio_channel(uow, kind)
        if row is None:
            label = name or ("SMS (Twilio)" if kind is ChannelType.SMS else "WhatsApp (Twilio)")
            row = create_channel(uow, kind, provider=PROVIDER, name=label, config=config)
        else:
            row.config = config
            row.is_active = True
            row.updated_at = uow.clock.now()
        for other in uow.session.scalars(
            select(Channel).where(Channel.type == kind, Channel.provider == "sandbox")
        ):
            other.is_active = False
        # The token is written last: a refused change leaves the old one in place.
        secrets.set(token_key(sub_account_id), creds.auth_token)
        uow.commit()
        return TwilioChannel(row.id, sub_account_id, kind, creds)


def _twilio_channel(uow: UnitOfWork, kind: ChannelType) -> Channel | None:
    return uow.session.scalar(
        select(Channel)
        .where(Channel.type == kind, Channel.provider == PROVIDER)
        .order_by(Channel.is_active.desc(), Channel.created_at)
        .limit(1)
    )


def credentials_of(channel: Channel, secrets: SecretStore) -> TwilioCredentials | None:
    """The credentials of a Twilio channel row, or None when its token is missing."""
    if channel.provider != PROVIDER:
        return None
    token = secrets.get(token_key(channel.sub_account_id))
    config = channel.config or {}
    if not token or not config.get("account_sid"):
        return None
    number = str(config.get("address") or "").removeprefix("whatsapp:") or None
    return TwilioCredentials(
        str(config["account_sid"]), token, number, config.get("messaging_service_sid") or None
    )


def active_twilio_channel(
    uows: UnitOfWorkFactory, secrets: SecretStore, sub_account_id: str, kind: ChannelType,
    channel_id: str | None = None,
) -> TwilioChannel | None:  # fmt: skip
    """The sub-account's Twilio channel of ``kind`` (or exactly ``channel_id``), with
    credentials, for the outbox and the webhooks (system scope: no user is acting)."""
    with uows.system(read_only=True) as uow:
        stmt = select(Channel).where(
            Channel.sub_account_id == sub_account_id, Channel.provider == PROVIDER
        )
        if channel_id is not None:
            stmt = stmt.where(Channel.id == channel_id)
        else:
            stmt = stmt.where(Channel.type == kind, Channel.is_active.is_(True))
        row = uow.session.scalars(stmt.order_by(Channel.created_at).limit(1)).first()
        if row is None:
            return None
        creds = credentials_of(row, secrets)
        if creds is None:
            return None
        return TwilioChannel(row.id, sub_account_id, ChannelType(row.type), creds)


def twilio_auth_token(secrets: SecretStore, sub_account_id: str) -> str:
    token = secrets.get(token_key(sub_account_id))
    if not token:
        raise NotFound("Twilio settings of sub-account", sub_account_id)
    return token


# The funnel server's webhooks need the auth token (the HMAC key of Twilio's signature). The
# composition root binds the runtime's secret store to its unit-of-work factory once; the
# server finds it through the factory it already holds.
_STORES: WeakKeyDictionary[UnitOfWorkFactory, SecretStore] = WeakKeyDictionary()


def bind_secret_store(uows: UnitOfWorkFactory, secrets: SecretStore) -> None:
    _STORES[uows] = secrets


def secret_store_for(uows: UnitOfWorkFactory) -> SecretStore | None:
    return _STORES.get(uows)
