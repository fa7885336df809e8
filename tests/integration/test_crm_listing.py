"""The windowed contacts list: every page of every order agrees with one big read, deep pages
read backwards, remembered page ends, search pages and counts - on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.services import contact_listing as listing
from ghl_desktop.services import contacts
from ghl_desktop.services.contact_import.importer import import_contacts
from tests.conftest import make_tenant

NAMES = ["Smith", "Smithers", "Jones", "Brown", "", "Lee"]


@pytest.fixture
def people(any_runtime, monkeypatch):
    rt = any_runtime
    t = make_tenant(rt)
    rng = random.Random(9)
    lines = ["First Name,Last Name,Email,Phone,Tags"]
    for i in range(130):
        email = f"p{i}@ex{i % 7}.com" if rng.random() < 0.8 else ""
        phone = f"+1415555{i:04d}" if rng.random() < 0.5 else ""
        first = rng.choice(["Ada", "Bob", "Cy", ""]) or ("" if email or phone else "Zed")
        lines.append(f"{first},{rng.choice(NAMES)},{email},{phone},{rng.choice(['VIP', ''])}")
    result = import_contacts(rt.uows, t.owner, t.sub_account_id, "\n".join(lines))
    assert result.created == 130, result.rejected
    # Spread creation times (several share one instant, so the id breaks ties).
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        for n, c in enumerate(uow.session.scalars(select(Contact).order_by(Contact.id))):
            c.created_at = rt.clock.now() - timedelta(hours=n // 3)
        uow.commit()
    monkeypatch.setattr(listing, "REVERSE_FROM", 25)
    listing.forget_bookmarks()
    return rt, t


def _ids(rows):
    return [r.id for r in rows]


@pytest.mark.parametrize("sort_key", sorted(listing.SORT_KEYS))
@pytest.mark.parametrize("descending", [True, False])
def test_pages_agree_with_one_read(people, sort_key, descending) -> None:
    rt, t = people
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    whole = _ids(listing.fetch_rows(uows, owner, sub, sort_key=sort_key, descending=descending,
                                    limit=1000))  # fmt: skip
    assert len(whole) == 130
    total = listing.count(uows, owner, sub)
    assert total == 130
    for known in (None, total):
        listing.forget_bookmarks()
        paged = []
        for offset in range(0, 140, 9):  # forwards: later pages continue from bookmarks
            paged += _ids(listing.fetch_rows(uows, owner, sub, sort_key=sort_key,
                                             descending=descending, offset=offset, limit=9,
                                             total=known))  # fmt: skip
        assert paged == whole
        for offset in (120, 100, 64, 26, 3):  # jumps, deep ones read from the other end
            page = listing.fetch_rows(uows, owner, sub, sort_key=sort_key,
                                      descending=descending, offset=offset, limit=11,
                                      total=known)  # fmt: skip
            assert _ids(page) == whole[offset : offset + 11], (offset, known)


def test_created_order_is_newest_first_then_id(people) -> None:
    rt, t = people
    rows = listing.fetch_rows(rt.uows, t.owner, t.sub_account_id, limit=1000)
    keys = [(r.created_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)


def test_search_pages_counts_and_filters(people) -> None:
    rt, t = people
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    every = listing.fetch_rows(uows, owner, sub, limit=1000)
    smiths = {r.id for r in every if r.last_name.lower().startswith("smith")}
    assert listing.count(uows, owner, sub, search="smi") == len(smiths)
    found = []
    for offset in range(0, 60, 8):
        found += _ids(listing.fetch_rows(uows, owner, sub, search="smi", offset=offset, limit=8))
    assert sorted(found) == sorted(smiths)
    assert len(found) == len(set(found))
    by_name = listing.fetch_rows(uows, owner, sub, search="smi", sort_key="name", limit=1000)
    assert {r.id for r in by_name} == smiths
    vip = {"field": "tags", "operator": "has_any", "value": ["VIP"]}
    both = {r.id for r in listing.fetch_rows(uows, owner, sub, search="smi", filter=vip,
                                             limit=1000)}  # fmt: skip
    assert both == {r.id for r in every if r.id in smiths and "VIP" in r.tags}
    page = listing.fetch_page(uows, owner, sub, search="smi", filter=vip, limit=5)
    assert page.total == len(both)
    assert {r.id for r in page.rows} <= both
    assert listing.fetch_rows(uows, owner, sub, search="  ") == listing.fetch_rows(uows, owner, sub)
    assert listing.count(uows, owner, sub, search="zzzz") == 0


def test_archived_and_deleted_leave_the_list(people) -> None:
    rt, t = people
    uows, owner, sub = rt.uows, t.owner, t.sub_account_id
    first, second = _ids(listing.fetch_rows(uows, owner, sub, limit=2))
    contacts.set_archived(uows, owner, sub, first)
    contacts.delete_contact(uows, owner, sub, second)
    assert listing.count(uows, owner, sub) == 128
    assert listing.count(uows, owner, sub, include_archived=True) == 129
    rows = listing.fetch_rows(uows, owner, sub, include_archived=True, limit=1000)
    assert [r.is_archived for r in rows if r.id == first] == [True]
    assert second not in _ids(rows)
    assert listing.fetch_rows(uows, owner, sub, offset=500) == []
    assert listing.fetch_rows(uows, owner, t.other_sub_account_id) == []


def test_bad_paging_arguments_name_the_field(people) -> None:
    rt, t = people
    for kwargs, field in (({"sort_key": "company"}, "sort_key"), ({"limit": 0}, "limit"),
                          ({"offset": -1}, "offset")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            listing.fetch_rows(rt.uows, t.owner, t.sub_account_id, **kwargs)
        assert caught.value.field == field


@pytest.mark.parametrize("sort_key", sorted(listing.SORT_KEYS))
def test_first_pages_hold_only_the_sub_accounts_live_contacts(people, sort_key) -> None:
    """The first page of an unfiltered list is read by a statement built once and shared by
    every sub-account: each sub-account still sees only its own live contacts."""
    from ghl_desktop.services.smart_lists.filters import Group

    rt, t = people
    uows, owner, sub, other = rt.uows, t.owner, t.sub_account_id, t.other_sub_account_id
    theirs = {
        contacts.create_contact(uows, owner, other, {"first_name": f"Other{i}"}).id
        for i in range(3)
    }
    archived = contacts.create_contact(uows, owner, other, {"first_name": "Archived"}).id
    contacts.set_archived(uows, owner, other, archived)
    for descending in (True, False):
        ours = _ids(listing.fetch_rows(uows, owner, sub, sort_key=sort_key,
                                       descending=descending, limit=200))  # fmt: skip
        assert len(ours) == 130
        assert not theirs & set(ours)
        for no_filter in (None, {}, Group()):
            page = listing.fetch_rows(uows, owner, other, sort_key=sort_key, filter=no_filter,
                                      descending=descending, limit=50)  # fmt: skip
            assert set(_ids(page)) == theirs
        with_archived = listing.fetch_rows(
            uows, owner, other, sort_key=sort_key, descending=descending, include_archived=True
        )
        assert set(_ids(with_archived)) == theirs | {archived}
