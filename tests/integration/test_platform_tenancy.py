"""The tenant unit of work: every ORM statement of a tenant model is confined to the current
sub-account, new rows are stamped, cross-tenant rows are refused, soft-deleted rows hidden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, insert, select, update

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import NotFound, TenantViolation
from ghl_desktop.services.actor import SYSTEM
from tests.conftest import Tenant
from tests.probes import ProbeChild, ProbeKind, ProbeNote, ProbeParent, create_probe_tables

DELETED_AT = datetime(2026, 1, 2, tzinfo=UTC)


@dataclass
class Seed:
    a_ids: list[str]
    b_ids: list[str]
    a_deleted_id: str


@pytest.fixture
def runtime(any_runtime: Runtime) -> Runtime:
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_runtime


@pytest.fixture
def seed(runtime: Runtime, tenant: Tenant) -> Seed:
    create_probe_tables(runtime.database)
    with runtime.uows.system() as uow:
        a = [ProbeNote(sub_account_id=tenant.sub_account_id, title=f"a{i}") for i in range(2)]
        b = [ProbeNote(sub_account_id=tenant.other_sub_account_id, title=f"b{i}") for i in range(2)]
        gone = ProbeNote(sub_account_id=tenant.sub_account_id, title="gone", deleted_at=DELETED_AT)
        uow.session.add_all([*a, *b, gone])
        uow.commit()
    return Seed([n.id for n in a], [n.id for n in b], gone.id)


def _all_titles(runtime: Runtime) -> dict[str, str]:
    with runtime.uows.system(read_only=True) as uow:
        rows = uow.session.execute(
            select(ProbeNote.id, ProbeNote.title).execution_options(include_deleted=True)
        ).all()
    return {row.id: row.title for row in rows}


def test_reads_see_only_the_current_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        ids = set(uow.session.scalars(select(ProbeNote.id)))
        assert ids == set(seed.a_ids)
        assert uow.session.get(ProbeNote, seed.b_ids[0]) is None
        assert uow.session.scalar(select(func.count()).select_from(ProbeNote)) == 2
        by_id = select(ProbeNote).where(ProbeNote.id == seed.b_ids[0])
        assert uow.session.scalars(by_id).all() == []


def test_soft_deleted_rows_are_hidden_unless_asked_for(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        assert seed.a_deleted_id not in set(uow.session.scalars(select(ProbeNote.id)))
        assert uow.session.get(ProbeNote, seed.a_deleted_id) is None
        shown = uow.session.scalars(
            select(ProbeNote.id).execution_options(include_deleted=True)
        ).all()
        assert set(shown) == {*seed.a_ids, seed.a_deleted_id}  # still only sub-account A
        got = uow.session.get(
            ProbeNote, seed.a_deleted_id, execution_options={"include_deleted": True}
        )
        assert got is not None
        assert got.deleted_at == DELETED_AT


def test_update_statements_touch_only_the_current_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        result = uow.session.execute(update(ProbeNote).values(title="changed"))
        assert result.rowcount == 2  # type: ignore[attr-defined]
        aimed = uow.session.execute(
            update(ProbeNote).where(ProbeNote.id == seed.b_ids[0]).values(title="hijacked")
        )
        assert aimed.rowcount == 0  # type: ignore[attr-defined]
        uow.commit()
    titles = _all_titles(runtime)
    assert [titles[i] for i in seed.a_ids] == ["changed", "changed"]
    assert [titles[i] for i in seed.b_ids] == ["b0", "b1"]
    assert titles[seed.a_deleted_id] == "gone"  # soft-deleted rows are not updated either


def test_bulk_update_by_primary_key_cannot_reach_another_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.execute(
            update(ProbeNote),
            [{"id": seed.b_ids[0], "title": "hijacked"}, {"id": seed.a_ids[0], "title": "mine"}],
        )
        uow.commit()
    titles = _all_titles(runtime)
    assert titles[seed.b_ids[0]] == "b0"
    assert titles[seed.a_ids[0]] == "mine"


def test_update_statements_cannot_move_rows_to_another_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        with pytest.raises(TenantViolation):
            uow.session.execute(
                update(ProbeNote).values(sub_account_id=tenant.other_sub_account_id)
            )
        with pytest.raises(TenantViolation):
            uow.session.execute(
                update(ProbeNote),
                [{"id": seed.a_ids[0], "sub_account_id": tenant.other_sub_account_id}],
            )
    with runtime.uows.tenant(tenant.owner, tenant.other_sub_account_id, read_only=True) as uow:
        assert set(uow.session.scalars(select(ProbeNote.id))) == set(seed.b_ids)


def test_delete_statements_touch_only_the_current_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        aimed = uow.session.execute(delete(ProbeNote).where(ProbeNote.id.in_(seed.b_ids)))
        assert aimed.rowcount == 0  # type: ignore[attr-defined]
        everything = uow.session.execute(delete(ProbeNote))
        assert everything.rowcount == 2  # type: ignore[attr-defined]
        uow.commit()
    assert set(_all_titles(runtime)) == {*seed.b_ids, seed.a_deleted_id}


def test_new_rows_are_stamped(runtime: Runtime, tenant: Tenant, seed: Seed) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        note = ProbeNote(title="new")
        uow.session.add(note)
        uow.flush()
        assert note.sub_account_id == tenant.sub_account_id
        uow.commit()


def test_a_row_of_another_sub_account_is_refused_at_flush(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.add(ProbeNote(title="smuggled", sub_account_id=tenant.other_sub_account_id))
        with pytest.raises(TenantViolation, match="another sub-account"):
            uow.flush()
    assert "smuggled" not in _all_titles(runtime).values()


def test_a_loaded_row_cannot_move_to_another_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        note = uow.session.get(ProbeNote, seed.a_ids[0])
        assert note is not None
        note.sub_account_id = tenant.other_sub_account_id
        with pytest.raises(TenantViolation, match="cannot move"):
            uow.flush()


def test_bulk_inserts_are_stamped_and_checked(runtime: Runtime, tenant: Tenant, seed: Seed) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.execute(insert(ProbeNote), [{"title": "bulk1"}, {"title": "bulk2"}])
        uow.session.execute(insert(ProbeNote).values(title="bulk3"))
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        titles = set(uow.session.scalars(select(ProbeNote.title)))
    assert {"bulk1", "bulk2", "bulk3"} <= titles

    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        with pytest.raises(TenantViolation):
            uow.session.execute(
                insert(ProbeNote),
                [{"title": "ok"}, {"title": "x", "sub_account_id": tenant.other_sub_account_id}],
            )
        with pytest.raises(TenantViolation):
            uow.session.execute(
                insert(ProbeNote).values(title="y", sub_account_id=tenant.other_sub_account_id)
            )
    assert not {"ok", "x", "y"} & set(_all_titles(runtime).values())


def test_joins_are_filtered_on_every_tenant_entity(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    with runtime.uows.system() as uow:
        parents = {}
        for sub in (tenant.sub_account_id, tenant.other_sub_account_id):
            parents[sub] = ProbeParent(
                sub_account_id=sub, code="p", phone="+15555550100", kind=ProbeKind.ALPHA,
                quantity=1, starts_at=now, ends_at=now.replace(hour=1), options={},
                is_enabled=True,
            )  # fmt: skip
        uow.session.add_all(parents.values())
        uow.flush()
        # A child in B that (wrongly) points at A's parent: joins must still hide it from A.
        uow.session.add(
            ProbeChild(
                sub_account_id=tenant.other_sub_account_id,
                parent_id=parents[tenant.sub_account_id].id,
                label="b-child",
            )
        )
        uow.commit()
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        joined = uow.session.execute(
            select(ProbeParent.id, ProbeChild.label).join(
                ProbeChild, ProbeChild.parent_id == ProbeParent.id
            )
        ).all()
        assert joined == []
        outer = uow.session.execute(
            select(ProbeParent.sub_account_id).outerjoin(
                ProbeChild, ProbeChild.parent_id == ProbeParent.id
            )
        ).all()
        assert outer == [(tenant.sub_account_id,)]


def test_agency_and_system_scopes_see_every_sub_account(
    runtime: Runtime, tenant: Tenant, seed: Seed
) -> None:
    for uow in (
        runtime.uows.agency(tenant.owner, tenant.agency_id, read_only=True),
        runtime.uows.system(read_only=True),
    ):
        with uow:
            ids = set(uow.session.scalars(select(ProbeNote.id)))
            assert ids == {*seed.a_ids, *seed.b_ids}  # both tenants, soft-deleted hidden
            assert uow.scope.sub_account_id is None
            with pytest.raises(TenantViolation, match="not scoped"):
                _ = uow.sub_account_id


def test_agency_scope_writes_need_no_stamp(runtime: Runtime, tenant: Tenant, seed: Seed) -> None:
    with runtime.uows.agency(tenant.owner, tenant.agency_id) as uow:
        uow.session.add(ProbeNote(title="agency-made", sub_account_id=tenant.other_sub_account_id))
        uow.commit()
    with runtime.uows.tenant(SYSTEM, tenant.other_sub_account_id, read_only=True) as uow:
        assert "agency-made" in set(uow.session.scalars(select(ProbeNote.title)))


def test_unknown_sub_account_is_not_found(runtime: Runtime, tenant: Tenant) -> None:
    with pytest.raises(NotFound, match="sub-account not found"):
        runtime.uows.tenant(tenant.owner, "00000000-0000-7000-8000-000000000000")


def test_uncommitted_work_is_rolled_back(runtime: Runtime, tenant: Tenant, seed: Seed) -> None:
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.add(ProbeNote(title="never"))
        uow.flush()

    def fail_half_way() -> None:
        with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
            uow.session.add(ProbeNote(title="never-either"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_half_way()
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        uow.session.add(ProbeNote(title="kept"))
    titles = set(_all_titles(runtime).values())
    assert "kept" in titles
    assert not {"never", "never-either"} & titles
