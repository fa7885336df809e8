"""Inbound email from a real IMAP server (pymap, in-memory) started by the test: filing,
threading by Message-ID, attachments on disk, re-poll idempotency, UIDVALIDITY changes, and
the connection errors the settings screen shows."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.conversations import Channel, Conversation, Message, MessageDirection
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.inbox import email_imap
from ghl_desktop.services.inbox.email_settings import (
    save_email_channel,
    store_imap_state,
    validate_imap,
)
from tests.conftest import Tenant, make_tenant
from tests.email_peers import IMAP_PASSWORD, IMAP_USER, ImapServer, free_port, imap_server

OWN_ADDRESS = "hello@agency.test"


@pytest.fixture(scope="module")
def imap() -> ImapServer:
    with imap_server() as server:
        yield server


def _mail(
    message_id: str, body: str, *, sender: str = "Ann Lee <ann@example.com>",
    subject: str = "Question", in_reply_to: str | None = None,
    references: str | None = None, attachment: tuple[str, bytes] | None = None,
) -> bytes:  # fmt: skip
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OWN_ADDRESS
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment[1], maintype="image", subtype="png", filename=attachment[0])
    return msg.as_bytes()


def _channel(runtime: Runtime, tenant: Tenant, port: int, mailbox: str) -> str:
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        return save_email_channel(
            uow, runtime.secrets,
            smtp={"host": "127.0.0.1", "port": 2525, "security": "none",
                  "from_address": OWN_ADDRESS},
            imap={"host": "127.0.0.1", "port": port, "security": "none",
                  "username": IMAP_USER, "mailboxes": [mailbox]},
            imap_password=IMAP_PASSWORD,
        )  # fmt: skip


def _poll(runtime: Runtime, tenant: Tenant, channel_id: str) -> email_imap.PollResult:
    return email_imap.poll_channel(
        runtime.uows, runtime.secrets, runtime.data_dir, tenant.sub_account_id, channel_id
    )


def _count(runtime: Runtime, model: type) -> int:
    with runtime.uows.system(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_poll_threads_keeps_attachments_and_is_idempotent(
    any_runtime: Runtime, imap: ImapServer, request: pytest.FixtureRequest
) -> None:
    runtime, tenant = any_runtime, make_tenant(any_runtime)
    mailbox = f"T{abs(hash(request.node.nodeid)) % 10**6}"
    client = imap.client()
    client.create(mailbox)
    client.logout()
    channel_id = _channel(runtime, tenant, imap.port, mailbox)
    png = b"\x89PNG\r\n\x1a\nfake image bytes"
    imap.deliver(_mail("<q1@example.com>", "Do you open on Sundays?",
                       attachment=("photo.png", png)), mailbox)  # fmt: skip
    first = _poll(runtime, tenant, channel_id)
    assert (first.seen, first.created, first.errors) == (1, 1, [])

    # Ann follows up on her own message: same thread, threading ids kept.
    reply = _mail("<q2@example.com>", "Thanks, see you then",
                  in_reply_to="<q1@example.com>", references="<q1@example.com>")  # fmt: skip
    imap.deliver(reply, mailbox)
    second = _poll(runtime, tenant, channel_id)
    assert (second.seen, second.created) == (1, 1)
    # Nothing new: polling again reads nothing and creates nothing.
    again = _poll(runtime, tenant, channel_id)
    assert (again.seen, again.created) == (0, 0)

    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        [conversation] = uow.session.scalars(select(Conversation)).all()
        rows = uow.session.scalars(select(Message).order_by(Message.created_at, Message.id))
        messages = [(m.provider_message_id, m.direction, m.headers, m.attachments) for m in rows]
        contact = uow.session.get(Contact, conversation.contact_id)
        assert contact is not None
        assert (contact.email, contact.first_name, contact.last_name) == (
            "ann@example.com", "Ann", "Lee",
        )  # fmt: skip
        assert conversation.unread_count == 2
    assert [m[0] for m in messages] == ["<q1@example.com>", "<q2@example.com>"]
    assert all(m[1] is MessageDirection.INBOUND for m in messages)
    assert messages[1][2]["in_reply_to"] == "<q1@example.com>"
    assert messages[1][2]["thread_refs"] == ["<q1@example.com>"]
    [attachment] = messages[0][3]
    assert attachment["name"] == "photo.png"
    assert attachment["content_type"] == "image/png"
    assert (runtime.data_dir / attachment["path"]).read_bytes() == png
    assert attachment["path"].startswith(f"attachments/{tenant.sub_account_id}/")


def test_a_reply_from_another_address_joins_the_thread_it_answers(
    runtime: Runtime, imap: ImapServer
) -> None:
    tenant = make_tenant(runtime)
    client = imap.client()
    client.create("Colleague")
    client.logout()
    channel_id = _channel(runtime, tenant, imap.port, "Colleague")
    imap.deliver(_mail("<c1@example.com>", "Can we book a demo?"), "Colleague")
    imap.deliver(_mail("<c2@example.com>", "Unrelated hello", sender="Zed <zed@example.com>"),
                 "Colleague")  # fmt: skip
    # Ann's colleague answers from his own address, quoting Ann's message in References.
    answer = _mail("<c3@example.com>", "Adding our CTO", sender="Bob <bob@example.com>",
                   in_reply_to="<c1@example.com>",
                   references="<older@elsewhere.com> <c1@example.com>")  # fmt: skip
    imap.deliver(answer, "Colleague")
    assert _poll(runtime, tenant, channel_id).created == 3

    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        threads = {
            m.provider_message_id: m.conversation_id for m in uow.session.scalars(select(Message))
        }
        senders = {m.provider_message_id: m.sender_id for m in uow.session.scalars(select(Message))}
        emails = {c.id: c.email for c in uow.session.scalars(select(Contact))}
    assert threads["<c3@example.com>"] == threads["<c1@example.com>"]
    assert threads["<c2@example.com>"] != threads["<c1@example.com>"]
    # The message still says who wrote it.
    assert emails[senders["<c3@example.com>"]] == "bob@example.com"


def test_uidvalidity_change_rereads_without_duplicates(
    runtime: Runtime, tenant: Tenant, imap: ImapServer, request: pytest.FixtureRequest
) -> None:
    mailbox = f"V{abs(hash(request.node.name)) % 10**6}"
    client = imap.client()
    client.create(mailbox)
    client.logout()
    channel_id = _channel(runtime, tenant, imap.port, mailbox)
    imap.deliver(_mail("<v1@example.com>", "one"), mailbox)
    assert _poll(runtime, tenant, channel_id).created == 1
    # The server rebuilt the mailbox: same messages, a new UIDVALIDITY (simulated by
    # remembering another one).
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        row = uow.session.get(Channel, channel_id)
        assert row is not None
        store_imap_state(row, mailbox, 1, 10_000)
    imap.deliver(_mail("<v2@example.com>", "two"), mailbox)
    result = _poll(runtime, tenant, channel_id)
    assert (result.seen, result.created) == (2, 1)
    assert _count(runtime, Message) == 2


def test_connection_errors_are_clear(imap: ImapServer) -> None:
    settings = validate_imap({"host": "127.0.0.1", "port": imap.port, "security": "none",
                              "username": IMAP_USER})  # fmt: skip
    with pytest.raises(email_imap.ImapError, match="IMAP login failed"):
        email_imap.check_connection(settings, "wrong")
    assert "INBOX:" in email_imap.check_connection(settings, IMAP_PASSWORD)
    closed = validate_imap({"host": "127.0.0.1", "port": free_port(), "security": "none",
                            "username": IMAP_USER})  # fmt: skip
    with pytest.raises(email_imap.ImapError, match="connection refused"):
        email_imap.check_connection(closed, IMAP_PASSWORD)


def test_poll_all_reports_a_broken_mailbox_and_goes_on(runtime: Runtime, tenant: Tenant) -> None:
    _channel(runtime, tenant, free_port(), "INBOX")  # nothing listens there
    [result] = email_imap.poll_all(runtime.uows, runtime.secrets, runtime.data_dir)
    assert "connection refused" in result.errors[0]
