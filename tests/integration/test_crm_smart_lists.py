"""Every smart-list operator, compiled to SQL, against a brute-force Python reference on
generated contacts - on SQLite and PostgreSQL - plus the saved-list service."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.crm import Contact, LifecycleStage
from ghl_desktop.services import agencies, contacts, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_query import ContactSelection, selection_conditions
from ghl_desktop.services.smart_lists import compiler
from ghl_desktop.services.smart_lists import service as lists
from ghl_desktop.services.smart_lists.filters import OPERATORS, STANDARD_FIELDS, Kind, parse_filter
from tests.conftest import TEST_PASSWORD, make_tenant
from tests.integration import crm_reference as ref

CUSTOM_KINDS = {
    "custom_fields.industry": Kind.ENUM,
    "custom_fields.note": Kind.TEXT,
    "custom_fields.revenue": Kind.NUMBER,
    "custom_fields.signup": Kind.DATE,
    "custom_fields.vip_flag": Kind.BOOL,
    "custom_fields.interests": Kind.MULTI,
}
FIELDS = {**STANDARD_FIELDS, **CUSTOM_KINDS}


@dataclass
class World:
    rt: Any
    owner: Actor
    sub: str
    people: list[ref.Person]
    deleted: set[str]
    tag_ids: dict[str, str]
    users: list[str]
    reference: ref.Ref

    def sql(self, doc: dict[str, Any]) -> set[str]:
        with self.rt.uows.tenant(self.owner, self.sub, read_only=True) as uow:
            conditions = selection_conditions(uow, ContactSelection(parse_filter(doc)))
            return set(uow.session.scalars(select(Contact.id).where(*conditions)))

    def expected(self, doc: dict[str, Any]) -> set[str]:
        return {
            p.id for p in self.people
            if p.id not in self.deleted and ref.matches(p, doc, self.reference, self.tag_ids)
        }  # fmt: skip


@pytest.fixture
def world(any_runtime) -> World:
    rt = any_runtime
    t = make_tenant(rt)
    agencies.update_sub_account(rt.uows, t.owner, t.sub_account_id, timezone=ref.ZONE)
    second = users.create_user(
        rt.uows, t.owner, t.agency_id, "second@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=t.sub_account_id,
    )  # fmt: skip
    user_ids = [t.owner.user_id, second.id]
    now = rt.clock.now()
    people = ref.population(random.Random(4), now, user_ids)
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        tag_ids = ref.store(uow, people)
        uow.commit()
    # Deleted contacts never match; another sub-account's contacts neither.
    deleted = {people[0].id, people[1].id}
    for cid in deleted:
        contacts.delete_contact(rt.uows, t.owner, t.sub_account_id, cid)
    contacts.create_contact(rt.uows, t.owner, t.other_sub_account_id, {"first_name": "a"})
    return World(rt, t.owner, t.sub_account_id, people, deleted, tag_ids, user_ids,
                 ref.Ref(now, ZoneInfo(ref.ZONE)))  # fmt: skip


# -- values for each kind ---------------------------------------------------------------------
def _texts(world: World, name: str) -> list[str]:
    pool = {"a", "A", "b", "_", "%", "x", "ab", "Paris", "web", "US", "1@ex.com", "+1415"}
    for p in world.people[:20]:
        value = ref._value(p, name)
        if isinstance(value, str) and value.strip():
            pool.add(value.strip())
            pool.add(value.strip()[:2].strip() or "a")
    return sorted(x for x in pool if x.strip())


def _days_around(world: World) -> list[str]:
    today = world.reference.today
    return [(today - timedelta(days=d)).isoformat() for d in (0, 1, 7, 30, 90, 200, 401)] + [
        "1975-06-01", "1990-01-01", "2010-12-31",
    ]  # fmt: skip


def choices_for(world: World, name: str, kind: Kind, op: str) -> list[Any]:
    """Candidate values for one operator (lists of lists for list-valued operators)."""
    if op in ("is_empty", "is_not_empty", "is_true", "is_false"):
        return [None]
    rng = random.Random(f"{name}/{op}")

    def lists_of(pool: list[Any], most: int = 3) -> list[Any]:
        return [rng.sample(pool, rng.randint(1, min(most, len(pool)))) for _ in range(8)]

    if kind is Kind.TEXT:
        pool = _texts(world, name)
        return lists_of(pool) if op in ("in", "not_in") else pool
    if kind is Kind.NUMBER:
        numbers = [0, 5, 10, 10.5, 50, 99, 250, 1000, -1]
        if op == "between":
            return [sorted(rng.sample(numbers, 2)) for _ in range(8)] + [[10, 10]]
        return numbers
    if kind in (Kind.DATETIME, Kind.DATE):
        if op in ("within_last_days", "more_than_days_ago"):
            return [0, 1, 7, 30, 90, 365, 500]
        days = _days_around(world)
        if op == "between":
            return [sorted(rng.sample(days, 2)) for _ in range(8)]
        return days
    if kind is Kind.ENUM:
        pool = ref.INDUSTRIES if name.startswith("custom") else [s.value for s in LifecycleStage]
        return lists_of(pool) if op in ("in", "not_in") else pool
    if kind is Kind.USER:
        return lists_of(world.users, 2) if op in ("in", "not_in") else world.users
    if kind is Kind.TAGS:
        return lists_of([*ref.TAG_NAMES, "vip", "Nope", *world.tag_ids.values()])
    return lists_of(ref.INTERESTS)  # multiselect


def _doc(name: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": name, "operator": op, **({} if value is None else {"value": value})}


def _operators(name: str, kind: Kind) -> list[str]:
    return sorted(OPERATORS[kind])


def conditions(world: World) -> st.SearchStrategy[dict[str, Any]]:
    def build(name: str) -> st.SearchStrategy[dict[str, Any]]:
        kind = FIELDS[name]
        return st.sampled_from(_operators(name, kind)).flatmap(
            lambda op: st.sampled_from(choices_for(world, name, kind, op)).map(
                lambda v: _doc(name, op, v)
            )
        )

    return st.sampled_from(sorted(FIELDS)).flatmap(build)


def filters(world: World) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        conditions(world),
        lambda children: st.fixed_dictionaries(
            {"op": st.sampled_from(["and", "or"]), "conditions": st.lists(children, max_size=3)}
        ),
        max_leaves=6,
    )


# -- the comparisons --------------------------------------------------------------------------
def test_every_operator_of_every_field_matches_the_reference(world: World) -> None:
    """A fixed sweep, so no operator depends on what Hypothesis happens to draw."""
    checked = 0
    for name in sorted(FIELDS):
        kind = FIELDS[name]
        for op in _operators(name, kind):
            for value in choices_for(world, name, kind, op)[:6]:
                doc = _doc(name, op, value)
                assert world.sql(doc) == world.expected(doc), doc
                checked += 1
    assert checked > 400


@settings(
    max_examples=120, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(data=st.data())
def test_random_nested_filters_match_the_reference(world: World, data: st.DataObject) -> None:
    doc = data.draw(filters(world))
    if "field" in doc:
        doc = {"op": "and", "conditions": [doc]}
    assert world.sql(doc) == world.expected(doc), doc


def test_tag_conditions_probed_per_contact_match_the_reference(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tags carried by many contacts are compiled as per-contact key lookups on SQLite (see
    ``compiler.LARGE_TAG``); with the threshold at 1 every test tag takes that path."""
    monkeypatch.setattr(compiler, "LARGE_TAG", 1)
    probed = 0
    for op in _operators("tags", Kind.TAGS):
        for value in choices_for(world, "tags", Kind.TAGS, op):
            doc = _doc("tags", op, value)
            assert world.sql(doc) == world.expected(doc), doc
            nested = {"op": "or", "conditions": [doc, _doc("lead_score", "gt", 50)]}
            assert world.sql(nested) == world.expected(nested), nested
            with world.rt.uows.tenant(world.owner, world.sub, read_only=True) as uow:
                group = parse_filter(doc)
                sql = str(compiler.compile_filter(group, compiler.load_context(uow, group)))
            probed += "EXISTS" in sql
    dialect = world.rt.database.writer.dialect.name
    assert probed > 10 if dialect == "sqlite" else probed == 0


