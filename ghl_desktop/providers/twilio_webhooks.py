"""Twilio's webhooks: inbound messages and status callbacks, checked before anything is read.

Twilio signs each request (``X-Twilio-Signature``: HMAC-SHA1 of the exact URL it called plus
the sorted form parameters, keyed with the account's auth token). The URL is the configured
public address of the funnel server (what Twilio was given), else the address the request
arrived at. A request without a valid signature, for a sub-account without Twilio, or from
another Twilio account is refused (``WebhookRefused``) and logged without its contents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from twilio.request_validator import RequestValidator

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.conversations import ChannelType, MessageStatus
from ghl_desktop.providers.twilio_sms import describe_error
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.inbox.ingest import (
    InboundMessage,
    InboundResult,
    ingest,
    ingest_batch,
)
from ghl_desktop.services.inbox.status import apply_status_by_provider
from ghl_desktop.services.inbox.twilio_settings import (
    PROVIDER,
    TwilioChannel,
    active_twilio_channel,
    secret_store_for,
)
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

# Twilio's MessageStatus values -> ours (None: progress we do not show, e.g. "sending").
STATUS_MAP: dict[str, MessageStatus | None] = {
    "accepted": None, "scheduled": None, "queued": None, "sending": None,
    "sent": MessageStatus.SENT, "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ, "undelivered": MessageStatus.FAILED,
    "failed": MessageStatus.FAILED, "canceled": MessageStatus.FAILED,
    "receiving": None, "received": None,
}  # fmt: skip
MAX_MEDIA = 10


Key = tuple[str, ChannelType]
Entry = tuple[float, TwilioChannel | None]


class _ChannelCache:
    """Each sub-account's Twilio channel and token for a few seconds: a burst of webhooks
    reads the settings and decrypts the token once; a changed setting counts within ``TTL``."""

    TTL = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: WeakKeyDictionary[UnitOfWorkFactory, dict[Key, Entry]] = WeakKeyDictionary()

    def get(
        self, uows: UnitOfWorkFactory, sub_account_id: str, kind: ChannelType
    ) -> TwilioChannel | None:
        key = (sub_account_id, kind)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(uows, {}).get(key)
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        secrets = secret_store_for(uows)
        found = None
        if secrets is not None:
            found = active_twilio_channel(uows, secrets, sub_account_id, kind)
        with self._lock:
            entries = self._entries.setdefault(uows, {})
            if len(entries) > 10_000:
                entries.clear()
            entries[key] = (now, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_channels = _ChannelCache()


def forget_settings() -> None:
    """Read the Twilio settings again on the next webhook (after a change, in tests)."""
    _channels.clear()


class WebhookRefused(Exception):
    """Not a genuine Twilio request for this sub-account (answered 403)."""


@dataclass(frozen=True)
class StatusOutcome:
    moved: bool
    status: MessageStatus | None


def _kind(params: Mapping[str, str]) -> ChannelType:
    sender = params.get("From", "") + params.get("To", "")
    return ChannelType.WHATSAPP if "whatsapp:" in sender else ChannelType.SMS


def verify(
    uows: UnitOfWorkFactory, sub_account_id: str, url: str, params: Mapping[str, str],
    signature: str | None,
) -> ChannelType:  # fmt: skip
    """Refuse anything Twilio did not sign for this sub-account's account; returns the kind."""
    kind = _kind(params)
    channel = _channels.get(uows, sub_account_id, kind)
    if channel is None:
        log.warning("twilio webhook refused: sub-account %s has no Twilio %s", sub_account_id, kind)
        raise WebhookRefused("Twilio is not configured here")
    if not signature:
        log.warning(
            "twilio webhook refused: no X-Twilio-Signature (sub-account %s)", sub_account_id
        )
        raise WebhookRefused("missing signature")
    validator = RequestValidator(channel.credentials.auth_token)
    if not validator.validate(url, dict(params), signature):
        log.warning("twilio webhook refused: bad signature for %s (sub-account %s)", url,
                    sub_account_id)  # fmt: skip
        raise WebhookRefused("invalid signature")
    account = params.get("AccountSid")
    if account and account != channel.credentials.account_sid:
        log.warning("twilio webhook refused: account %s is not this sub-account's", account)
        raise WebhookRefused("another Twilio account")
    return kind


