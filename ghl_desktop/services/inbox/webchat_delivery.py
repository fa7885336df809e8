"""The outbox's ``webchat`` provider. A webchat reply has nowhere to travel: the visitor's
widget reads the thread from the funnel server. Sending it therefore only marks it
deliverable (the dispatcher records it as sent, and from then on the visitor's stream shows
it), once, however often the dispatcher retries."""

from __future__ import annotations

from ghl_desktop.services.outbox import (
    OutboundMessage,
    PermanentSendError,
    ProviderRegistry,
    SendReceipt,
)


class WebchatProvider:
    name = "webchat"

    def send(self, message: OutboundMessage) -> SendReceipt:
        body = message.payload.get("body")
        if not isinstance(body, str) or not body.strip():
            raise PermanentSendError("payload.body: the message has no body")
        ref = str(message.payload.get("message_id") or message.source_ref or message.id)
        return SendReceipt(provider_message_id=f"webchat:{ref}",
                           detail={"delivered_to": "visitor stream"})  # fmt: skip


_PROVIDER = WebchatProvider()


def register_webchat_provider(registry: ProviderRegistry) -> None:
    registry.register("webchat", lambda _sub_account_id: _PROVIDER)