def test_the_population_exercises_both_outcomes(world: World) -> None:
    """Guard against a reference that trivially agrees (everything or nothing matching)."""
    some = {"field": "tags", "operator": "has_any", "value": ["VIP"]}
    assert 0 < len(world.expected(some)) < len(world.people) - len(world.deleted)
    assert world.sql({"op": "and", "conditions": []}) == world.expected({"conditions": []})


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"field": "nope", "operator": "eq", "value": "x"}, "filter.conditions[0].field"),
        ({"field": "email", "operator": "gt", "value": "x"}, "filter.email"),
        ({"field": "email", "operator": "eq"}, "filter.conditions[0].value"),
        ({"field": "lead_score", "operator": "eq", "value": "ten"}, "filter.lead_score"),
        ({"field": "created_at", "operator": "before", "value": "03/01/2024"}, "filter.created_at"),
        ({"field": "lifecycle_stage", "operator": "eq", "value": "boss"}, "filter.lifecycle_stage"),
        ({"field": "custom_fields.missing", "operator": "eq", "value": "x"},
         "filter.custom_fields.missing"),
        ({"field": "custom_fields.industry", "operator": "eq", "value": "mining"},
         "filter.custom_fields.industry"),
        ({"op": "xor", "conditions": []}, "filter.op"),
    ],
)  # fmt: skip
def test_bad_filters_name_the_field(world: World, doc: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        world.sql(doc if "op" in doc else {"op": "and", "conditions": [doc]})
    assert caught.value.field == field


# -- saved lists ------------------------------------------------------------------------------
VIP = {"op": "and", "conditions": [{"field": "tags", "operator": "has_any", "value": ["VIP"]}]}


def test_saved_lists_store_tag_ids_and_count(world: World) -> None:
    uows, owner, sub = world.rt.uows, world.owner, world.sub
    saved = lists.create_smart_list(uows, owner, sub, "VIPs", VIP, is_shared=True)
    assert saved.filter["conditions"][0]["value"] == [world.tag_ids["VIP"]]
    expected = len(world.expected(VIP))
    assert lists.count_smart_list(uows, owner, sub, saved.id) == expected
    assert lists.smart_list_counts(uows, owner, sub) == {saved.id: expected}
    # Renaming the tag keeps the list working (it stores the id).
    from ghl_desktop.services import tags

    tags.update_tag(uows, owner, sub, world.tag_ids["VIP"], name="Very Important")
    assert lists.count_smart_list(uows, owner, sub, saved.id) == expected
    with pytest.raises(ValidationError, match="no tag named"):
        lists.create_smart_list(uows, owner, sub, "Ghosts", {
            "field": "tags", "operator": "has_any", "value": ["Ghost"]})  # fmt: skip


def test_rename_duplicate_share_and_delete(world: World) -> None:
    uows, owner, sub = world.rt.uows, world.owner, world.sub
    a = lists.create_smart_list(uows, owner, sub, "Leads", VIP)
    assert not a.is_shared
    with pytest.raises(Conflict):
        lists.create_smart_list(uows, owner, sub, "leads", VIP)
    renamed = lists.rename_smart_list(uows, owner, sub, a.id, "Hot leads")
    assert renamed.name == "Hot leads"
    copy = lists.duplicate_smart_list(uows, owner, sub, a.id)
    assert (copy.name, copy.filter) == ("Hot leads (copy)", renamed.filter)
    again = lists.duplicate_smart_list(uows, owner, sub, a.id)
    assert again.name == "Hot leads (copy) 2"
    shared = lists.update_smart_list(uows, owner, sub, a.id, is_shared=True)
    assert shared.is_shared
    lists.delete_smart_list(uows, owner, sub, copy.id)
    names = [sl.name for sl in lists.list_smart_lists(uows, owner, sub)]
    assert names == ["Hot leads", "Hot leads (copy) 2"]


def test_private_lists_are_invisible_to_others(world: World) -> None:
    uows, owner, sub = world.rt.uows, world.owner, world.sub
    private = lists.create_smart_list(uows, owner, sub, "Mine", VIP)
    shared = lists.create_smart_list(uows, owner, sub, "Ours", VIP, is_shared=True)
    staff = Actor(world.users[1], "second@acme-agency.com")
    assert [sl.id for sl in lists.list_smart_lists(uows, staff, sub)] == [shared.id]
    with pytest.raises(NotFound):
        lists.get_smart_list(uows, staff, sub, private.id)
    with pytest.raises(NotFound):
        lists.count_smart_list(uows, staff, sub, private.id)
    # Staff may write contacts, so they may edit a shared list, but not share their own
    # private list's ownership away from them.
    lists.rename_smart_list(uows, staff, sub, shared.id, "Ours too")


def test_lists_of_another_sub_account_are_not_found(world: World) -> None:
    uows, owner = world.rt.uows, world.owner
    saved = lists.create_smart_list(uows, owner, world.sub, "VIPs", VIP, is_shared=True)
    other = [
        s for s in agencies.list_sub_accounts(uows, owner, _agency(world)) if s.id != world.sub
    ]
    with pytest.raises(NotFound):
        lists.count_smart_list(uows, owner, other[0].id, saved.id)


def _agency(world: World) -> str:
    with world.rt.uows.tenant(world.owner, world.sub, read_only=True) as uow:
        assert uow.scope.agency_id is not None
        return uow.scope.agency_id


def test_within_last_days_follows_the_clock(world: World) -> None:
    doc = {"field": "created_at", "operator": "within_last_days", "value": 30}
    before = world.sql(doc)
    world.rt.clock.advance(timedelta(days=400))
    assert world.sql(doc) == set() != before


def test_dates_are_days_of_the_sub_account(world: World) -> None:
    # 03:00 UTC on 2026-01-05 is still 2026-01-04 in New York.
    from datetime import UTC, datetime

    uows, owner, sub = world.rt.uows, world.owner, world.sub
    c = contacts.create_contact(uows, owner, sub, {"first_name": "Night Owl"})
    with uows.tenant(owner, sub) as uow:
        uow.session.get(Contact, c.id).created_at = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
        uow.commit()
    on = world.sql({"field": "created_at", "operator": "on", "value": "2026-01-04"})
    assert c.id in on
    assert date(2026, 1, 4).isoformat() == "2026-01-04"