def _attachments(params: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(params.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for i in range(count):
        url = params.get(f"MediaUrl{i}")
        if url:
            media.append({"url": url, "content_type": params.get(f"MediaContentType{i}", "")})
    return media


@dataclass(frozen=True)
class VerifiedInbound:
    """An inbound message whose signature was checked, waiting to be stored."""

    sub_account_id: str
    message: InboundMessage


def verify_inbound(
    uows: UnitOfWorkFactory, sub_account_id: str, url: str, params: Mapping[str, str],
    signature: str | None,
) -> VerifiedInbound:  # fmt: skip
    kind = verify(uows, sub_account_id, url, params, signature)
    inbound = InboundMessage(
        kind.value, params.get("MessageSid") or params.get("SmsSid"), params.get("From", ""),
        params.get("To"), params.get("Body", ""), attachments=_attachments(params),
    )  # fmt: skip
    return VerifiedInbound(sub_account_id, inbound)


def store_inbound(
    uows: UnitOfWorkFactory, batch: Sequence[VerifiedInbound]
) -> list[InboundResult | Exception]:
    """Store verified messages that arrived together, one transaction per sub-account (a group
    commit: with ``synchronous=FULL`` each commit waits for the disk). If a group's transaction
    fails, its messages are stored one by one, so one bad message never loses another."""
    results: list[InboundResult | Exception | None] = [None] * len(batch)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(batch):
        groups[item.sub_account_id].append(index)
    for sub_account_id, indexes in groups.items():
        try:
            with uows.tenant(SYSTEM, sub_account_id) as uow:
                stored = ingest_batch(uow, [batch[i].message for i in indexes])
                uow.commit()
            for i, result in zip(indexes, stored, strict=True):
                results[i] = result
            continue
        except Exception:
            if len(indexes) == 1:
                log.exception("inbound Twilio message for %s not stored", sub_account_id)
            else:
                log.warning("a batch of %d inbound messages failed; storing them one by one",
                            len(indexes))  # fmt: skip
        for i in indexes:
            results[i] = _store_one(uows, batch[i])
    return [r if r is not None else RuntimeError("not processed") for r in results]


def _store_one(uows: UnitOfWorkFactory, item: VerifiedInbound) -> InboundResult | Exception:
    try:
        with uows.tenant(SYSTEM, item.sub_account_id) as uow:
            result = ingest(uow, item.message)
            uow.commit()
            return result
    except Exception as exc:
        return exc


def receive(
    uows: UnitOfWorkFactory, sub_account_id: str, url: str, params: Mapping[str, str],
    signature: str | None,
) -> InboundResult:  # fmt: skip
    """An inbound SMS / WhatsApp message: verified, then stored once (by MessageSid)."""
    [result] = store_inbound(uows, [verify_inbound(uows, sub_account_id, url, params, signature)])
    if isinstance(result, Exception):
        raise result
    return result


def status_callback(
    uows: UnitOfWorkFactory, sub_account_id: str, url: str, params: Mapping[str, str],
    signature: str | None,
) -> StatusOutcome:  # fmt: skip
    """A status report for a message we sent: moves it forward, never back."""
    kind = verify(uows, sub_account_id, url, params, signature)
    sid = params.get("MessageSid") or params.get("SmsSid")
    reported = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    status = STATUS_MAP.get(reported)
    if not sid or status is None:
        return StatusOutcome(False, None)
    error = None
    if status is MessageStatus.FAILED:
        code = params.get("ErrorCode")
        error = describe_error(int(code) if code and code.isdigit() else None,
                               params.get("ErrorMessage") or reported)  # fmt: skip
    try:
        with uows.tenant(SYSTEM, sub_account_id) as uow:
            moved = apply_status_by_provider(uow, PROVIDER, kind, sid, status, error=error)
            uow.commit()
    except NotFound as exc:
        raise WebhookRefused(str(exc)) from exc
    return StatusOutcome(moved, status)
