"""Twilio SMS and WhatsApp through the ``twilio`` SDK (which speaks HTTP through ``requests``).

* ``TwilioSmsProvider`` is the outbox's provider for the ``sms`` and ``whatsapp`` channels of a
  sub-account that configured Twilio; WhatsApp addresses carry the ``whatsapp:`` prefix, MMS
  media go as ``MediaUrl``, and every message asks for status callbacks on the funnel server.
* ``SenderPacer`` keeps each sender at its carrier rate (1 segment per second on a long code):
  a 3-segment message holds the sender for 3 seconds.
* ``send_test`` checks the credentials, then sends one message, with errors a user can act on.

Errors: bad credentials (Twilio 20003), a refused number and other 4xx are permanent (the
outbox dead-letters at once); 429, 5xx and an unreachable API are transient (retried).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.services.inbox.twilio_settings import TwilioChannel, TwilioCredentials
from ghl_desktop.services.outbox import (
    ChannelProvider,
    OutboundMessage,
    PermanentSendError,
    SendReceipt,
    TransientSendError,
)

AUTH_FAILED = 20003
TOO_MANY_REQUESTS = 20429
# What a handful of common Twilio errors mean, for messages shown to users.
KNOWN_ERRORS = {
    20003: "authentication failed: check the account SID and auth token",
    21211: "the 'To' number is not a valid phone number",
    21408: "the account is not permitted to send to this region",
    21606: "the 'From' number cannot send SMS",
    21610: "the recipient has opted out (replied STOP) at Twilio",
    21614: "the 'To' number cannot receive SMS",
    30003: "unreachable destination handset",
    30004: "message blocked by the recipient or carrier",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "filtered by the carrier as spam",
    30008: "unknown error from the carrier",
    63016: "WhatsApp: outside the 24-hour window, a template is required",
}


def describe_error(code: int | None, message: str | None = None) -> str:
    if code is None:
        return message or "unknown Twilio error"
    known = KNOWN_ERRORS.get(int(code))
    return f"Twilio error {code}: {known or message or 'see twilio.com/docs/errors'}"


class SenderPacer:
    """Per-sender pacing in SMS segments per second; waits (up to ``max_wait``) for a turn."""

    def __init__(
        self, segments_per_second: float = 1.0, *, max_wait: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        self.rate = segments_per_second
        self.max_wait = max_wait
        self._monotonic = monotonic
        self._sleep = sleep
        self._free_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, sender: str, segments: int) -> float:
        """Reserve ``segments`` of the sender's rate; sleeps until its turn, returns the wait."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._free_at.get(sender, now))
            wait = start - now
            if wait > self.max_wait:
                raise TransientSendError(f"sender {sender} is busy for {wait:.0f} s (rate limit)")
            self._free_at[sender] = start + max(1, segments) / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


@dataclass(frozen=True)
class TwilioSettings:
    """How the provider finds a sub-account's Twilio channel and its callback address."""

    find_channel: Callable[[str, ChannelType, str | None], TwilioChannel | None]
    status_callback_url: Callable[[str], str | None]


def client_for(creds: TwilioCredentials, http_client: HttpClient | None = None) -> Client:
    return Client(creds.account_sid, creds.auth_token, http_client=http_client)


def classify(exc: TwilioRestException) -> TransientSendError | PermanentSendError:
    text = describe_error(exc.code, exc.msg)
    if exc.code == TOO_MANY_REQUESTS or exc.status == 429 or exc.status >= 500:
        return TransientSendError(text)
    return PermanentSendError(text)


def twilio_address(kind: ChannelType, number: str) -> str:
    if kind is ChannelType.WHATSAPP and not number.startswith("whatsapp:"):
        return f"whatsapp:{number}"
    return number


class TwilioSmsProvider:
    """The outbox provider of one channel (``sms`` or ``whatsapp``) for Twilio sub-accounts."""

    name = "twilio"

    def __init__(
        self, kind: ChannelType, settings: TwilioSettings, sandbox: ChannelProvider, *,
        http_client: HttpClient | None = None, pacer: SenderPacer | None = None,
    ) -> None:  # fmt: skip
        self.kind = kind
        self.settings = settings
        self.sandbox = sandbox
        self.http_client = http_client
        self.pacer = pacer or SenderPacer()

    def send(self, message: OutboundMessage) -> SendReceipt:
        payload = message.payload
        if payload.get("provider") == "sandbox":
            # A thread on a sandbox channel stays in the sandbox even once Twilio is set up.
            return self.sandbox.send(message)
        channel = self.settings.find_channel(
            message.sub_account_id, self.kind, payload.get("channel_id")
        )
        if channel is None:
            raise PermanentSendError("Twilio is not configured for this sub-account")
        to = str(payload.get("to") or "").strip()
        if not to:
            raise PermanentSendError("payload.to: a recipient number is required")
        creds = channel.credentials
        kwargs: dict[str, Any] = {
            "to": twilio_address(self.kind, to),
            "body": str(payload.get("body") or ""),
        }
        if creds.from_number:
            kwargs["from_"] = twilio_address(self.kind, creds.from_number)
        else:
            kwargs["messaging_service_sid"] = creds.messaging_service_sid
        media = [str(u) for u in payload.get("media_urls") or () if u]
        if media:
            kwargs["media_url"] = media
        callback = self.settings.status_callback_url(message.sub_account_id)
        if callback:
            kwargs["status_callback"] = callback
        self.pacer.wait_turn(creds.sender, int(payload.get("segments") or 1))
        try:
            sent = client_for(creds, self.http_client).messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify(exc) from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"Twilio is unreachable: {exc}") from exc
        detail = {"status": sent.status, "to": kwargs["to"], "num_segments": sent.num_segments}
        return SendReceipt(provider_message_id=str(sent.sid), detail=detail)


def check_credentials(creds: TwilioCredentials, http_client: HttpClient | None = None) -> str:
    """Fetch the account: its friendly name, or a ValidationError a user can act on."""
    try:
        account = client_for(creds, http_client).api.v2010.accounts(creds.account_sid).fetch()
    except TwilioRestException as exc:
        if exc.code == AUTH_FAILED or exc.status == 401:
            raise ValidationError("auth_token", describe_error(AUTH_FAILED)) from exc
        raise ValidationError("account_sid", describe_error(exc.code, exc.msg)) from exc
    except requests.RequestException as exc:
        raise ValidationError("connection", f"Twilio is unreachable: {exc}") from exc
    return str(account.friendly_name or creds.account_sid)


def send_test(
    channel: TwilioChannel, to: str, *, body: str = "Test message from ghl_desktop",
    http_client: HttpClient | None = None,
) -> str:  # fmt: skip
    """Check the credentials, then send one message to ``to``; returns Twilio's message SID."""
    creds = channel.credentials
    check_credentials(creds, http_client)
    kwargs: dict[str, Any] = {"to": twilio_address(channel.kind, to), "body": body}
    if creds.from_number:
        kwargs["from_"] = twilio_address(channel.kind, creds.from_number)
    else:
        kwargs["messaging_service_sid"] = creds.messaging_service_sid
    try:
        sent = client_for(creds, http_client).messages.create(**kwargs)
    except TwilioRestException as exc:
        field = "to" if exc.code in (21211, 21614, 21408) else "from_number"
        raise ValidationError(field, describe_error(exc.code, exc.msg)) from exc
    except requests.RequestException as exc:
        raise ValidationError("connection", f"Twilio is unreachable: {exc}") from exc
    return str(sent.sid)
