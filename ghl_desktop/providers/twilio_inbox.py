"""Wiring the inbox's SMS and WhatsApp channels into the outbox's provider registry.

For each message the registry asks the resolver for the sub-account's provider: Twilio where
the sub-account configured an active Twilio channel of the type, else the sandbox (offline).
"""

from __future__ import annotations

from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.providers.sandbox import SandboxProvider
from ghl_desktop.providers.twilio_sms import SenderPacer, TwilioSettings, TwilioSmsProvider
from ghl_desktop.services.inbox.twilio_settings import (
    TwilioChannel,
    active_twilio_channel,
    bind_secret_store,
    status_url,
)
from ghl_desktop.services.outbox import ChannelProvider, ProviderRegistry
from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.uow import UnitOfWorkFactory


def twilio_settings(uows: UnitOfWorkFactory, secrets: SecretStore) -> TwilioSettings:
    def find(
        sub_account_id: str, kind: ChannelType, channel_id: str | None
    ) -> TwilioChannel | None:
        found = active_twilio_channel(uows, secrets, sub_account_id, kind, channel_id)
        if found is None and channel_id is not None:  # that channel was replaced: use today's
            found = active_twilio_channel(uows, secrets, sub_account_id, kind)
        return found

    def callback(sub_account_id: str) -> str | None:
        base = server_settings.load(uows).public_base_url
        return status_url(base, sub_account_id) if base else None

    return TwilioSettings(find, callback)


def register_inbox_providers(
    registry: ProviderRegistry, uows: UnitOfWorkFactory, secrets: SecretStore,
    pacer: SenderPacer | None = None,
) -> None:  # fmt: skip
    bind_secret_store(uows, secrets)
    settings = twilio_settings(uows, secrets)
    shared_pacer = pacer or SenderPacer()
    for kind in (ChannelType.SMS, ChannelType.WHATSAPP):
        sandbox = SandboxProvider(kind.value)
        twilio = TwilioSmsProvider(kind, settings, sandbox, pacer=shared_pacer)

        def resolve(
            sub_account_id: str, kind: ChannelType = kind, twilio: TwilioSmsProvider = twilio,
            sandbox: SandboxProvider = sandbox,
        ) -> ChannelProvider:  # fmt: skip
            if active_twilio_channel(uows, secrets, sub_account_id, kind) is not None:
                return twilio
            return sandbox

        registry.register(kind.value, resolve)
