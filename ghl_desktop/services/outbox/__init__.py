"""The outbox: the single path by which messages and webhooks leave the app.

Callers ``enqueue`` inside their own tenant unit of work; the scheduler's dispatcher claims due
rows, sends them through the provider the ``ProviderRegistry`` resolves for the row's channel
and sub-account, and records ``outbox.message_sent`` / ``outbox.message_failed``.
"""

from ghl_desktop.services.outbox import admin
from ghl_desktop.services.outbox.events import OutboxMessageFailed, OutboxMessageSent
from ghl_desktop.services.outbox.ports import (
    ChannelProvider,
    OutboundMessage,
    PermanentSendError,
    ProviderRegistry,
    RateLimit,
    SendError,
    SendReceipt,
    TransientSendError,
)
from ghl_desktop.services.outbox.queue import CHANNELS, enqueue

__all__ = [
    "CHANNELS",
    "ChannelProvider",
    "OutboundMessage",
    "OutboxMessageFailed",
    "OutboxMessageSent",
    "PermanentSendError",
    "ProviderRegistry",
    "RateLimit",
    "SendError",
    "SendReceipt",
    "TransientSendError",
    "admin",
    "enqueue",
]
