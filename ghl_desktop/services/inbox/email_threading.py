"""Reply headers for an outbound email: ``In-Reply-To`` the newest message of the thread that
has a Message-ID, ``References`` its references plus that id (RFC 5322 §3.6.4), so the
contact's mail client files our reply under the conversation it answers."""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.models.conversations import Message
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.uow import UnitOfWorkFactory

MAX_REFERENCES = 20  # long threads keep the first and the latest ids


def reply_headers(
    uows: UnitOfWorkFactory, sub_account_id: str, conversation_id: str, *, exclude: str = ""
) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) for a new message in ``conversation_id``; ``exclude`` is the
    message being sent (it is in the thread already)."""
    with uows.tenant(SYSTEM, sub_account_id, read_only=True) as uow:
        rows = uow.session.execute(
            select(Message.id, Message.provider_message_id, Message.headers)
            .where(Message.conversation_id == conversation_id, Message.id != exclude)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(20)
        ).all()
    for row in rows:
        headers = row.headers or {}
        own = str(headers.get("message_id") or row.provider_message_id or "")
        if not (own.startswith("<") and own.endswith(">")):
            continue  # a sandbox id, or never sent
        refs = [str(r) for r in headers.get("thread_refs") or []]
        if not refs and headers.get("references"):
            refs = str(headers["references"]).split()
        refs = [r for r in refs if r != own] + [own]
        if len(refs) > MAX_REFERENCES:
            refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
        return own, refs
    return None, []
