"""STOP / START / HELP on every phone channel, and DND honoured by every send path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.models.conversations import ChannelType, Message, MessageDirection
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.services.inbox.compliance import Keyword, is_contact_reachable, keyword_of
from ghl_desktop.services.inbox.sandbox import simulate_inbound
from ghl_desktop.services.inbox.sending import DoNotDisturb, send_message
from ghl_desktop.services.inbox.settings import update_inbox_settings
from tests.integration.inbox_support import events, inbound, new_contact
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop!", " STOPALL ", "unsubscribe", "CANCEL",
                                  "end", "Quit."])  # fmt: skip
def test_every_stop_word_is_recognised(word) -> None:
    assert keyword_of(word, ChannelType.SMS) is Keyword.STOP


def test_keywords_need_the_whole_message_and_a_phone_channel() -> None:
    assert keyword_of("please stop texting me", ChannelType.SMS) is None
    assert keyword_of("STOP", ChannelType.EMAIL) is None
    assert keyword_of("unstop", ChannelType.WHATSAPP) is Keyword.START
    assert keyword_of("help", ChannelType.SANDBOX) is Keyword.HELP


def _contact(rt, contact_id) -> Contact:
    with rt.uows.system(read_only=True) as uow:
        contact = uow.session.get(Contact, contact_id)
        assert contact is not None
        uow.session.expunge(contact)  # loaded: readable after the unit of work closes
        return contact


@pytest.mark.parametrize(("channel", "field", "sender"), [
    ("sms", "dnd_sms", "+14155550100"),
    ("whatsapp", "dnd_whatsapp", "whatsapp:+14155550100"),
])  # fmt: skip
def test_stop_sets_and_start_clears_dnd_for_that_channel_only(
    runtime, tenant, channel, field, sender
) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100")
    stopped = inbound(runtime, tenant, "STOP", channel=channel, sender=sender, provider_id="1")
    assert stopped.keyword is Keyword.STOP
    contact = _contact(runtime, ann)
    assert getattr(contact, field)
    other = {"dnd_sms", "dnd_whatsapp", "dnd_email"} - {field}
    assert not any(getattr(contact, f) for f in other)
    updated = events(runtime, "contact.updated")
    assert [e["changed_fields"] for e in updated] == [[field]]
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        assert not is_contact_reachable(uow, ann, channel)
        with pytest.raises(DoNotDisturb, match=f"Do Not Disturb on for {channel}"):
            send_message(uow, contact_id=ann, channel=channel, body="Come back!")
    inbound(runtime, tenant, "start", channel=channel, sender=sender, provider_id="2")
    assert not getattr(_contact(runtime, ann), field)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        assert is_contact_reachable(uow, ann, channel)


def test_help_is_answered_with_the_configured_text_even_under_dnd(runtime, tenant) -> None:
    text = "Acme Dental: call 555-0100. Reply STOP to opt out."
    update_inbox_settings(runtime.uows, tenant.owner, tenant.sub_account_id, help_text=text)
    inbound(runtime, tenant, "STOP", provider_id="1")
    inbound(runtime, tenant, "HELP", provider_id="2")
    with runtime.uows.system(read_only=True) as uow:
        replies = uow.session.scalars(
            select(Message).where(Message.direction == MessageDirection.OUTBOUND)
        ).all()
        assert [m.body for m in replies] == ["Acme Dental: call 555-0100. Reply STOP to opt out."]
        assert replies[0].sender_type == "bot"
        assert uow.session.scalars(select(OutboxMessage)).one().source_ref == replies[0].id


def test_no_help_text_means_no_answer(runtime, tenant) -> None:
    update_inbox_settings(runtime.uows, tenant.owner, tenant.sub_account_id, help_text="")
    inbound(runtime, tenant, "help", provider_id="1")
    with runtime.uows.system(read_only=True) as uow:
        assert uow.session.scalars(select(OutboxMessage)).all() == []


def test_sandbox_channel_follows_sms_dnd_and_email_its_own(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100", email="ann@example.com")
    simulate_inbound(runtime.uows, tenant.owner, tenant.sub_account_id, contact_id=ann,
                     body="stop")  # fmt: skip
    contact = _contact(runtime, ann)
    assert contact.dnd_sms
    assert not contact.dnd_email
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        assert not is_contact_reachable(uow, ann, "sandbox")
        assert not is_contact_reachable(uow, ann, "sms")
        assert is_contact_reachable(uow, ann, "email")
        assert is_contact_reachable(uow, ann, "webchat")
        assert not is_contact_reachable(uow, "no-such-contact", "sms")


def test_reachability_is_tenant_bound(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone="+14155550100")
    with runtime.uows.tenant(tenant.owner, tenant.other_sub_account_id) as uow:
        assert not is_contact_reachable(uow, ann, "sms")
