"""Email channel settings of a sub-account: one ``channels`` row (type email, provider smtp).

``config`` holds the non-secret parts::

    {"smtp": {host, port, security, username, from_address, from_name},
     "imap": {host, port, security, username, mailboxes, is_enabled} | absent,
     "imap_state": {mailbox: {"uidvalidity": int, "last_uid": int}},
     "inbound_token_sha256": hex | absent}

Passwords live in the secret store under ``channel.<id>.smtp_password`` /
``channel.<id>.imap_password``; the inbound-parse token only as its SHA-256 in ``config`` (it
is shown once, when it is made).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.conversations import Channel, ChannelType
from ghl_desktop.services.inbox.channels import create_channel
from ghl_desktop.services.uow import UnitOfWork

PROVIDER = "smtp"
DEFAULT_NAME = "Email"
SMTP_SECURITY = ("starttls", "tls", "none")
IMAP_SECURITY = ("tls", "starttls", "none")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]+\]?$")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}$")
_MAILBOX = re.compile(r"^[^\x00-\x1f\"\\]{1,200}$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "tls" (implicit, port 465) or "none"
    username: str
    from_address: str
    from_name: str = ""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" (port 993), "starttls" or "none"
    username: str
    mailboxes: tuple[str, ...] = ("INBOX",)
    is_enabled: bool = True


@dataclass(frozen=True)
class EmailChannel:
    channel_id: str
    sub_account_id: str
    name: str
    is_active: bool
    smtp: SmtpSettings | None
    imap: ImapSettings | None
    has_inbound_token: bool


def smtp_password_key(channel_id: str) -> str:
    return f"channel.{channel_id}.smtp_password"


def imap_password_key(channel_id: str) -> str:
    return f"channel.{channel_id}.imap_password"


# -- validation -----------------------------------------------------------------------------
def _text(raw: Mapping[str, Any], key: str, prefix: str, *, required: bool = True) -> str:
    value = str(raw.get(key) or "").strip()
    if required and not value:
        raise ValidationError(f"{prefix}.{key}", "is required")
    if len(value) > 320:
        raise ValidationError(f"{prefix}.{key}", "is too long (320 characters at most)")
    return value


def _host(raw: Mapping[str, Any], prefix: str) -> str:
    host = _text(raw, "host", prefix)
    if not _HOST.match(host):
        raise ValidationError(f"{prefix}.host", f"{host!r} is not a host name or IP address")
    return host.lower()


def _port(raw: Mapping[str, Any], prefix: str, default: int) -> int:
    value = raw.get("port") or default
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{prefix}.port", f"must be a whole number, got {value!r}") from None
    if isinstance(value, bool) or not 1 <= port <= 65535:
        raise ValidationError(f"{prefix}.port", "must be between 1 and 65535")
    return port


def _choice(raw: Mapping[str, Any], key: str, prefix: str, choices: tuple[str, ...]) -> str:
    value = str(raw.get(key) or choices[0]).strip().lower()
    if value not in choices:
        raise ValidationError(f"{prefix}.{key}", f"must be one of {', '.join(choices)}")
    return value


def validate_smtp(raw: Mapping[str, Any]) -> SmtpSettings:
    security = _choice(raw, "security", "smtp", SMTP_SECURITY)
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    from_address = _text(raw, "from_address", "smtp")
    if not _EMAIL.match(from_address):
        raise ValidationError("smtp.from_address", f"{from_address!r} is not an email address")
    from_name = _text(raw, "from_name", "smtp", required=False)
    if any(c in from_name for c in "\r\n"):
        raise ValidationError("smtp.from_name", "must be one line")
    return SmtpSettings(
        host=_host(raw, "smtp"),
        port=_port(raw, "smtp", default_port),
        security=security,
        username=_text(raw, "username", "smtp", required=False),
        from_address=from_address,
        from_name=from_name,
    )


def validate_imap(raw: Mapping[str, Any]) -> ImapSettings:
    security = _choice(raw, "security", "imap", IMAP_SECURITY)
    default_port = 993 if security == "tls" else 143
    boxes_raw = raw.get("mailboxes") or ("INBOX",)
    if isinstance(boxes_raw, str):
        boxes_raw = boxes_raw.split(",")
    mailboxes = tuple(dict.fromkeys(str(b).strip() for b in boxes_raw if str(b).strip()))
    for box in mailboxes:
        if not _MAILBOX.match(box):
            raise ValidationError("imap.mailboxes", f"{box!r} is not a mailbox name")
    return ImapSettings(
        host=_host(raw, "imap"),
        port=_port(raw, "imap", default_port),
        security=security,
        username=_text(raw, "username", "imap"),
        mailboxes=mailboxes or ("INBOX",),
        is_enabled=bool(raw.get("is_enabled", True)),
    )


# -- reading --------------------------------------------------------------------------------
def _from_row(row: Channel) -> EmailChannel:
    config = row.config or {}
    smtp = validate_smtp(config["smtp"]) if config.get("smtp") else None
    imap_raw = config.get("imap")
    imap = validate_imap(imap_raw) if imap_raw else None
    return EmailChannel(
        channel_id=row.id, sub_account_id=row.sub_account_id, name=row.name,
        is_active=row.is_active, smtp=smtp, imap=imap,
        has_inbound_token=bool(config.get("inbound_token_sha256")),
    )  # fmt: skip


def _row(uow: UnitOfWork, *, providers: tuple[str, ...] = (PROVIDER,)) -> Channel | None:
    stmt = (
        select(Channel)
        .where(Channel.type == ChannelType.EMAIL, Channel.provider.in_(providers))
        .order_by(Channel.provider != PROVIDER, Channel.is_active.desc(), Channel.created_at)
        .limit(1)
    )
    return uow.session.scalars(stmt).first()


def find_channel_row(uow: UnitOfWork) -> Channel | None:
    """The SMTP email channel row of the unit of work's sub-account (no permission check: for
    the webhook, which authenticates by the channel's token)."""
    return _row(uow)


