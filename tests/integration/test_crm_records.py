"""Notes, tasks ("My tasks"), the timeline, custom-field definitions, custom values, export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.services import contacts, custom_values, notes_tasks, users
from ghl_desktop.services import custom_field_definitions as fields
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_export import export_to_file, export_to_text, safe_cell
from ghl_desktop.services.contact_listing import count
from ghl_desktop.services.contact_timeline import contact_timeline
from ghl_desktop.services.smart_lists import service as lists
from tests.conftest import TEST_PASSWORD, make_tenant


@pytest.fixture
def crm(runtime):
    t = make_tenant(runtime)
    ada = contacts.create_contact(
        runtime.uows, t.owner, t.sub_account_id,
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.org"}, tags=["VIP"],
    )  # fmt: skip
    return runtime, t, ada


def test_notes_add_edit_delete(crm) -> None:
    rt, t, ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    first = notes_tasks.add_note(uows, owner, sub, ada.id, "Met at the fair")
    rt.clock.advance(timedelta(minutes=1))
    notes_tasks.add_note(uows, owner, sub, ada.id, "Sent the deck")
    assert [n.body for n in notes_tasks.list_notes(uows, owner, sub, ada.id)] == [
        "Sent the deck", "Met at the fair",
    ]  # fmt: skip
    edited = notes_tasks.update_note(uows, owner, sub, first.id, "Met at the Expo")
    assert edited.body == "Met at the Expo"
    notes_tasks.delete_note(uows, owner, sub, first.id)
    assert len(notes_tasks.list_notes(uows, owner, sub, ada.id)) == 1
    with pytest.raises(ValidationError):
        notes_tasks.add_note(uows, owner, sub, ada.id, "   ")
    with pytest.raises(NotFound):
        notes_tasks.add_note(uows, owner, t.other_sub_account_id, ada.id, "x")


def test_my_tasks_overdue_first(crm) -> None:
    rt, t, ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    now = rt.clock.now()
    me = owner.user_id

    def task(title, due, who=me):
        return notes_tasks.create_task(uows, owner, sub, ada.id, title, due_at=due,
                                       assigned_user_id=who)  # fmt: skip

    later = task("later", now + timedelta(days=2))
    soon = task("soon", now + timedelta(hours=1))
    old = task("very overdue", now - timedelta(days=3))
    recent = task("overdue", now - timedelta(hours=1))
    task("no date", None)
    done = task("done", now - timedelta(days=1))
    notes_tasks.complete_task(uows, owner, sub, done.id)
    colleague = users.create_user(
        uows, owner, t.agency_id, "c@acme-agency.com", TEST_PASSWORD, role="staff",
        sub_account_id=sub,
    )  # fmt: skip
    task("theirs", now - timedelta(days=9), colleague.id)
    mine = notes_tasks.my_tasks(uows, owner, sub)
    assert [x.title for x in mine] == ["very overdue", "overdue", "soon", "later", "no date"]
    assert [x.is_overdue for x in mine] == [True, True, False, False, False]
    assert mine[0].contact_name == "Ada Lovelace"
    everything = notes_tasks.my_tasks(uows, owner, sub, include_completed=True)
    assert everything[-1].title == "done"
    theirs = notes_tasks.my_tasks(uows, Actor(colleague.id, colleague.email), sub)
    assert [x.title for x in theirs] == ["theirs"]
    moved = notes_tasks.update_task(uows, owner, sub, later.id, due_at=None, title="someday")
    assert (moved.title, moved.due_at) == ("someday", None)
    reopened = notes_tasks.complete_task(uows, owner, sub, done.id, completed=False)
    assert reopened.completed_at is None
    notes_tasks.delete_task(uows, owner, sub, soon.id)
    assert "soon" not in [x.title for x in notes_tasks.list_tasks(uows, owner, sub, ada.id)]
    with pytest.raises(ValidationError):
        notes_tasks.create_task(uows, owner, sub, ada.id, "")
    # Deleting the contact takes its tasks out of "My tasks".
    contacts.delete_contact(uows, owner, sub, ada.id)
    assert notes_tasks.my_tasks(uows, owner, sub) == []
    assert old.is_overdue
    assert recent.is_overdue


def test_timeline_merges_sources_newest_first(crm) -> None:
    rt, t, ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    rt.clock.advance(timedelta(minutes=1))
    notes_tasks.add_note(uows, owner, sub, ada.id, "a note")
    rt.clock.advance(timedelta(minutes=1))
    task = notes_tasks.create_task(uows, owner, sub, ada.id, "follow up")
    rt.clock.advance(timedelta(minutes=1))
    notes_tasks.complete_task(uows, owner, sub, task.id)
    entries = contact_timeline(uows, owner, sub, ada.id)
    kinds = [e.kind for e in entries]
    # Activity-log rows are stamped by the audit hook with the wall clock, not the test's.
    ours = [e for e in entries if e.kind != "activity"]
    assert [e.kind for e in ours][:3] == ["task_completed", "task", "note"]
    assert "activity" in kinds  # the contact's creation in the activity log
    older = contact_timeline(uows, owner, sub, ada.id, before=ours[1].at)
    assert next(e.kind for e in older if e.kind != "activity") == "note"
    with pytest.raises(NotFound):
        contact_timeline(uows, owner, t.other_sub_account_id, ada.id)


def test_custom_field_editor(crm) -> None:
    rt, t, ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    size = fields.create_custom_field(uows, owner, sub, label="Company Size", field_type="select",
                                      options=["1-10", "11-50"])  # fmt: skip
    assert size.key == "company_size"
    with pytest.raises(Conflict):
        fields.create_custom_field(uows, owner, sub, label="x", key="company_size",
                                   field_type="text")  # fmt: skip
    with pytest.raises(ValidationError) as bad:
        fields.create_custom_field(uows, owner, sub, label="Tier", field_type="select")
    assert bad.value.field == "options"
    with pytest.raises(ValidationError) as bad_type:
        fields.create_custom_field(uows, owner, sub, label="Tier", field_type="colour")
    assert bad_type.value.field == "field_type"
    contacts.update_contact(uows, owner, sub, ada.id, {"custom_fields": {"company_size": "1-10"}})
    with pytest.raises(ValidationError):
        contacts.update_contact(uows, owner, sub, ada.id, {"custom_fields": {"company_size": "9"}})
    with pytest.raises(Conflict):
        fields.update_custom_field(uows, owner, sub, size.id, options=["11-50"])  # in use
    with pytest.raises(Conflict):
        fields.update_custom_field(uows, owner, sub, size.id, field_type="number")
    # Renaming the key moves the stored values along, and filters follow the new key.
    fields.update_custom_field(uows, owner, sub, size.id, key="headcount")
    assert contacts.get_contact(uows, owner, sub, ada.id).custom_fields == {"headcount": "1-10"}
    doc = {"field": "custom_fields.headcount", "operator": "eq", "value": "1-10"}
    assert lists.count_filter(uows, owner, sub, doc) == 1
    note = fields.create_custom_field(uows, owner, sub, label="Notes", field_type="textarea",
                                      is_required=False, placeholder="anything")  # fmt: skip
    order = fields.reorder_custom_fields(uows, owner, sub, [note.id])
    assert [f.key for f in order] == ["notes", "headcount"]
    with rt.uows.tenant(owner, sub, read_only=True) as uow:
        names = set(uow.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_contacts_cf_%'"
        )).scalars())  # fmt: skip
    assert names == {"ix_contacts_cf_headcount"}  # none for textarea, the old key's dropped
    fields.delete_custom_field(uows, owner, sub, size.id, remove_values=True)
    assert contacts.get_contact(uows, owner, sub, ada.id).custom_fields == {}
    assert [f.key for f in fields.list_custom_fields(uows, owner, sub)] == ["notes"]


def test_custom_values_and_merge_fields(crm) -> None:
    rt, t, ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    link = custom_values.set_custom_value(uows, owner, sub, "booking_link", "https://x.org/b")
    assert link.token == "{{custom_values.booking_link}}"
    custom_values.set_custom_value(uows, owner, sub, "booking_link", "https://x.org/book")
    with pytest.raises(ValidationError):
        custom_values.set_custom_value(uows, owner, sub, "Booking Link", "x")
    template = (
        "Hi {{contact.first_name | there}}, book at {{ custom_values.booking_link }}. "
        "{{contact.nickname}}{{custom_values.missing | (none)}} - {{sub_account.name}}"
    )
    info = contacts.get_contact(uows, owner, sub, ada.id)
    rendered = custom_values.render_for_contact(uows, owner, sub, template, info)
    assert rendered == "Hi Ada, book at https://x.org/book. (none) - Location A"
    assert custom_values.render_for_contact(uows, owner, sub, "Hi {{contact.first_name|there}}") \
        == "Hi there"  # fmt: skip
    other = custom_values.list_custom_values(uows, owner, t.other_sub_account_id)
    assert other == []
    renamed = custom_values.rename_custom_value(uows, owner, sub, link.id, "calendar_link")
    assert renamed.key == "calendar_link"
    custom_values.delete_custom_value(uows, owner, sub, link.id)
    assert custom_values.list_custom_values(uows, owner, sub) == []


def test_export_columns_tags_custom_fields_and_formula_safety(crm, tmp_path) -> None:
    rt, t, _ada = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    fields.create_custom_field(uows, owner, sub, label="Industry", field_type="text")
    contacts.create_contact(
        uows, owner, sub,
        {"first_name": "=HYPERLINK(\"http://evil\")", "company": "+cmd", "email": "b@x.org",
         "custom_fields": {"industry": "@risk"}},
    )  # fmt: skip
    out = export_to_text(
        uows, owner, sub, columns=["first_name", "email", "tags", "custom_fields.industry"]
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["First Name", "Email", "Tags", "Industry"]
    assert rows[1] == ["Ada", "ada@x.org", "VIP", ""]
    assert rows[2] == ['\'=HYPERLINK("http://evil")', "b@x.org", "", "'@risk"]
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell(True) == "yes"
    vip_filter = {"field": "tags", "operator": "has_any", "value": ["VIP"]}
    vip = lists.create_smart_list(uows, owner, sub, "VIPs", vip_filter)
    target = tmp_path / "vips.csv"
    result = export_to_file(uows, owner, sub, target, smart_list_id=vip.id)
    assert result.rows == 1
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    assert not (tmp_path / "vips.csv.partial").exists()
    with pytest.raises(ValidationError):
        export_to_text(uows, owner, sub, columns=["password"])
    with pytest.raises(NotFound):
        export_to_text(uows, owner, t.other_sub_account_id, smart_list_id=vip.id)
    assert count(uows, owner, sub) == 2
