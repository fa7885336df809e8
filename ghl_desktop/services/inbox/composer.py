"""The reply composer's helpers: snippets (canned replies) rendered with ``{{contact.*}}`` and
``{{custom_values.*}}`` (the CRM's merge-field renderer), the signature, and the SMS counter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.conversations import Snippet
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contacts import ContactInfo, contact_info
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.custom_values import merge_context, render_merge_fields
from ghl_desktop.services.inbox.segments import SegmentCount, count_segments
from ghl_desktop.services.inbox.settings import load_settings
from ghl_desktop.services.uow import UnitOfWorkFactory

MAX_SNIPPET = 5000


@dataclass(frozen=True)
class SnippetInfo:
    id: str
    name: str
    body: str

    @classmethod
    def of(cls, row: Snippet) -> SnippetInfo:
        return cls(row.id, row.name, row.body)


def list_snippets(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[SnippetInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        return [
            SnippetInfo.of(r) for r in uow.session.scalars(select(Snippet).order_by(Snippet.name))
        ]


def save_snippet(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, name: str, body: str, *,
    snippet_id: str | None = None,
) -> SnippetInfo:  # fmt: skip
    """Create a snippet, or change ``snippet_id``'s name and body."""
    label = (name or "").strip()
    if not label or len(label) > 100:
        raise ValidationError("name", "must be 1 to 100 characters")
    if not (body or "").strip() or len(body) > MAX_SNIPPET:
        raise ValidationError("body", f"must be 1 to {MAX_SNIPPET} characters")
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        clash = uow.session.scalar(select(Snippet).where(Snippet.name == label))
        if clash is not None and clash.id != snippet_id:
            raise Conflict("name", f"a snippet {label!r} already exists")
        now = uow.clock.now()
        if snippet_id is None:
            row = Snippet(name=label, body=body, created_at=now, updated_at=now)
            uow.session.add(row)
        else:
            found = uow.session.scalar(select(Snippet).where(Snippet.id == snippet_id))
            if found is None:
                raise NotFound("snippet", snippet_id)
            row = found
            row.name, row.body, row.updated_at = label, body, now
        uow.flush()
        info = SnippetInfo.of(row)
        uow.commit()
        return info


def delete_snippet(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, snippet_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        row = uow.session.scalar(select(Snippet).where(Snippet.id == snippet_id))
        if row is None:
            raise NotFound("snippet", snippet_id)
        uow.session.delete(row)
        uow.commit()


def rendered_snippets(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact: ContactInfo | None
) -> list[tuple[str, str]]:
    """(name, body) of every snippet, ``{{contact.*}}`` / ``{{custom_values.*}}`` filled in
    for ``contact`` (custom values only when there is none), in one read."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        rows = uow.session.execute(select(Snippet.name, Snippet.body).order_by(Snippet.name))
        found = [(str(name), str(body)) for name, body in rows]
        if not found:
            return []
        context = merge_context(uow, contact)
        return [(name, render_merge_fields(body, context)) for name, body in found]


def render_for_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, text: str, *,
    with_signature: bool = False,
) -> str:  # fmt: skip
    """``text`` (a snippet, a draft) with the contact's and the sub-account's values filled in,
    and the signature appended when asked."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        contact = contact_info(uow, load_contact(uow, contact_id))
        rendered = render_merge_fields(text, merge_context(uow, contact))
        signature = load_settings(uow).signature.strip() if with_signature else ""
    if signature:
        rendered = f"{rendered.rstrip()}\n\n{signature}"
    return rendered


def sms_counter(text: str) -> SegmentCount:
    """What the composer shows under an SMS draft: encoding, segments, characters left."""
    return count_segments(text)
