"""A batch of inbound messages (a webhook group commit): known senders' new threads opened
together, each thread's first message flagged new once, messages in order on the right thread,
assignment rules read once per batch yet round-robin per thread, and the activity log keeping
the thread's own changes but not the inbox list's copies of its newest message."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ghl_desktop.models.conversations import Conversation, ConversationStatus, Message
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.services import users
from ghl_desktop.services.inbox import assignment
from ghl_desktop.services.inbox import conversations as convs
from ghl_desktop.services.inbox.ingest import InboundMessage, ingest_batch
from tests.conftest import TEST_PASSWORD
from tests.integration.inbox_support import events, inbound, new_contact
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

ANN, BOB, CY = "+14155550100", "+14155550101", "+14155550102"


def _batch(rt, t, messages: list[InboundMessage]) -> list[Any]:
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        results = ingest_batch(uow, messages)
        uow.commit()
    return results


def _staff(rt, t, email: str) -> str:
    info = users.create_user(rt.uows, t.owner, t.agency_id, email, TEST_PASSWORD,
                             role="staff", sub_account_id=t.sub_account_id)  # fmt: skip
    return info.id


def _activity(rt, entity_id: str) -> list[tuple[str, dict[str, Any]]]:
    with rt.uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(ActivityLog)
            .where(ActivityLog.entity_id == entity_id)
            .order_by(ActivityLog.created_at, ActivityLog.id)
        ).all()
        return [(r.action, dict(r.changes)) for r in rows]


def test_known_senders_threads_open_once_and_keep_message_order(runtime, tenant) -> None:
    ann = new_contact(runtime, tenant, phone=ANN)
    bob = new_contact(runtime, tenant, phone=BOB, first_name="Bob")
    cy = new_contact(runtime, tenant, phone=CY, first_name="Cy")
    earlier = inbound(runtime, tenant, "earlier", sender=BOB, provider_id="SM-0")
    results = _batch(runtime, tenant, [
        InboundMessage("sms", "SM-1", ANN, None, "one"),
        InboundMessage("sms", "SM-2", BOB, None, "two"),
        InboundMessage("sms", "SM-3", ANN, None, "three"),
        InboundMessage("sms", "SM-0", BOB, None, "earlier"),  # stored before: nothing new
        InboundMessage("sms", "SM-4", CY, None, "four"),
        InboundMessage("sms", "SM-1", ANN, None, "one"),  # redelivered in the same batch
    ])  # fmt: skip
    assert [r.created for r in results] == [True, True, True, False, True, False]
    assert [r.contact_id for r in results] == [ann, bob, ann, bob, cy, ann]
    assert results[1].conversation_id == earlier.conversation_id
    assert results[3].message_id == earlier.message_id
    assert results[5].message_id == results[0].message_id
    assert results[0].conversation_id == results[2].conversation_id
    assert len({results[0].conversation_id, results[1].conversation_id,
                results[4].conversation_id}) == 3  # fmt: skip
    received = events(runtime, "message.received")
    assert [(e["body"], e["is_new_conversation"]) for e in received] == [
        ("earlier", True), ("one", True), ("two", False), ("three", False), ("four", True),
    ]  # fmt: skip
    assert not any(e["is_new_contact"] for e in received[1:])
    with runtime.uows.system(read_only=True) as uow:
        thread = uow.session.get(Conversation, results[0].conversation_id)
        assert thread is not None
        assert (thread.unread_count, thread.last_message_preview) == (2, "three")
        bodies = uow.session.scalars(
            select(Message.body)
            .where(Message.conversation_id == thread.id)
            .order_by(Message.created_at, Message.id)
        ).all()
        assert bodies == ["one", "three"]


def test_a_batchs_new_threads_take_turns_in_the_round_robin(runtime, tenant) -> None:
    uows, owner, sub = runtime.uows, tenant.owner, tenant.sub_account_id
    ana, ben = (
        _staff(runtime, tenant, "ana@acme-agency.com"),
        _staff(runtime, tenant, "ben@acme-agency.com"),
    )
    assignment.create_rule(uows, owner, sub, name="SMS team", channel="sms", user_ids=[ana, ben])
    for phone in (ANN, BOB, CY):
        new_contact(runtime, tenant, phone=phone)
    results = _batch(runtime, tenant, [
        InboundMessage("sms", f"SM-{n}", phone, None, "hi")
        for n, phone in enumerate((ANN, BOB, ANN, CY))
    ])  # fmt: skip
    with uows.system(read_only=True) as uow:
        threads = [uow.session.get(Conversation, r.conversation_id) for r in results]
        owners = [t.assigned_user_id if t else None for t in threads]
    assert owners == [ana, ben, ana, ana]
    assert len(events(runtime, "conversation.assigned")) == 3
    # The rule's turn was saved with the batch: the next thread goes on from there.
    later = inbound(runtime, tenant, "hi", sender="+14155550103", provider_id="SM-9")
    with uows.system(read_only=True) as uow:
        thread = uow.session.get(Conversation, later.conversation_id)
        assert thread is not None
        assert thread.assigned_user_id == ben


def test_the_activity_log_keeps_thread_changes_not_its_newest_message_copies(
    runtime, tenant
) -> None:
    first = inbound(runtime, tenant, "hello", provider_id="SM-1")
    thread = first.conversation_id
    assert [action for action, _ in _activity(runtime, thread)] == ["created"]
    inbound(runtime, tenant, "again", provider_id="SM-2")
    assert len(_activity(runtime, thread)) == 1  # preview, time and unread count: no row
    convs.set_status(runtime.uows, tenant.owner, tenant.sub_account_id, thread,
                     ConversationStatus.RESOLVED)  # fmt: skip
    inbound(runtime, tenant, "reopen please", provider_id="SM-3")
    logged = _activity(runtime, thread)
    assert [action for action, _ in logged] == ["created", "updated", "updated"]
    assert [changes for _, changes in logged[1:]] == [
        {"status": {"old": "open", "new": "resolved"}},
        {"status": {"old": "resolved", "new": "open"}},
    ]
    assert all("last_message_preview" not in changes for _, changes in logged)


def test_a_batch_looks_senders_and_provider_ids_up_by_their_indexes(runtime, tenant) -> None:
    """Not by walking the sub-account's messages or contacts (SQLite picks the tenant index
    for a list of three or more values unless the query leaves it no reason to)."""
    from sqlalchemy import event

    phones = [f"+1415555{n:04d}" for n in range(110, 116)]
    for phone in phones:
        new_contact(runtime, tenant, phone=phone)
    _batch(runtime, tenant, [InboundMessage("sms", f"SM-{p}", p, None, "x") for p in phones])
    selects: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, params, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append((statement, params))

    event.listen(runtime.database.writer, "before_cursor_execute", capture)
    try:
        _batch(runtime, tenant, [
            InboundMessage("sms", f"SM-{p}-2", p, None, "again") for p in phones
        ])  # fmt: skip
    finally:
        event.remove(runtime.database.writer, "before_cursor_execute", capture)
    plans = {}
    with runtime.database.writer.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        for statement, params in selects:
            table = statement.split("FROM", 1)[1].split()[0]
            rows = raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            plans[table] = " ".join(str(r[3]) for r in rows)
    assert "uq_messages_channel_provider_message" in plans["messages"]
    assert "ix_contacts_live_phone" in plans["contacts"]
