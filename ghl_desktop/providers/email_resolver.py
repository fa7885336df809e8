"""The outbox's ``email`` resolver: the sub-account's SMTP channel when one is set up and
active, else the sandbox. Marketing mail gets its unsubscribe links here, replies their
threading headers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.providers.email_smtp import SmtpEmailProvider
from ghl_desktop.providers.sandbox import SandboxProvider
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.inbox.email_settings import (
    find_channel_row,
    smtp_password_key,
    validate_smtp,
)
from ghl_desktop.services.inbox.email_threading import reply_headers
from ghl_desktop.services.inbox.email_unsubscribe import issue_token, unsubscribe_url
from ghl_desktop.services.outbox import ChannelProvider, OutboundMessage, ProviderRegistry
from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.sites.signing import Signer, load_signing_key
from ghl_desktop.services.uow import UnitOfWorkFactory


class EmailResolver:
    def __init__(
        self, uows: UnitOfWorkFactory, secrets: SecretStore, clock: Clock, data_dir: Path
    ) -> None:
        self.uows = uows
        self.secrets = secrets
        self.clock = clock
        self.data_dir = data_dir
        self.sandbox = SandboxProvider("email")

    def __call__(self, sub_account_id: str) -> ChannelProvider:
        with self.uows.tenant(SYSTEM, sub_account_id, read_only=True) as uow:
            row = find_channel_row(uow)
            if row is None or not row.is_active or not (row.config or {}).get("smtp"):
                return self.sandbox
            channel_id, settings = row.id, validate_smtp(row.config["smtp"])
        signer = Signer(load_signing_key(self.secrets))
        base_url = server_settings.load(self.uows).base_url()
        mailto = f"{settings.from_address}?subject={quote('unsubscribe')}"

        def links(message: OutboundMessage) -> dict[str, str]:
            if message.contact_id is None:
                return {"mailto": mailto}
            token = issue_token(signer, message.sub_account_id, message.contact_id)
            return {"mailto": mailto, "url": unsubscribe_url(base_url, token)}

        def replies(message: OutboundMessage) -> tuple[str | None, list[str]]:
            conversation_id = message.payload.get("conversation_id")
            if not conversation_id:
                return None, []
            return reply_headers(
                self.uows, message.sub_account_id, str(conversation_id),
                exclude=str(message.payload.get("message_id") or ""),
            )  # fmt: skip

        return SmtpEmailProvider(
            settings, self.secrets.get(smtp_password_key(channel_id)), self.clock,
            attachment_dir=self.data_dir, unsubscribe_links=links, reply_headers=replies,
        )  # fmt: skip


def register_email_provider(
    registry: ProviderRegistry, uows: UnitOfWorkFactory, secrets: SecretStore, clock: Clock,
    data_dir: Path,
) -> None:  # fmt: skip
    registry.register("email", EmailResolver(uows, secrets, clock, data_dir))