def get_email_channel(uow: UnitOfWork) -> EmailChannel | None:
    """The sub-account's SMTP/IMAP channel (active or not), or None when never set up."""
    uow.require("conversations.read")
    row = _row(uow)
    return _from_row(row) if row is not None else None


# -- writing --------------------------------------------------------------------------------
def save_email_channel(
    uow: UnitOfWork,
    store: SecretStore,
    *,
    smtp: Mapping[str, Any],
    smtp_password: str | None = None,
    imap: Mapping[str, Any] | None = None,
    imap_password: str | None = None,
    name: str = DEFAULT_NAME,
    is_active: bool = True,
) -> str:
    """Create or update the email channel. A password of None keeps the stored one; "" clears
    it. Secrets are written only after the row validates; the caller commits."""
    uow.require("settings.manage")
    smtp_settings = validate_smtp(smtp)
    imap_settings = validate_imap(imap) if imap else None
    if not name.strip():
        raise ValidationError("name", "is required")
    # The sandbox email channel the inbox made on first use becomes the real one: its
    # conversations keep their history, and there stays one email channel.
    row = _row(uow, providers=(PROVIDER, "sandbox"))
    config: dict[str, Any] = dict(row.config or {}) if row is not None else {}
    config["smtp"] = asdict(smtp_settings)
    config["address"] = smtp_settings.from_address  # inbound mail to it lands on this channel
    if imap_settings is None:
        config.pop("imap", None)
    else:
        previous = config.get("imap") or {}
        imap_dict = asdict(imap_settings) | {"mailboxes": list(imap_settings.mailboxes)}
        if (
            previous.get("host") != imap_dict["host"]
            or previous.get("username") != imap_dict["username"]
        ):
            config.pop("imap_state", None)  # another mailbox: its UIDs mean nothing here
        config["imap"] = imap_dict
    if row is None:
        # The inbox's helper: a unique name ("Email 2" when "Email" is taken).
        row = create_channel(uow, ChannelType.EMAIL, provider=PROVIDER, name=name.strip(),
                             config=config)  # fmt: skip
    elif row.name != name.strip():
        taken = uow.session.scalar(
            select(Channel.id).where(Channel.name == name.strip(), Channel.id != row.id)
        )
        if taken is not None:
            raise ValidationError("name", f"another channel is called {name.strip()!r}")
        row.name = name.strip()
    row.provider, row.config, row.is_active = PROVIDER, config, is_active
    uow.flush()
    if smtp_password is not None:
        _store_secret(store, smtp_password_key(row.id), smtp_password)
    if imap_password is not None:
        _store_secret(store, imap_password_key(row.id), imap_password)
    return row.id


def _store_secret(store: SecretStore, key: str, value: str) -> None:
    if value:
        store.set(key, value)
    else:
        store.delete(key)


def rotate_inbound_token(uow: UnitOfWork) -> str:
    """A new secret for the inbound-parse webhook (the old one stops working). Returned once;
    only its SHA-256 is kept."""
    uow.require("settings.manage")
    row = _row(uow)
    if row is None:
        raise NotFound("email channel", uow.sub_account_id)
    token = secrets.token_urlsafe(32)
    row.config = dict(row.config or {}) | {"inbound_token_sha256": _digest(token)}
    uow.flush()
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def inbound_token_matches(channel: Channel, token: str) -> bool:
    expected = (channel.config or {}).get("inbound_token_sha256")
    return bool(expected) and hmac.compare_digest(str(expected), _digest(token))


def load_imap_state(row: Channel, mailbox: str) -> tuple[int | None, int]:
    state = ((row.config or {}).get("imap_state") or {}).get(mailbox) or {}
    validity = state.get("uidvalidity")
    return (int(validity) if validity is not None else None), int(state.get("last_uid", 0))


def store_imap_state(row: Channel, mailbox: str, uidvalidity: int, last_uid: int) -> None:
    config = dict(row.config or {})
    states = dict(config.get("imap_state") or {})
    states[mailbox] = {"uidvalidity": uidvalidity, "last_uid": last_uid}
    config["imap_state"] = states
    row.config = config  # a new dict: the JSON column sees the change
