"""Inbound email by IMAP polling (the scheduler's ``inbox.imap_poll`` job).

Per configured mailbox the poller remembers ``(UIDVALIDITY, last UID)`` in the channel's
``config.imap_state``. Each poll asks for UIDs above the last one (mailbox opened read-only and
fetched with ``BODY.PEEK[]``, so the owner's mail client still sees them unread), files each
message through ``receive_inbound`` and advances the mark in the same transaction as the
messages it covers. A changed UIDVALIDITY (the mailbox was rebuilt) restarts from UID 1;
filing is idempotent on the Message-ID, so nothing already stored is created again.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ghl_desktop.core.errors import DomainError
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.conversations import Channel, ChannelType
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.inbox.email_ingest import file_raw_email
from ghl_desktop.services.inbox.email_parse import NotAnEmail
from ghl_desktop.services.inbox.email_settings import (
    PROVIDER,
    ImapSettings,
    imap_password_key,
    load_imap_state,
    store_imap_state,
    validate_imap,
)
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

BATCH = 25
TIMEOUT_SECONDS = 30.0
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_UID = re.compile(rb"UID (\d+)")


class ImapError(DomainError):
    """The IMAP server could not be used, in words for the settings screen."""


@dataclass
class PollResult:
    channel_id: str
    created: int = 0
    seen: int = 0
    errors: list[str] = field(default_factory=list)


Connector = Callable[[ImapSettings, str | None], imaplib.IMAP4]


def connect(
    settings: ImapSettings, password: str | None, *, ssl_context: ssl.SSLContext | None = None
) -> imaplib.IMAP4:
    """A logged-in client, or an ImapError saying what failed."""
    context = ssl_context or ssl.create_default_context()
    where = f"{settings.host}:{settings.port}"
    try:
        client: imaplib.IMAP4
        if settings.security == "tls":
            client = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            if settings.security == "starttls":
                client.starttls(ssl_context=context)
    except ConnectionRefusedError:
        raise ImapError(f"connection refused by {where}: wrong host or port?") from None
    except ssl.SSLError as exc:
        raise ImapError(f"TLS failure with {where}: {exc}") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot reach {where}: {exc}") from None
    try:
        client.login(settings.username, password or "")
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapError(f"IMAP login failed at {where} for {settings.username!r}: {exc}") from None
    return client


def check_connection(
    settings: ImapSettings, password: str | None, *, ssl_context: ssl.SSLContext | None = None
) -> str:
    """The settings screen's "test": log in and open each mailbox; a summary back."""
    client = connect(settings, password, ssl_context=ssl_context)
    try:
        counts = []
        for mailbox in settings.mailboxes:
            typ, data = client.select(_quoted(mailbox), readonly=True)
            if typ != "OK":
                raise ImapError(f"mailbox {mailbox!r} cannot be opened: {_text(data)}")
            counts.append(f"{mailbox}: {int(data[0] or 0)} messages")
        return "; ".join(counts)
    finally:
        _logout(client)


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    items = data if isinstance(data, list) else [data]
    return " ".join(i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i) for i in items)


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        log.debug("IMAP logout failed", exc_info=True)


def _new_uids(client: imaplib.IMAP4, last_uid: int) -> list[int]:
    typ, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
    if typ != "OK":
        raise ImapError(f"UID SEARCH failed: {_text(data)}")
    # "n:*" always matches the highest UID, even when it is below n: filter again.
    return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last_uid)


def _fetch(client: imaplib.IMAP4, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    typ, data = client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise ImapError(f"UID FETCH failed: {_text(data)}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = _UID.search(item[0])
            if match:
                yield int(match.group(1)), item[1]


def poll_channel(
    uows: UnitOfWorkFactory, store: SecretStore, data_dir: Path, sub_account_id: str,
    channel_id: str, *, connector: Connector | None = None,
) -> PollResult:  # fmt: skip
    """Fetch and file the new messages of every mailbox of one email channel."""
    result = PollResult(channel_id)
    with uows.tenant(SYSTEM, sub_account_id, read_only=True) as uow:
        row = uow.session.get(Channel, channel_id)
        if row is None or not (row.config or {}).get("imap"):
            return result
        settings = validate_imap(row.config["imap"])
    client = (connector or connect)(settings, store.get(imap_password_key(channel_id)))
    try:
        for mailbox in settings.mailboxes:
            _poll_mailbox(uows, data_dir, sub_account_id, channel_id, client, mailbox, result)
    finally:
        _logout(client)
    return result


def _poll_mailbox(
    uows: UnitOfWorkFactory, data_dir: Path, sub_account_id: str, channel_id: str,
    client: imaplib.IMAP4, mailbox: str, result: PollResult,
) -> None:  # fmt: skip
    typ, data = client.select(_quoted(mailbox), readonly=True)
    if typ != "OK":
        raise ImapError(f"mailbox {mailbox!r} cannot be opened: {_text(data)}")
    _typ, validity_data = client.response("UIDVALIDITY")
    validity = int(validity_data[0]) if validity_data and validity_data[0] else 0
    with uows.tenant(SYSTEM, sub_account_id, read_only=True) as uow:
        row = uow.session.get(Channel, channel_id)
        assert row is not None
        known_validity, last_uid = load_imap_state(row, mailbox)
    if known_validity != validity:
        if known_validity is not None:
            log.info("UIDVALIDITY of %s changed: reading it again from the start", mailbox)
        last_uid = 0
    uids = _new_uids(client, last_uid)
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        fetched = dict(_fetch(client, batch))
        with uows.tenant(SYSTEM, sub_account_id) as uow:
            for uid in batch:
                raw = fetched.get(uid)
                if raw is None:
                    continue  # expunged between SEARCH and FETCH
                result.seen += 1
                try:
                    with uow.session.begin_nested():
                        filed = file_raw_email(uow, data_dir, raw)
                except (NotAnEmail, DomainError) as exc:
                    result.errors.append(f"{mailbox} UID {uid}: {exc}")
                    continue
                result.created += int(filed.result.created)
            row = uow.session.get(Channel, channel_id)
            assert row is not None
            store_imap_state(row, mailbox, validity, batch[-1])
            uow.commit()
    if not uids and known_validity != validity:
        with uows.tenant(SYSTEM, sub_account_id) as uow:
            row = uow.session.get(Channel, channel_id)
            assert row is not None
            store_imap_state(row, mailbox, validity, 0)
            uow.commit()


def imap_channels(uows: UnitOfWorkFactory) -> list[tuple[str, str]]:
    """(sub_account_id, channel_id) of every active email channel with IMAP turned on."""
    with uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(Channel).where(
                Channel.type == ChannelType.EMAIL, Channel.provider == PROVIDER,
                Channel.is_active.is_(True),
            )
        ).all()  # fmt: skip
        return [
            (r.sub_account_id, r.id)
            for r in rows
            if (r.config or {}).get("imap", {}).get("is_enabled", True) and r.config.get("imap")
        ]


def poll_all(uows: UnitOfWorkFactory, store: SecretStore, data_dir: Path) -> list[PollResult]:
    """The scheduler job: every IMAP channel once. One failing mailbox never stops the others;
    its error is logged and kept for the settings screen."""
    results = []
    for sub_account_id, channel_id in imap_channels(uows):
        try:
            results.append(poll_channel(uows, store, data_dir, sub_account_id, channel_id))
        except (TimeoutError, ImapError, imaplib.IMAP4.error, OSError) as exc:
            log.warning("IMAP poll of channel %s failed: %s", channel_id, exc)
            results.append(PollResult(channel_id, errors=[str(exc)]))
    return results
