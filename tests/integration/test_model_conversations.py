"""Conversation tables: message history survives deletes; provider ids are unique per channel."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageStatus,
    SenderType,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import User
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    channel,
    contact,
    conversation,
    count,
    message,
    purge,
    purge_is_refused,
    tenant_uow,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def test_message_history_blocks_purging_contact_conversation_and_channel(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, ch = contact(uow), channel(uow)
        conv = conversation(uow, ch, c)
        message(uow, conv)
        message(
            uow,
            conv,
            direction=MessageDirection.OUTBOUND,
            sender_type=SenderType.USER,
            sender_id=t.owner.user_id,
            status=MessageStatus.QUEUED,
        )
        uow.commit()
    purge_is_refused(any_runtime, t, Contact, c.id)
    purge_is_refused(any_runtime, t, Channel, ch.id)
    purge_is_refused(any_runtime, t, Conversation, conv.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Message) == 2
        # The product's delete is soft: the thread stays with its messages.
        stored = uow.session.get(Contact, c.id)
        assert stored is not None
        stored.deleted_at = any_runtime.clock.now()
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Conversation) == 1
        assert count(uow, Message) == 2


def test_conversation_without_messages_can_be_purged(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        conv = conversation(uow, channel(uow), contact(uow))
        uow.commit()
    purge(any_runtime, t, Conversation, conv.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Conversation) == 0


def test_one_live_conversation_per_channel_and_contact(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, ch = contact(uow), channel(uow)
        first = conversation(uow, ch, c)
        conversation(uow, channel(uow, type=ChannelType.EMAIL, provider="smtp"), c)
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        conversation(uow, ch, c)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Conversation, first.id)
        assert stored is not None
        stored.deleted_at = any_runtime.clock.now()
        uow.flush()
        conversation(uow, ch, c)  # a deleted thread no longer blocks a new one
        uow.commit()


def test_provider_message_id_is_unique_per_channel(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, sms, mail = contact(uow), channel(uow), channel(uow, type=ChannelType.EMAIL)
        on_sms, on_mail = conversation(uow, sms, c), conversation(uow, mail, c)
        message(uow, on_sms, provider_message_id="SM123")
        message(uow, on_mail, provider_message_id="SM123")  # other channel: fine
        message(uow, on_sms)  # no provider id yet: any number of these
        message(uow, on_sms)
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        message(uow, on_sms, provider_message_id="SM123")


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("conversations", "status = 'closed'"),
        ("conversations", "unread_count = -1"),
        ("messages", "status = 'bounced'"),
        ("messages", "direction = 'sideways'"),
        ("messages", "sender_type = 'robot'"),
        ("messages", "content_type = 'audio'"),
        ("channels", "type = 'pigeon'"),
    ],
)
def test_enum_and_counter_checks(any_runtime, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        message(uow, conversation(uow, channel(uow), contact(uow)))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))


def test_assigned_user_purge_unassigns_the_conversation(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with any_runtime.uows.system() as uow:
        user = add(uow, User(email="agent@acme-agency.com", password_hash="x"))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        conversation(uow, channel(uow), contact(uow), assigned_user_id=user.id)
        uow.commit()
    with any_runtime.uows.system() as uow:
        uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.scalars(select(Conversation)).one()
        assert stored.assigned_user_id is None
        assert stored.status is ConversationStatus.OPEN
