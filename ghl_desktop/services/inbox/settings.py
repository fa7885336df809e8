"""Per-sub-account inbox settings, kept in the sub-account's ``settings["inbox"]`` document."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import sub_account_of
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

DEFAULT_HELP = "Reply STOP to unsubscribe, START to subscribe again."
MAX_TEXT = 1000


@dataclass(frozen=True)
class InboxSettings:
    # The automatic answer to an inbound HELP (empty: no answer).
    help_text: str = DEFAULT_HELP
    # Appended to replies written in the composer when the user ticks "signature".
    signature: str = ""


def load_settings(uow: UnitOfWork) -> InboxSettings:
    raw: dict[str, Any] = dict((sub_account_of(uow).settings or {}).get("inbox") or {})
    return InboxSettings(
        help_text=str(raw.get("help_text", DEFAULT_HELP)),
        signature=str(raw.get("signature", "")),
    )


def get_inbox_settings(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> InboxSettings:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        return load_settings(uow)


def update_inbox_settings(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, help_text: str | None = None,
    signature: str | None = None,
) -> InboxSettings:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        current = load_settings(uow)
        for name, value in (("help_text", help_text), ("signature", signature)):
            if value is not None and len(value) > MAX_TEXT:
                raise ValidationError(name, f"must be at most {MAX_TEXT} characters")
        updated = InboxSettings(
            help_text=current.help_text if help_text is None else help_text,
            signature=current.signature if signature is None else signature,
        )
        sub = sub_account_of(uow)
        document = dict(sub.settings or {})
        document["inbox"] = asdict(updated)
        sub.settings = document
        uow.commit()
        return updated
