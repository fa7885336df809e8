"""Working the inbox: list filters and paging, assignment rules and round-robin, status,
snooze, stars, notes, snippets, the AI hand-off hook, and the tenant boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ghl_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.ai import AiAgent, ConversationAiConfig
from ghl_desktop.services import tags, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_values import set_custom_value
from ghl_desktop.services.inbox import ai_handoff, assignment, composer
from ghl_desktop.services.inbox import conversations as convs
from ghl_desktop.services.inbox.queries import (
    ConversationFilter,
    get_conversation,
    list_conversations,
    list_messages,
    unread_counts,
)
from ghl_desktop.services.inbox.settings import update_inbox_settings
from tests.conftest import TEST_PASSWORD
from tests.integration.inbox_support import events, inbound, new_contact
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _staff(rt, t, email: str) -> Actor:
    info = users.create_user(rt.uows, t.owner, t.agency_id, email, TEST_PASSWORD,
                             role="staff", sub_account_id=t.sub_account_id)  # fmt: skip
    return Actor(user_id=info.id, label=email)


def _ids(page) -> list[str]:
    return [r.id for r in page.rows]


def test_list_pages_newest_first_with_a_cursor(runtime, tenant, clock) -> None:
    made = []
    for i in range(7):
        clock.advance(timedelta(minutes=1))
        made.append(inbound(runtime, tenant, f"m{i}", sender=f"+1415555010{i}").conversation_id)
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    first = list_conversations(uows, owner, sub, limit=3)
    second = list_conversations(uows, owner, sub, after=first.next_cursor, limit=3)
    third = list_conversations(uows, owner, sub, after=second.next_cursor, limit=3)
    assert _ids(first) + _ids(second) + _ids(third) == made[::-1]
    assert third.next_cursor is None
    assert first.rows[0].preview == "m6"
    assert first.rows[0].contact_phone == "+14155550106"


def test_filters_unread_mine_unassigned_channel_status(runtime, tenant) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    sms = inbound(runtime, tenant, "sms", sender="+14155550100").conversation_id
    mail = inbound(runtime, tenant, "mail", channel="email", sender="b@example.com").conversation_id
    convs.mark_read(uows, owner, sub, mail)
    assignment.assign(uows, owner, sub, sms, owner.user_id)
    convs.set_status(uows, owner, sub, mail, "pending")

    def view(**kw) -> set[str]:
        return set(_ids(list_conversations(uows, owner, sub, ConversationFilter(**kw))))

    assert view() == {sms, mail}
    assert view(view="unread") == {sms}
    assert view(view="mine") == {sms}
    assert view(view="unassigned") == {mail}
    assert view(channel="email") == {mail}
    assert view(status="pending") == {mail}
    assert view(status="open", channel="sms") == {sms}
    counts = unread_counts(uows, owner, sub)
    assert (counts.conversations, counts.mine, counts.unassigned) == (1, 1, 0)
    assert counts.by_channel == {"sms": 1}
    with pytest.raises(ValidationError, match="view"):
        view(view="everything")
    with pytest.raises(ValidationError, match="status"):
        view(status="closed")


def test_round_robin_rules_by_channel_tag_and_keyword(runtime, tenant) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    ana, ben, cy = (_staff(runtime, tenant, f"{n}@acme-agency.com") for n in ("ana", "ben", "cy"))
    vip = tags.create_tag(uows, owner, sub, "VIP").id
    new_contact(runtime, tenant, phone="+14155550199", tags=["VIP"])
    assignment.create_rule(uows, owner, sub, name="VIPs", user_ids=[cy.user_id], tag_id=vip)
    assignment.create_rule(uows, owner, sub, name="Billing", user_ids=[ben.user_id],
                           keyword="invoice")  # fmt: skip
    assignment.create_rule(uows, owner, sub, name="SMS team", channel="sms",
                           user_ids=[ana.user_id, ben.user_id])  # fmt: skip

    def owner_of(result) -> str | None:
        return get_conversation(uows, owner, sub, result.conversation_id).assigned_user_id

    assert owner_of(inbound(runtime, tenant, "hi", sender="+14155550199")) == cy.user_id
    assert owner_of(inbound(runtime, tenant, "my INVOICE?", sender="+14155550101")) == ben.user_id
    turns = [owner_of(inbound(runtime, tenant, "x", sender=f"+1415555011{i}")) for i in range(3)]
    assert turns == [ana.user_id, ben.user_id, ana.user_id]
    mail = inbound(runtime, tenant, "hello", channel="email", sender="z@example.com")
    assert owner_of(mail) is None  # no rule for email: the unassigned queue
    assert len(events(runtime, "conversation.assigned")) == 5
    users.set_active(uows, owner, tenant.agency_id, ana.user_id, False)
    assert owner_of(inbound(runtime, tenant, "x", sender="+14155550120")) == ben.user_id


def test_rules_and_assignment_refuse_strangers(runtime, tenant) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    conv = inbound(runtime, tenant, "x").conversation_id
    with pytest.raises(ValidationError, match="assigned_user_id"):
        assignment.assign(uows, owner, sub, conv, "01900000-0000-7000-8000-000000000000")
    with pytest.raises(ValidationError, match="user_ids"):
        assignment.create_rule(uows, owner, sub, name="none", user_ids=[])
    with pytest.raises(ValidationError, match="channel"):
        assignment.create_rule(uows, owner, sub, name="x", user_ids=[owner.user_id],
                               channel="fax")  # fmt: skip


def test_snooze_hides_until_due_and_an_inbound_wakes_it(runtime, tenant, clock) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    conv = inbound(runtime, tenant, "one", provider_id="1").conversation_id
    convs.snooze(uows, owner, sub, conv, clock.now() + timedelta(hours=2))
    assert _ids(list_conversations(uows, owner, sub)) == []
    assert _ids(list_conversations(uows, owner, sub, ConversationFilter(view="snoozed"))) == [conv]
    convs.wake_snoozed(uows)
    assert _ids(list_conversations(uows, owner, sub)) == []  # not due yet
    clock.advance(timedelta(hours=3))
    convs.wake_snoozed(uows)
    assert _ids(list_conversations(uows, owner, sub)) == [conv]
    convs.snooze(uows, owner, sub, conv, clock.now() + timedelta(days=1))
    inbound(runtime, tenant, "two", provider_id="2")
    assert _ids(list_conversations(uows, owner, sub)) == [conv]
    with pytest.raises(ValidationError, match="future"):
        convs.snooze(uows, owner, sub, conv, clock.now() - timedelta(minutes=1))


def test_star_notes_and_thread_order(runtime, tenant, clock) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    conv = inbound(runtime, tenant, "first", provider_id="1").conversation_id
    inbound(runtime, tenant, "second", provider_id="2")
    convs.set_starred(uows, owner, sub, conv, True)
    assert _ids(list_conversations(uows, owner, sub, ConversationFilter(view="starred"))) == [conv]
    note = convs.add_note(uows, owner, sub, conv, "Called her back, wants Tuesday")
    assert [n.body for n in convs.list_notes(uows, owner, sub, conv)] == [note.body]
    convs.delete_note(uows, owner, sub, note.id)
    assert convs.list_notes(uows, owner, sub, conv) == []
    page = list_messages(uows, owner, sub, conv, limit=1)
    assert [m.body for m in page.messages] == ["second"]
    assert page.has_older
    older = list_messages(uows, owner, sub, conv, before=page.messages[0].id)
    assert [m.body for m in older.messages] == ["first"]


def test_snippets_render_contact_and_custom_values_with_signature(runtime, tenant) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    ann = new_contact(runtime, tenant, phone="+14155550100", first_name="Ann")
    set_custom_value(uows, owner, sub, "booking_link", "https://book.example.com")
    update_inbox_settings(uows, owner, sub, signature="- Acme Dental")
    snippet = composer.save_snippet(
        uows,
        owner,
        sub,
        "Book",
        "Hi {{contact.first_name}}, book at {{custom_values.booking_link}}",
    )
    assert [s.name for s in composer.list_snippets(uows, owner, sub)] == ["Book"]
    text = composer.render_for_contact(uows, owner, sub, ann, snippet.body, with_signature=True)
    assert text == "Hi Ann, book at https://book.example.com\n\n- Acme Dental"
    count = composer.sms_counter(text)
    assert (count.encoding, count.segments) == ("GSM-7", 1)


def test_ai_hook_is_called_only_when_the_config_is_active(runtime, tenant) -> None:
    calls: list[ai_handoff.AiHandoff] = []
    ai_handoff.set_hook(lambda _uow, handoff: calls.append(handoff))
    try:
        first = inbound(runtime, tenant, "hello", provider_id="1")
        assert calls == []  # no AI config yet
        with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
            agent = AiAgent(name="Front desk", model="offline")
            uow.session.add(agent)
            uow.flush()
            uow.session.add(ConversationAiConfig(conversation_id=first.conversation_id,
                                                 ai_agent_id=agent.id, is_active=True))  # fmt: skip
        second = inbound(runtime, tenant, "are you open?", provider_id="2")
        assert [(c.conversation_id, c.message_id) for c in calls] == [
            (first.conversation_id, second.message_id)
        ]
        with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
            for config in uow.session.query(ConversationAiConfig):
                config.is_active = False
        inbound(runtime, tenant, "hello again", provider_id="3")
        assert len(calls) == 1
    finally:
        ai_handoff.set_hook(None)


def test_tenant_boundary_and_permissions(runtime, tenant) -> None:
    uows, owner = runtime.uows, tenant.owner
    conv = inbound(runtime, tenant, "x").conversation_id
    other = tenant.other_sub_account_id
    assert _ids(list_conversations(uows, owner, other)) == []
    for call in (
        lambda: get_conversation(uows, owner, other, conv),
        lambda: list_messages(uows, owner, other, conv),
        lambda: convs.mark_read(uows, owner, other, conv),
        lambda: convs.add_note(uows, owner, other, conv, "x"),
        lambda: assignment.assign(uows, owner, other, conv, None),
    ):
        with pytest.raises(NotFound):
            call()
    stranger = Actor(user_id="01900000-0000-7000-8000-000000000000", label="nobody")
    with pytest.raises(NotFound):
        list_conversations(uows, stranger, tenant.sub_account_id)
    reader = _staff(runtime, tenant, "reader@acme-agency.com")
    with pytest.raises(PermissionDenied):
        update_inbox_settings(uows, reader, tenant.sub_account_id, help_text="x")
