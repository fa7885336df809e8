"""Outbound email through any SMTP server (STARTTLS, implicit TLS or plain; AUTH when a user
name is set), as the outbox's ``email`` ChannelProvider, plus the setup screen's "send test".

Failures are sorted by what fixes them: a busy or unreachable server is retried (transient);
refused credentials, a TLS failure, a refused recipient or a bad payload are dead-lettered at
once (permanent) with a message that says which of these it was.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ghl_desktop.core.clock import Clock, SystemClock
from ghl_desktop.core.errors import DomainError
from ghl_desktop.providers.email_mime import PayloadError, build_message
from ghl_desktop.services.inbox.email_settings import SmtpSettings
from ghl_desktop.services.outbox import (
    OutboundMessage,
    PermanentSendError,
    SendReceipt,
    TransientSendError,
)

TIMEOUT_SECONDS = 20.0
UnsubscribeLinks = Callable[[OutboundMessage], dict[str, str]]
# (In-Reply-To, References) of the thread a message answers (services.inbox.email_threading).
ReplyHeaders = Callable[[OutboundMessage], tuple[str | None, list[str]]]


class SmtpSetupError(DomainError):
    """What went wrong talking to the SMTP server, in words for the settings screen."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _where(settings: SmtpSettings) -> str:
    return f"{settings.host}:{settings.port}"


def _explain(exc: BaseException, settings: SmtpSettings) -> SmtpSetupError:
    where = _where(settings)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpSetupError(
            f"SMTP authentication failed at {where}: the server refused user "
            f"{settings.username!r} ({exc.smtp_code} {_text(exc.smtp_error)})",
            transient=False,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpSetupError(f"{where} does not support this: {exc}", transient=False)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return SmtpSetupError(
            f"TLS failure with {where} ({settings.security}): {exc}. Check the security "
            "setting (STARTTLS usually on 587, TLS on 465) and the server's certificate",
            transient=False,
        )
    if isinstance(exc, ConnectionRefusedError):
        return SmtpSetupError(
            f"connection refused by {where}: nothing listens there (wrong host or port?)",
            transient=True,
        )
    if isinstance(exc, socket.gaierror):
        return SmtpSetupError(f"unknown SMTP host {settings.host!r}: {exc}", transient=False)
    if isinstance(exc, TimeoutError | socket.timeout):
        return SmtpSetupError(f"{where} did not answer in time", transient=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in exc.recipients.items()
        )
        return SmtpSetupError(f"recipient refused by {where}: {refused}", transient=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500
        return SmtpSetupError(
            f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}", transient=transient
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpSetupError(f"{where} closed the connection: {exc}", transient=True)
    if isinstance(exc, OSError):
        return SmtpSetupError(f"cannot reach {where}: {exc.strerror or exc}", transient=True)
    return SmtpSetupError(f"SMTP error with {where}: {exc}", transient=False)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def deliver(
    settings: SmtpSettings,
    password: str | None,
    msg: EmailMessage,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> str:
    """Send one message; returns the server's final reply. Raises SmtpSetupError."""
    context = ssl_context or ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise SmtpSetupError(
                        f"{_where(settings)} does not offer STARTTLS; choose TLS or none",
                        transient=False,
                    )
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                client.login(settings.username, password or "")
            client.send_message(msg)
            code, reply = client.noop()
            return f"{code} {_text(reply)}"
    except SmtpSetupError:
        raise
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise _explain(exc, settings) from exc


def send_test(
    settings: SmtpSettings,
    password: str | None,
    to: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock | None = None,
) -> str:
    """The settings screen's "send test": a short message to ``to``; its Message-ID back."""
    try:
        msg = build_message(
            {"to": to, "subject": "Test email from ghl_desktop",
             "body": "Your SMTP settings work: this message was sent with them."},
            from_address=settings.from_address, from_name=settings.from_name,
            now=(clock or SystemClock()).now(),
        )  # fmt: skip
    except PayloadError as exc:
        raise SmtpSetupError(str(exc), transient=False) from exc
    deliver(settings, password, msg, ssl_context=ssl_context)
    return str(msg["Message-ID"])


@dataclass
class SmtpEmailProvider:
    """The ChannelProvider for one sub-account's SMTP settings."""

    settings: SmtpSettings
    password: str | None
    clock: Clock
    attachment_dir: Path | None = None
    unsubscribe_links: UnsubscribeLinks | None = None
    reply_headers: ReplyHeaders | None = None
    ssl_context: ssl.SSLContext | None = None
    name: str = "smtp"

    def build(self, message: OutboundMessage) -> EmailMessage:
        payload: dict[str, Any] = dict(message.payload)
        if payload.get("kind") == "marketing" and self.unsubscribe_links is not None:
            payload["unsubscribe"] = self.unsubscribe_links(message)
        if not payload.get("in_reply_to") and self.reply_headers is not None:
            in_reply_to, references = self.reply_headers(message)
            if in_reply_to:
                payload["in_reply_to"], payload["references"] = in_reply_to, references
        return build_message(
            payload, from_address=self.settings.from_address, from_name=self.settings.from_name,
            now=self.clock.now(), attachment_dir=self.attachment_dir,
        )  # fmt: skip

    def send(self, message: OutboundMessage) -> SendReceipt:
        try:
            msg = self.build(message)
        except PayloadError as exc:
            raise PermanentSendError(str(exc)) from exc
        try:
            reply = deliver(self.settings, self.password, msg, ssl_context=self.ssl_context)
        except SmtpSetupError as exc:
            error = TransientSendError if exc.transient else PermanentSendError
            raise error(str(exc)) from exc
        return SendReceipt(
            provider_message_id=str(msg["Message-ID"]),
            detail={"server": _where(self.settings), "reply": reply},
        )
