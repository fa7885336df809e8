"""Bulk actions (chunks, progress, cancel, undo) and merging contacts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ghl_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.crm import Note, Task
from ghl_desktop.models.crm_lists import BulkActionKind, BulkActionStatus
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.services import bulk_actions, contacts, notes_tasks, tags, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.bulk_actions import BulkSelection
from ghl_desktop.services.contact_listing import count, fetch_rows
from ghl_desktop.services.contact_merge import contact_references, merge_contacts, merge_preview
from ghl_desktop.services.contact_timeline import contact_timeline
from ghl_desktop.services.smart_lists import service as lists
from tests.conftest import TEST_PASSWORD, make_tenant

VIP = {"field": "tags", "operator": "has_any", "value": ["VIP"]}


@pytest.fixture
def crm(any_runtime):
    rt = any_runtime
    t = make_tenant(rt)
    ids = []
    for i in range(25):
        c = contacts.create_contact(
            rt.uows, t.owner, t.sub_account_id,
            {"first_name": f"P{i:02d}", "email": f"p{i}@example.com",
             "lifecycle_stage": "lead" if i % 2 else "customer"},
            tags=["VIP"] if i < 15 else [],
        )  # fmt: skip
        ids.append(c.id)
    return rt, t, ids


def _tags_of(rt, t) -> dict[str, str]:
    return {r.first_name: r.tags for r in fetch_rows(rt.uows, t.owner, t.sub_account_id)}


def test_add_tag_to_a_whole_smart_list_in_chunks_then_undo(crm) -> None:
    rt, t, ids = crm
    saved = lists.create_smart_list(rt.uows, t.owner, t.sub_account_id, "VIPs", VIP)
    tags.add_tags(rt.uows, t.owner, t.sub_account_id, ids[:3], ["Gold"])
    seen: list[tuple[int, int]] = []
    action = bulk_actions.run_bulk_action(
        rt.uows, t.owner, t.sub_account_id, BulkActionKind.ADD_TAG,
        BulkSelection(smart_list_id=saved.id), tag="Gold", chunk_size=4,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert (action.status, action.total, action.processed, action.changed) == (
        BulkActionStatus.COMPLETED, 15, 15, 12,
    )  # fmt: skip
    assert seen == [(4, 15), (8, 15), (12, 15), (15, 15)]
    gold = lists.count_filter(
        rt.uows,
        t.owner,
        t.sub_account_id,
        {"field": "tags", "operator": "has_any", "value": ["Gold"]},
    )
    assert gold == 15
    undone = bulk_actions.undo_bulk_action(rt.uows, t.owner, t.sub_account_id, action.id)
    assert undone.status is BulkActionStatus.UNDONE
    # Only what the action added went away: the three tagged before keep Gold.
    after = _tags_of(rt, t)
    assert [n for n, tg in sorted(after.items()) if "Gold" in tg] == ["P00", "P01", "P02"]
    with pytest.raises(ValidationError):
        bulk_actions.undo_bulk_action(rt.uows, t.owner, t.sub_account_id, action.id)
    log = bulk_actions.list_bulk_actions(rt.uows, t.owner, t.sub_account_id)
    assert [(a.kind, a.status) for a in log] == [(BulkActionKind.ADD_TAG, BulkActionStatus.UNDONE)]


def test_cancel_keeps_finished_chunks_and_they_undo(crm) -> None:
    rt, t, ids = crm
    done: list[int] = []
    action = bulk_actions.run_bulk_action(
        rt.uows, t.owner, t.sub_account_id, "set_lifecycle_stage",
        BulkSelection(contact_ids=tuple(ids)), lifecycle_stage="evangelist", chunk_size=10,
        progress=lambda n, _total: done.append(n), cancel=lambda: len(done) >= 1,
    )  # fmt: skip
    assert (action.status, action.processed) == (BulkActionStatus.CANCELLED, 10)
    stages = {
        r.first_name: r.lifecycle_stage for r in fetch_rows(rt.uows, t.owner, t.sub_account_id)
    }
    assert sum(s == "evangelist" for s in stages.values()) == 10
    # A contact changed by hand since keeps its new value on undo.
    first = ids[0]
    contacts.update_contact(rt.uows, t.owner, t.sub_account_id, first, {"lifecycle_stage": "sql"})
    bulk_actions.undo_bulk_action(rt.uows, t.owner, t.sub_account_id, action.id)
    stages = {r.id: r.lifecycle_stage for r in fetch_rows(rt.uows, t.owner, t.sub_account_id)}
    assert stages[first] == "sql"
    assert (stages[ids[1]], stages[ids[2]]) == ("lead", "customer")
    assert "evangelist" not in stages.values()


def test_assign_delete_restore_and_their_undo(crm) -> None:
    rt, t, ids = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    assign = bulk_actions.run_bulk_action(
        uows, owner, sub, "assign_user", BulkSelection(filter=VIP), user_id=owner.user_id
    )
    assert assign.changed == 15
    assert {r.assigned_user_id for r in fetch_rows(uows, owner, sub) if r.tags} == {owner.user_id}
    bulk_actions.undo_bulk_action(uows, owner, sub, assign.id)
    assert {r.assigned_user_id for r in fetch_rows(uows, owner, sub)} == {None}
    deleted = bulk_actions.run_bulk_action(uows, owner, sub, "delete", BulkSelection(filter=VIP))
    assert count(uows, owner, sub) == 10
    restored = bulk_actions.run_bulk_action(
        uows, owner, sub, "restore", BulkSelection(contact_ids=tuple(ids[:5]))
    )
    assert (restored.changed, count(uows, owner, sub)) == (5, 15)
    bulk_actions.undo_bulk_action(uows, owner, sub, deleted.id)
    assert count(uows, owner, sub) == 25
    with pytest.raises(ValidationError):
        bulk_actions.run_bulk_action(uows, owner, sub, "restore", BulkSelection(filter=VIP))


def test_bulk_export_is_logged_and_not_undoable(crm, tmp_path) -> None:
    rt, t, _ids = crm
    out = tmp_path / "vips.csv"
    action = bulk_actions.run_bulk_action(
        rt.uows, t.owner, t.sub_account_id, "export", BulkSelection(filter=VIP), out_path=out,
        columns=["first_name", "email", "tags"],
    )  # fmt: skip
    assert (action.status, action.processed) == (BulkActionStatus.COMPLETED, 15)
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "First Name,Email,Tags"
    assert not action.can_undo
    with pytest.raises(ValidationError):
        bulk_actions.undo_bulk_action(rt.uows, t.owner, t.sub_account_id, action.id)


def test_bulk_permissions_and_tenant(crm) -> None:
    rt, t, ids = crm
    staff = users.create_user(
        rt.uows, t.owner, t.agency_id, "staff@acme-agency.com", TEST_PASSWORD, role="staff",
        sub_account_id=t.sub_account_id,
    )  # fmt: skip
    actor = Actor(staff.id, staff.email)
    with pytest.raises(PermissionDenied):
        bulk_actions.run_bulk_action(rt.uows, actor, t.sub_account_id, "delete",
                                     BulkSelection(contact_ids=tuple(ids)))  # fmt: skip
    # Ids of another sub-account are simply not selected there.
    other = bulk_actions.run_bulk_action(
        rt.uows, t.owner, t.other_sub_account_id, "add_tag",
        BulkSelection(contact_ids=tuple(ids)), tag="X",
    )  # fmt: skip
    assert (other.total, other.changed) == (0, 0)
    with pytest.raises(NotFound):
        bulk_actions.undo_bulk_action(rt.uows, t.owner, t.other_sub_account_id, "nope")


# -- merge ------------------------------------------------------------------------------------
def test_merge_repoints_children_and_chooses_fields(crm) -> None:
    rt, t, _ids = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    win = contacts.create_contact(uows, owner, sub, {"first_name": "Ada", "email": "ada@a.org",
                                                     "city": ""}, tags=["A"])  # fmt: skip
    lose = contacts.create_contact(
        uows, owner, sub,
        {"first_name": "Augusta", "last_name": "King", "phone": "+14155550199",
         "city": "London", "email": "ada@b.org"},
        tags=["A", "B"],
    )  # fmt: skip
    notes_tasks.add_note(uows, owner, sub, lose.id, "from the loser")
    notes_tasks.create_task(uows, owner, sub, lose.id, "call back")
    preview = merge_preview(uows, owner, sub, win.id, lose.id)
    assert {"first_name", "email", "city", "phone"} <= set(preview.differing)
    merged = merge_contacts(uows, owner, sub, win.id, lose.id, take_from_loser=["last_name",
                                                                              "email"])  # fmt: skip
    assert (merged.id, merged.first_name, merged.last_name) == (win.id, "Ada", "King")
    assert (merged.email, merged.phone, merged.city) == ("ada@b.org", "+14155550199", "London")
    assert sorted(tg.name for tg in merged.tags) == ["A", "B"]
    assert [n.body for n in notes_tasks.list_notes(uows, owner, sub, win.id)] == ["from the loser"]
    assert [x.title for x in notes_tasks.list_tasks(uows, owner, sub, win.id)] == ["call back"]
    with pytest.raises(NotFound):
        contacts.get_contact(uows, owner, sub, lose.id)
    with rt.uows.system(read_only=True) as uow:
        left = uow.session.scalar(select(func.count()).select_from(Note)
                                  .where(Note.contact_id == lose.id))  # fmt: skip
        assert left == 0
        assert uow.session.scalar(select(func.count()).select_from(Task)
                                  .where(Task.contact_id == lose.id)) == 0  # fmt: skip
        merged_log = uow.session.scalar(
            select(ActivityLog.changes).where(
                ActivityLog.entity_id == win.id, ActivityLog.action == "merged"
            )
        )
    assert merged_log["loser_id"] == lose.id
    with pytest.raises(ValidationError):
        merge_contacts(uows, owner, sub, win.id, win.id)


def test_merge_knows_every_reference_to_contacts() -> None:
    names = {table.name for table, _column in contact_references()}
    assert {
        "notes", "tasks", "contact_tags", "conversations", "opportunities", "appointments",
        "form_submissions", "invoices", "transactions", "bulk_action_items",
    } <= names  # fmt: skip


def test_merge_across_sub_accounts_is_not_found(crm) -> None:
    rt, t, ids = crm
    other = contacts.create_contact(rt.uows, t.owner, t.other_sub_account_id, {"first_name": "O"})
    with pytest.raises(NotFound):
        merge_contacts(rt.uows, t.owner, t.sub_account_id, ids[0], other.id)


def test_merge_joins_threads_on_one_channel_and_moves_deals_and_bookings(any_runtime) -> None:
    from tests.integration import model_builders as mb

    rt = any_runtime
    t = make_tenant(rt)
    with mb.tenant_uow(rt, t) as uow:
        win, lose = mb.contact(uow, email="w@x.org"), mb.contact(uow, email="l@x.org")
        sms, email = mb.channel(uow), mb.channel(uow, type="email", name="Mail")
        mine = mb.conversation(uow, sms, win)
        theirs = mb.conversation(uow, sms, lose)  # the same channel: must become one thread
        other = mb.conversation(uow, email, lose)  # another channel: simply moves
        mb.message(uow, mine, body="to the winner")
        mb.message(uow, theirs, body="to the loser")
        deal = mb.opportunity(uow, lose, mb.pipeline(uow))
        booking = mb.appointment(uow, mb.calendar(uow), contact_id=lose.id)
        ids = (win.id, lose.id, mine.id, theirs.id, other.id, deal.id, booking.id)
        uow.commit()
    win_id, lose_id, mine_id, theirs_id, other_id, deal_id, booking_id = ids
    merge_contacts(rt.uows, t.owner, t.sub_account_id, win_id, lose_id)
    with mb.tenant_uow(rt, t) as uow:
        from ghl_desktop.models.calendars import Appointment
        from ghl_desktop.models.conversations import Conversation, Message
        from ghl_desktop.models.pipelines import Opportunity

        bodies = set(uow.session.scalars(
            select(Message.body).where(Message.conversation_id == mine_id)
        ))  # fmt: skip
        assert bodies == {"to the winner", "to the loser"}
        live = set(uow.session.scalars(
            select(Conversation.id).where(Conversation.contact_id == win_id)
        ))  # fmt: skip
        assert live == {mine_id, other_id}
        gone = uow.session.scalar(
            select(Conversation.deleted_at)
            .where(Conversation.id == theirs_id)
            .execution_options(include_deleted=True)
        )
        assert gone is not None  # the loser's SMS thread, emptied into the winner's
        assert uow.session.get(Opportunity, deal_id).contact_id == win_id
        assert uow.session.get(Appointment, booking_id).contact_id == win_id
    kinds = {e.kind for e in contact_timeline(rt.uows, t.owner, t.sub_account_id, win_id)}
    assert {"message", "opportunity", "appointment"} <= kinds
