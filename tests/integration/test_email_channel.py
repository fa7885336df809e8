"""The email channel end to end: the outbox resolver (sandbox until SMTP is set up), a reply
threaded under the email it answers, one-click unsubscribe, and the inbound-parse webhook
(token checked, idempotent on Message-ID) on the running funnel server."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.conversations import Message
from ghl_desktop.models.crm import Contact
from ghl_desktop.providers.email_smtp import SmtpEmailProvider
from ghl_desktop.providers.sandbox import SandboxProvider
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.inbox.email_ingest import file_raw_email
from ghl_desktop.services.inbox.email_settings import rotate_inbound_token, save_email_channel
from ghl_desktop.services.outbox import OutboundMessage
from tests.conftest import Tenant, make_tenant
from tests.e2e.sites_kit import running_server
from tests.email_peers import smtp_server

OWN = "hello@agency.test"


def _raw(message_id: str, body: str, sender: str = "Bob Stone <bob@example.com>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, OWN, "Opening hours"
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def _setup(runtime: Runtime, tenant: Tenant, port: int) -> str:
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        return save_email_channel(
            uow, runtime.secrets,
            smtp={"host": "127.0.0.1", "port": port, "security": "none", "from_address": OWN},
        )  # fmt: skip


def test_resolver_threads_a_reply_and_links_unsubscribe(runtime: Runtime, tenant: Tenant) -> None:
    sandbox = runtime.providers.resolve("email", tenant.sub_account_id)
    assert isinstance(sandbox, SandboxProvider)
    with smtp_server("none", auth=False) as (box, port):
        _setup(runtime, tenant, port)
        with runtime.uows.run_tenant(SYSTEM, tenant.sub_account_id) as uow:
            filed = file_raw_email(uow, runtime.data_dir, _raw("<in-1@example.com>", "Hi!"))
        provider = runtime.providers.resolve("email", tenant.sub_account_id)
        assert isinstance(provider, SmtpEmailProvider)
        other = runtime.providers.resolve("email", tenant.other_sub_account_id)
        assert isinstance(other, SandboxProvider)  # the tenant boundary
        receipt = provider.send(
            OutboundMessage(
                id="o1", sub_account_id=tenant.sub_account_id, channel="email",
                payload={"to": "bob@example.com", "subject": "Re: Opening hours",
                         "body": "9 to 5", "kind": "marketing", "message_id": "m-42",
                         "conversation_id": filed.result.conversation_id},
                idempotency_key="o1", attempt=1, contact_id=filed.result.contact_id,
            )
        )  # fmt: skip
    [msg] = box.messages
    assert receipt.provider_message_id == "<m-42@agency.test>" == msg["Message-ID"]
    assert msg["In-Reply-To"] == "<in-1@example.com>"
    assert msg["References"] == "<in-1@example.com>"
    unsubscribe = " ".join(msg["List-Unsubscribe"].split())
    assert unsubscribe.startswith("<mailto:hello@agency.test?subject=unsubscribe>, <http")
    url = unsubscribe.split(", ")[1].strip("<>")

    with running_server(runtime) as server:
        path = url[url.index("/_email/") :]
        with httpx.Client(base_url=server.url, timeout=10) as client:
            page = client.get(path)  # a link scanner's GET changes nothing
            assert page.status_code == 200
            assert '<form method="post">' in page.text
            assert not _dnd(runtime, tenant, filed.result.contact_id)
            done = client.post(path, data={"List-Unsubscribe": "One-Click"})
            assert done.status_code == 200
            forged = client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"})
            assert forged.status_code == 404
    assert _dnd(runtime, tenant, filed.result.contact_id)


def _dnd(runtime: Runtime, tenant: Tenant, contact_id: str) -> bool:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        contact = uow.session.get(Contact, contact_id)
        assert contact is not None
        return bool(contact.dnd_email)


def test_inbound_parse_webhook(any_runtime: Runtime) -> None:
    runtime, tenant = any_runtime, make_tenant(any_runtime)
    _setup(runtime, tenant, 2525)
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        token = rotate_inbound_token(uow)
    address = f"/_email/inbound/{tenant.sub_account_id}"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Bob Stone <bob@example.com>", OWN, "Invoice"
    msg["Message-ID"] = "<hook-1@example.com>"
    msg.set_content("Posted by the mail service")
    msg.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf",
                       filename="invoice.pdf")  # fmt: skip
    raw = msg.as_bytes()
    with running_server(runtime) as server, httpx.Client(base_url=server.url) as client:
        refused = client.post(address, content=raw, headers={"authorization": "Bearer nope"})
        assert refused.status_code == 401
        auth = {"authorization": f"Bearer {token}"}
        other = f"/_email/inbound/{tenant.other_sub_account_id}"
        assert client.post(other, content=raw, headers=auth).status_code == 401
        first = client.post(address, content=raw, headers=auth | {"content-type": "message/rfc822"})
        assert first.status_code == 200, first.text
        # Mailgun-style form post of the same message: already there, nothing new.
        again = client.post(f"{address}?token={token}", files={"body-mime": ("m.eml", raw)})
        assert again.json() == first.json()
        bad = client.post(address, content=b"no headers at all",
                          headers={"authorization": f"Bearer {token}"})  # fmt: skip
        assert bad.status_code == 400
    with runtime.uows.system(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Message)) == 1
        [attachment] = uow.session.scalar(select(Message.attachments))
    # Kept under the runtime's data directory (on PostgreSQL too).
    assert (runtime.data_dir / attachment["path"]).read_bytes() == b"%PDF-1.4 invoice"


@pytest.mark.parametrize(
    ("smtp", "field"),
    [
        ({"host": "", "from_address": OWN}, "smtp.host"),
        ({"host": "mail.test", "from_address": "nope"}, "smtp.from_address"),
        ({"host": "mail.test", "from_address": OWN, "port": 70000}, "smtp.port"),
        ({"host": "mail.test", "from_address": OWN, "security": "ssl3"}, "smtp.security"),
    ],
)
def test_settings_name_the_bad_field(runtime: Runtime, tenant: Tenant, smtp, field) -> None:
    from ghl_desktop.core.errors import ValidationError

    with (
        runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow,
        pytest.raises(ValidationError) as info,
    ):
        save_email_channel(uow, runtime.secrets, smtp=smtp)
    assert info.value.field == field


def test_reply_with_attachment_leaves_through_the_outbox(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    """The whole way: an inbound email, a reply with a file from the inbox, the outbox
    dispatcher, the SMTP server - threaded, with the file (deleted from its folder meanwhile)."""
    from ghl_desktop.scheduler.jobs import dispatch_outbox
    from ghl_desktop.services.inbox import queries
    from ghl_desktop.ui.screens.inbox import loaders

    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.4 the quote")
    with smtp_server("none", auth=False) as (box, port):
        _setup(runtime, tenant, port)
        with runtime.uows.run_tenant(SYSTEM, tenant.sub_account_id) as uow:
            filed = file_raw_email(uow, runtime.data_dir, _raw("<ask-1@example.com>", "Price?"))
        row = queries.get_conversation(
            runtime.uows, tenant.owner, tenant.sub_account_id, filed.result.conversation_id
        )
        message_id = loaders.send(
            runtime, tenant.owner, tenant.sub_account_id, conversation=row, channel="email",
            body="Attached.", subject="Re: Opening hours",
            attachments=[{"name": "quote.pdf", "path": str(quote)}],
        )  # fmt: skip
        quote.unlink()
        dispatch_outbox(runtime)
    [msg] = box.messages
    assert msg["In-Reply-To"] == "<ask-1@example.com>"
    assert msg["Message-ID"] == f"<{message_id}@agency.test>"
    [attachment] = [p for p in msg.walk() if p.get_filename()]
    assert attachment.get_payload(decode=True) == b"%PDF-1.4 the quote"
    with runtime.uows.system(read_only=True) as uow:
        sent = uow.session.get(Message, message_id)
        assert sent is not None
        assert (sent.status.value, sent.provider_message_id) == ("sent", msg["Message-ID"])


def test_mailto_unsubscribe_sets_email_dnd(runtime: Runtime, tenant: Tenant) -> None:
    _setup(runtime, tenant, 2525)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "bob@example.com", OWN, "unsubscribe"
    msg["Message-ID"] = "<unsub-1@example.com>"
    msg.set_content("")
    with runtime.uows.run_tenant(SYSTEM, tenant.sub_account_id) as uow:
        filed = file_raw_email(uow, runtime.data_dir, msg.as_bytes())
    assert _dnd(runtime, tenant, filed.result.contact_id)


def test_setup_turns_the_sandbox_email_channel_into_the_real_one(
    runtime: Runtime, tenant: Tenant
) -> None:
    """Email sent before SMTP was set up went through a sandbox channel; setting SMTP up keeps
    that channel (and its threads) and makes it the SMTP one."""
    from ghl_desktop.models.conversations import Channel, ChannelType
    from ghl_desktop.services.inbox.channels import resolve_channel

    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        sandbox_id = resolve_channel(uow, ChannelType.EMAIL).id
    channel_id = _setup(runtime, tenant, 2525)
    assert channel_id == sandbox_id
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        row = uow.session.get(Channel, channel_id)
        assert row is not None
        assert (row.provider, row.config["address"]) == ("smtp", OWN)
        assert [c.id for c in uow.session.scalars(select(Channel).where(
            Channel.type == ChannelType.EMAIL))] == [channel_id]  # fmt: skip
