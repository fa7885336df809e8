"""Contacts service: validation, normalisation, duplicates, archive/delete/restore, events,
permissions and the tenant boundary; tags."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.system import ActivityLog, DomainEventRecord
from ghl_desktop.services import agencies, contacts, custom_field_definitions, tags, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_listing import count, fetch_rows
from tests.conftest import TEST_PASSWORD, make_tenant


def _events(rt, name: str) -> list[dict]:
    with rt.uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(DomainEventRecord).where(DomainEventRecord.name == name)
            .order_by(DomainEventRecord.occurred_at)
        )  # fmt: skip
        return [r.payload for r in rows]


@pytest.fixture
def crm(runtime):
    t = make_tenant(runtime)
    return runtime, t


def _new(rt, t, sub=None, **values):
    return contacts.create_contact(rt.uows, t.owner, sub or t.sub_account_id, values)


def test_phone_and_email_are_normalised(crm) -> None:
    rt, t = crm
    c = _new(rt, t, first_name="  Ada  ", email=" Ada@Example.COM ", phone="(415) 555-2671")
    assert (c.first_name, c.email, c.phone) == ("Ada", "ada@example.com", "+14155552671")
    # The sub-account's country is the default region for national numbers.
    agencies.update_sub_account(rt.uows, t.owner, t.other_sub_account_id, country="GB")
    uk = _new(rt, t, t.other_sub_account_id, first_name="Bob", phone="020 7946 0958")
    assert uk.phone == "+442079460958"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "phone": "12"}, "phone"),
        ({"first_name": "A", "phone": "+1 555 000"}, "phone"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": "A", "lifecycle_stage": "boss"}, "lifecycle_stage"),
        ({"first_name": "A", "lead_score": -1}, "lead_score"),
        ({"first_name": "A", "country": "USA"}, "country"),
        ({"first_name": "A", "timezone": "Mars/Base"}, "timezone"),
        ({"first_name": "A", "date_of_birth": "31/12/1990"}, "date_of_birth"),
        ({"first_name": "A", "nickname": "Al"}, "nickname"),
        ({"company": "Only a company"}, "name"),
        ({"first_name": "A", "assigned_user_id": "no-such-user"}, "assigned_user_id"),
        ({"first_name": "A", "custom_fields": {"undefined": 1}}, "custom_fields.undefined"),
    ],
)
def test_bad_values_are_refused_naming_the_field(crm, values, field) -> None:
    rt, t = crm
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(rt.uows, t.owner, t.sub_account_id, values)
    assert caught.value.field == field
    assert count(rt.uows, t.owner, t.sub_account_id) == 0


def test_duplicates_by_email_or_phone_name_the_existing_contact(crm) -> None:
    rt, t = crm
    ada = _new(rt, t, first_name="Ada", last_name="L", email="ada@x.org", phone="+14155552671")
    with pytest.raises(contacts.DuplicateContact) as caught:
        _new(rt, t, first_name="Other", email="ADA@x.org")
    assert (caught.value.field, caught.value.existing_id) == ("email", ada.id)
    assert "Ada L" in str(caught.value)
    with pytest.raises(Conflict) as by_phone:
        _new(rt, t, first_name="Other", phone="415-555-2671")
    assert by_phone.value.field == "phone"
    # Allowed on purpose, and never across sub-accounts.
    twin = {"first_name": "Twin", "email": "ada@x.org"}
    contacts.create_contact(rt.uows, t.owner, t.sub_account_id, twin, allow_duplicate=True)
    _new(rt, t, t.other_sub_account_id, first_name="Ada", email="ada@x.org")
    # An edit onto another contact's email is refused too.
    bob = _new(rt, t, first_name="Bob", email="bob@x.org")
    with pytest.raises(contacts.DuplicateContact):
        contacts.update_contact(rt.uows, t.owner, t.sub_account_id, bob.id, {"email": "ada@x.org"})
    found = contacts.find_duplicates(rt.uows, t.owner, t.sub_account_id, email="Ada@X.org")
    assert len(found) == 2


def test_update_changes_only_given_fields_and_records_them(crm) -> None:
    rt, t = crm
    custom_field_definitions.create_custom_field(
        rt.uows, t.owner, t.sub_account_id, label="Industry", field_type="text"
    )
    c = _new(rt, t, first_name="Ada", city="London", custom_fields={"industry": "math"})
    updated = contacts.update_contact(
        rt.uows, t.owner, t.sub_account_id, c.id,
        {"company": "Engines", "custom_fields": {"industry": None}},
    )  # fmt: skip
    assert (updated.first_name, updated.city, updated.company) == ("Ada", "London", "Engines")
    assert updated.custom_fields == {}
    (event,) = _events(rt, "contact.updated")
    assert event == {"contact_id": c.id, "changed_fields": ["company", "custom_fields.industry"]}
    # Nothing changed: no event.
    contacts.update_contact(rt.uows, t.owner, t.sub_account_id, c.id, {"company": "Engines"})
    assert len(_events(rt, "contact.updated")) == 1
    with pytest.raises(ValidationError, match="name, an email or a phone"):
        contacts.update_contact(rt.uows, t.owner, t.sub_account_id, c.id, {"first_name": ""})


def test_archive_delete_restore(crm) -> None:
    rt, t = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    c = _new(rt, t, first_name="Ada", email="ada@x.org")
    archived = contacts.set_archived(uows, owner, sub, c.id)
    assert archived.archived_at is not None
    assert count(uows, owner, sub) == 0
    assert count(uows, owner, sub, include_archived=True) == 1
    contacts.set_archived(uows, owner, sub, c.id, archived=False)
    contacts.delete_contact(uows, owner, sub, c.id)
    assert count(uows, owner, sub, include_archived=True) == 0
    with pytest.raises(NotFound):
        contacts.get_contact(uows, owner, sub, c.id)
    # A deleted contact's email is free again...
    _new(rt, t, first_name="New Ada", email="ada@x.org")
    restored = contacts.restore_contact(uows, owner, sub, c.id)
    assert restored.deleted_at is None
    names = [e for e in ("contact.archived", "contact.unarchived", "contact.deleted",
                         "contact.restored") if _events(rt, e)]  # fmt: skip
    assert len(names) == 4
    with rt.uows.system(read_only=True) as uow:
        actions = set(uow.session.scalars(
            select(ActivityLog.action).where(ActivityLog.entity_id == c.id)
        ))  # fmt: skip
    assert {"created", "archived", "unarchived", "deleted", "restored"} <= actions


def test_another_sub_accounts_contact_is_not_found(crm) -> None:
    rt, t = crm
    c = _new(rt, t, first_name="Ada")
    other = t.other_sub_account_id
    for action in (
        lambda: contacts.get_contact(rt.uows, t.owner, other, c.id),
        lambda: contacts.update_contact(rt.uows, t.owner, other, c.id, {"city": "x"}),
        lambda: contacts.delete_contact(rt.uows, t.owner, other, c.id),
        lambda: contacts.restore_contact(rt.uows, t.owner, other, c.id),
        lambda: contacts.set_archived(rt.uows, t.owner, other, c.id),
        lambda: tags.add_tags(rt.uows, t.owner, other, [c.id], ["VIP"]),
    ):
        with pytest.raises(NotFound) as caught:
            action()
        assert str(caught.value) == f"contact not found: {c.id}"


def test_permissions(crm) -> None:
    rt, t = crm
    c = _new(rt, t, first_name="Ada")
    staff_user = users.create_user(
        rt.uows, t.owner, t.agency_id, "staff@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=t.sub_account_id,
    )  # fmt: skip
    staff = Actor(staff_user.id, staff_user.email)
    contacts.update_contact(rt.uows, staff, t.sub_account_id, c.id, {"city": "Paris"})
    with pytest.raises(PermissionDenied):
        contacts.delete_contact(rt.uows, staff, t.sub_account_id, c.id)
    # No membership in the other sub-account: it does not exist for them.
    with pytest.raises(NotFound):
        contacts.create_contact(rt.uows, staff, t.other_sub_account_id, {"first_name": "X"})
    assigned = contacts.update_contact(
        rt.uows, t.owner, t.sub_account_id, c.id, {"assigned_user_id": staff.user_id}
    )
    assert assigned.assigned_user_id == staff.user_id


def test_tags_create_rename_colour_delete_and_events(crm) -> None:
    rt, t = crm
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    a, b = _new(rt, t, first_name="A"), _new(rt, t, first_name="B")
    vip = tags.create_tag(uows, owner, sub, "VIP", "#d4af37")
    assert vip.colour == "#D4AF37"
    with pytest.raises(Conflict):
        tags.create_tag(uows, owner, sub, "vip")
    with pytest.raises(ValidationError) as bad:
        tags.create_tag(uows, owner, sub, "Gold", "gold")
    assert bad.value.field == "colour"
    assert tags.add_tags(uows, owner, sub, [a.id, b.id], ["vip", "New"]) == 4
    assert tags.add_tags(uows, owner, sub, [a.id], ["VIP"]) == 0  # already there: no event
    assert len(_events(rt, "contact.tag_added")) == 4
    assert tags.remove_tags(uows, owner, sub, [a.id], [vip.id]) == 1
    assert [e["contact_id"] for e in _events(rt, "contact.tag_removed")] == [a.id]
    renamed = tags.update_tag(uows, owner, sub, vip.id, name="Very Important", colour="")
    assert (renamed.name, renamed.colour) == ("Very Important", None)
    rows = {r.first_name: r.tags for r in fetch_rows(uows, owner, sub)}
    assert rows == {"A": "New", "B": "New, Very Important"}
    assert tags.delete_tag(uows, owner, sub, vip.id) == 1
    assert [s.name for s in tags.list_tags(uows, owner, sub)] == ["New"]
    assert _events(rt, "tag.deleted")[0]["contact_count"] == 1
    assert tags.split_tag_names("VIP, Lead;  Hot  Prospect ,") == ["VIP", "Lead", "Hot Prospect"]
