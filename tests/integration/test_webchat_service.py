"""Webchat services on SQLite and PostgreSQL: a visitor's chat files each message once, the
history shows the visitor's messages and only the replies that left the outbox, and a token
never reaches another sub-account's thread."""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.conversations import Message, MessageStatus
from ghl_desktop.scheduler.jobs import dispatch_outbox
from ghl_desktop.services.inbox import webchat
from ghl_desktop.services.inbox.sending import send_message
from tests.conftest import make_tenant


def test_chat_history_and_boundaries(any_runtime: Runtime) -> None:
    rt = any_runtime
    tenant = make_tenant(rt)
    with rt.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        widget = webchat.widget_settings(uow)
    with rt.uows.run_tenant(tenant.owner, tenant.other_sub_account_id) as uow:
        other = webchat.widget_settings(uow)
    assert widget.key != other.key
    assert webchat.find_widget(rt.uows, widget.key) == widget
    visitor = webchat.start_chat(rt.uows, widget, " Vera  ", "Vera@Example.com")
    first = webchat.post_message(rt.uows, visitor, "client-0001", "Hello?")
    assert webchat.post_message(rt.uows, visitor, "client-0001", "Hello?").id == first.id
    second = webchat.post_message(rt.uows, visitor, "client-0002", "Anyone there?")
    with rt.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        conversation_id = uow.session.scalar(
            select(Message.conversation_id).where(Message.id == first.id)
        )
        assert conversation_id is not None
        reply_id = send_message(uow, contact_id=visitor.contact_id, channel="webchat",
                                body="Yes, hi Vera!", conversation_id=conversation_id)  # fmt: skip
    # Queued replies are not shown yet; once the outbox sent them, they are.
    assert [m.body for m in webchat.history(rt.uows, visitor)] == ["Hello?", "Anyone there?"]
    dispatch_outbox(rt)
    with rt.uows.system(read_only=True) as uow:
        status = uow.session.scalar(select(Message.status).where(Message.id == reply_id))
    assert status is MessageStatus.SENT
    shown = webchat.history(rt.uows, visitor, after=second.id)
    assert [(m.body, m.direction) for m in shown] == [("Yes, hi Vera!", "outbound")]
    # A token made for one sub-account's channel, pointed at the other's, reaches nothing.
    crossed = webchat.Visitor(tenant.other_sub_account_id, widget.channel_id, visitor.contact_id)
    assert webchat.widget_for_visitor(rt.uows, crossed) is None
    assert webchat.history(rt.uows, webchat.Visitor(
        tenant.other_sub_account_id, other.channel_id, visitor.contact_id)) == []  # fmt: skip
