"""Inbound and outbound flow: exactly once, on the right contact and thread."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.conversations import Conversation, ConversationStatus, Message
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.services import contacts
from ghl_desktop.services.inbox import conversations as convs
from ghl_desktop.services.inbox.ingest import InboundMessage, receive_inbound
from ghl_desktop.services.inbox.queries import list_messages
from ghl_desktop.services.inbox.sending import DoNotDisturb, send_message
from tests.integration.inbox_support import events, inbound, new_contact
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _count(rt, model) -> int:
    with rt.uows.system(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_inbound_creates_contact_thread_and_message_once(runtime, tenant) -> None:
    first = inbound(runtime, tenant, "Hi there", provider_id="SM1")
    again = inbound(runtime, tenant, "Hi there", provider_id="SM1")
    assert first.created
    assert not again.created
    assert (again.conversation_id, again.message_id) == (first.conversation_id, first.message_id)
    assert _count(runtime, Message) == 1
    with runtime.uows.system(read_only=True) as uow:
        contact = uow.session.get(Contact, first.contact_id)
        assert contact is not None
        assert (contact.phone, contact.source) == ("+14155550100", "inbox:sms")
        conv = uow.session.get(Conversation, first.conversation_id)
        assert conv is not None
        assert (conv.unread_count, conv.last_message_preview) == (1, "Hi there")
    received = events(runtime, "message.received")
    assert len(received) == 1
    assert received[0]["message_id"] == first.message_id
    assert received[0]["is_new_contact"]
    assert received[0]["is_new_conversation"]
    assert len(events(runtime, "contact.created")) == 1


def test_inbound_matches_existing_contacts_by_phone_and_email(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100", email="ann@example.com")
    assert inbound(runtime, tenant, "wa", channel="whatsapp", sender="whatsapp:+14155550100",
                   provider_id="WA1").contact_id == ann  # fmt: skip
    assert inbound(runtime, tenant, "mail", channel="email", sender="Ann <ANN@Example.com>",
                   provider_id="<m1@example.com>").contact_id == ann  # fmt: skip
    named = inbound(runtime, tenant, "x", channel="email", sender="Bob Stone <bob@example.com>")
    with runtime.uows.system(read_only=True) as uow:
        bob = uow.session.get(Contact, named.contact_id)
        assert bob is not None
        assert (bob.first_name, bob.last_name) == ("Bob", "Stone")


def test_contract_signature_returns_ids_and_created_flag(runtime, tenant) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        msg = InboundMessage("sms", "SM9", "+14155550199", "+15005550006", "hello")
        conversation_id, message_id, created = receive_inbound(uow, msg)
        uow.commit()
    assert created
    assert conversation_id
    assert message_id


def test_bad_sender_is_refused_naming_the_field(runtime, tenant) -> None:
    with pytest.raises(ValidationError, match="from_address"):
        inbound(runtime, tenant, "x", sender="not a number")
    with pytest.raises(ValidationError, match="channel"):
        inbound(runtime, tenant, "x", channel="pigeon")


def test_inbound_reopens_a_resolved_thread_and_wakes_a_snoozed_one(runtime, tenant) -> None:
    r = inbound(runtime, tenant, "one", provider_id="A")
    convs.set_status(runtime.uows, tenant.owner, tenant.sub_account_id, r.conversation_id,
                     "resolved")  # fmt: skip
    inbound(runtime, tenant, "two", provider_id="B")
    info = convs.mark_read(runtime.uows, tenant.owner, tenant.sub_account_id, r.conversation_id)
    assert info.unread_count == 0
    with runtime.uows.system(read_only=True) as uow:
        conv = uow.session.get(Conversation, r.conversation_id)
        assert conv is not None
        assert conv.status is ConversationStatus.OPEN
    changes = events(runtime, "conversation.status_changed")
    assert [(c["old_status"], c["new_status"]) for c in changes] == [
        ("open", "resolved"), ("resolved", "open"),
    ]  # fmt: skip


def test_send_queues_message_and_outbox_row_in_one_transaction(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100")
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        message_id = send_message(uow, contact_id=ann, channel="sms", body="Hello {{x}} €")
        uow.commit()
    with runtime.uows.system(read_only=True) as uow:
        row = uow.session.scalars(select(OutboxMessage)).one()
        message = uow.session.get(Message, message_id)
        assert message is not None
        assert message.status == "queued"
        assert message.segments == 1
        conversation_id = message.conversation_id
        assert (row.idempotency_key, row.source, row.source_ref) == (
            message_id, "inbox", message_id,
        )  # fmt: skip
        assert (row.channel, row.payload["to"], row.payload["body"]) == (
            "sms", "+14155550100", "Hello {{x}} €",
        )  # fmt: skip
    page = list_messages(runtime.uows, tenant.owner, tenant.sub_account_id, conversation_id)
    assert [m.id for m in page.messages] == [message_id]


def test_send_rolls_back_with_the_callers_transaction(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100")
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        send_message(uow, contact_id=ann, channel="sms", body="never")
        uow.rollback()
    assert _count(runtime, Message) == 0
    assert _count(runtime, OutboxMessage) == 0


def test_manual_send_to_dnd_contact_is_refused_clearly(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100", email="a@example.com", dnd_sms=True)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        with pytest.raises(DoNotDisturb, match="Do Not Disturb on for sms"):
            send_message(uow, contact_id=ann, channel="sms", body="hi")
        with pytest.raises(ValidationError, match="subject"):
            send_message(uow, contact_id=ann, channel="email", body="hi")
        send_message(uow, contact_id=ann, channel="email", body="hi", subject="Hello")
        uow.commit()
    assert _count(runtime, OutboxMessage) == 1


def test_send_refuses_missing_address_empty_body_and_foreign_contact(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, email="a@example.com")
    other = contacts.create_contact(
        runtime.uows, tenant.owner, tenant.other_sub_account_id, {"phone": "+14155550111"}
    ).id
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        with pytest.raises(ValidationError, match="no phone number"):
            send_message(uow, contact_id=ann, channel="sms", body="hi")
        with pytest.raises(ValidationError, match="body"):
            send_message(uow, contact_id=ann, channel="email", body="  ", subject="s")
        with pytest.raises(NotFound):
            send_message(uow, contact_id=other, channel="sms", body="hi")


def test_a_batch_stores_once_per_provider_id_and_shares_new_contacts(runtime, tenant) -> None:
    from ghl_desktop.services.inbox.ingest import ingest_batch

    batch = [
        InboundMessage("sms", "SM-a", "+14155550100", None, "first"),
        InboundMessage("sms", "SM-b", "+14155550100", None, "second"),
        InboundMessage("sms", "SM-a", "+14155550100", None, "first"),  # redelivered at once
        InboundMessage("sms", "SM-c", "+14155550177", None, "someone else"),
    ]
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        results = ingest_batch(uow, batch)
        uow.commit()
    assert [r.created for r in results] == [True, True, False, True]
    assert results[2].message_id == results[0].message_id
    assert results[0].conversation_id == results[1].conversation_id
    assert _count(runtime, Message) == 3
    assert _count(runtime, Contact) == 2
    with runtime.uows.system(read_only=True) as uow:
        conv = uow.session.get(Conversation, results[0].conversation_id)
        assert conv is not None
        assert (conv.unread_count, conv.last_message_preview) == (2, "second")
    received = events(runtime, "message.received")
    assert [e["is_new_conversation"] for e in received] == [True, False, True]


def test_a_failing_batch_is_stored_one_by_one(runtime, tenant) -> None:
    from ghl_desktop.providers.twilio_webhooks import VerifiedInbound, store_inbound

    sub = tenant.sub_account_id
    batch = [
        VerifiedInbound(sub, InboundMessage("sms", "SM-1", "+14155550100", None, "fine")),
        VerifiedInbound(sub, InboundMessage("sms", "SM-2", "not a number", None, "broken")),
        VerifiedInbound(sub, InboundMessage("sms", "SM-3", "+14155550101", None, "fine too")),
    ]
    results = store_inbound(runtime.uows, batch)
    assert isinstance(results[1], ValidationError)
    assert [getattr(r, "created", None) for r in results] == [True, None, True]
    assert _count(runtime, Message) == 2


def test_round_trip_on_both_databases(any_runtime) -> None:
    from ghl_desktop.models.conversations import MessageStatus
    from ghl_desktop.services.inbox.ingest import ingest_batch
    from ghl_desktop.services.inbox.queries import list_conversations
    from ghl_desktop.services.inbox.status import apply_provider_status
    from tests.conftest import make_tenant

    rt = any_runtime
    t = make_tenant(rt)
    first = inbound(rt, t, "hello", provider_id="SM-1")
    assert not inbound(rt, t, "hello", provider_id="SM-1").created
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        results = ingest_batch(uow, [
            InboundMessage("sms", "SM-2", "+14155550100", None, "again"),
            InboundMessage("sms", "SM-3", "+14155550188", None, "new person"),
        ])  # fmt: skip
        message_id = send_message(uow, contact_id=first.contact_id, channel="sms", body="Hi!")
        uow.commit()
    assert results[0].conversation_id == first.conversation_id
    page = list_conversations(rt.uows, t.owner, t.sub_account_id, limit=1)
    rest = list_conversations(rt.uows, t.owner, t.sub_account_id, after=page.next_cursor)
    assert len(page.rows) + len(rest.rows) == 2
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        message = uow.session.get(Message, message_id)
        assert message is not None
        channel_id = message.channel_id
        assert not apply_provider_status(uow, channel_id, "P-1", MessageStatus.DELIVERED)
        uow.commit()
    assert _count(rt, Message) == 4
