"""Sandbox providers: the offline defaults. Nothing leaves the machine; the rendered message is
returned as the receipt's detail, which the dispatcher stores on the outbox row (the GUI's
Sandbox tab and ``outbox list --status sent`` show it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ghl_desktop.services.outbox import (
    ChannelProvider,
    OutboundMessage,
    PermanentSendError,
    ProviderRegistry,
    SendReceipt,
)

SANDBOX_CHANNELS = ("email", "sms", "whatsapp", "webchat")
# The body may be plain text or HTML; both are kept so the sandbox shows what would be sent.
_TEXT_FIELDS = ("to", "from", "subject", "body", "html", "cc", "bcc", "reply_to")


class SandboxProvider:
    """Accepts every well-formed message of one channel and keeps what it would have sent."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.name = f"sandbox-{channel}"

    def send(self, message: OutboundMessage) -> SendReceipt:
        payload = message.payload
        to = payload.get("to")
        if self.channel != "webchat" and (not isinstance(to, str) or not to.strip()):
            raise PermanentSendError("payload.to: a recipient is required")
        if not any(isinstance(payload.get(k), str) and payload[k] for k in ("body", "html")):
            raise PermanentSendError("payload.body: the message has no body")
        if self.channel == "email" and not str(payload.get("subject") or "").strip():
            raise PermanentSendError("payload.subject: an email needs a subject")
        detail: dict[str, Any] = {"sandbox": True, "channel": self.channel}
        detail.update({k: payload[k] for k in _TEXT_FIELDS if payload.get(k) is not None})
        return SendReceipt(provider_message_id=f"sandbox-{message.id}", detail=detail)


def register_sandbox_defaults(registry: ProviderRegistry) -> None:
    """Every message channel goes to its sandbox until a real provider registers."""
    for channel in SANDBOX_CHANNELS:
        registry.register(channel, _fixed(SandboxProvider(channel)))


def _fixed(provider: ChannelProvider) -> Callable[[str], ChannelProvider]:
    def resolve(_sub_account_id: str) -> ChannelProvider:
        return provider

    return resolve
