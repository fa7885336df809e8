"""Tenant leak test: for EVERY tenant model (``tenant_models()``, so new models are covered the
day they are added), a unit of work of sub-account A can neither see nor change sub-account B's
rows, and cannot write a row stamped with B's id.

Rows come from the generic factory in ``tests/row_factory.py``; each model gets two fresh
sub-accounts, so only that model's row and the rows it references live in them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import and_, delete, event, inspect, select, update
from sqlalchemy.orm import Session

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.errors import TenantViolation
from ghl_desktop.models import tenant_models
from ghl_desktop.services import agencies, uow
from tests.conftest import Tenant, _runtime, make_tenant, pg_url_or_skip
from tests.probes import PROBE_MODELS, create_probe_tables
from tests.row_factory import RowFactory
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@dataclass
class LeakWorld:
    rt: Runtime
    tenant: Tenant
    factory: RowFactory
    serial: Iterator[int]

    def two_sub_accounts(self, label: str) -> tuple[str, str]:
        n = next(self.serial)
        a, b = (
            agencies.create_sub_account(
                self.rt.uows, self.tenant.owner, self.tenant.agency_id, f"{label} {n} {side}"
            ).id
            for side in "AB"
        )
        return a, b


def _world(rt: Runtime) -> LeakWorld:
    create_probe_tables(rt.database)
    tenant = make_tenant(rt)
    factory = RowFactory(agency_id=tenant.agency_id, user_id=tenant.owner.user_id or "")
    return LeakWorld(rt, tenant, factory, iter(range(1, 10_000)))


@pytest.fixture(scope="module")
def sqlite_world(
    tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None
) -> Iterator[LeakWorld]:
    rt = _runtime(tmp_path_factory.mktemp("leak-sqlite"), None, FixedClock())
    yield _world(rt)
    rt.close()


@pytest.fixture(scope="module")
def postgresql_world(
    tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None
) -> Iterator[LeakWorld]:
    rt = _runtime(tmp_path_factory.mktemp("leak-pg"), pg_url_or_skip(), FixedClock())
    yield _world(rt)
    rt.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> LeakWorld:
    return request.getfixturevalue(f"{request.param}_world")  # type: ignore[no-any-return]


def _pk_clause(model: type[Any], row: dict[str, Any]) -> Any:
    mapper = inspect(model)
    return and_(*(col == row[col.name] for col in mapper.primary_key))


def _pk(model: type[Any], row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[col.name] for col in inspect(model).primary_key)


def _raw_rows(session: Session, model: type[Any], sub_account_id: str) -> list[Any]:
    """Rows as stored, read past the ORM (no tenant criteria), in the session's transaction."""
    table = model.__table__
    query = select(table).where(table.c.sub_account_id == sub_account_id)
    return sorted(session.connection().execute(query).all(), key=repr)


def _self_assignment(model: type[Any]) -> dict[Any, Any]:
    """``SET col = col`` for one ordinary column: harmless, but counted as a matched row."""
    table = model.__table__
    for column in table.columns:
        if not column.primary_key and column.name != "sub_account_id":
            return {column: column}
    return {table.c.sub_account_id: table.c.sub_account_id}


def check_tenant_isolation(world: LeakWorld, model: type[Any]) -> None:
    """Every isolation check for one model (raises AssertionError on a leak)."""
    rt, owner = world.rt, world.tenant.owner
    sub_a, sub_b = world.two_sub_accounts(model.__name__)
    with rt.uows.system() as setup:
        row_a = world.factory.row(setup.session, model, sub_a)
        row_b = world.factory.row(setup.session, model, sub_b)
        setup.commit()
    assert row_a["sub_account_id"] == sub_a
    assert row_b["sub_account_id"] == sub_b
    with rt.uows.system(read_only=True) as probe:
        b_before = _raw_rows(probe.session, model, sub_b)
    assert len(b_before) == 1

    with rt.uows.tenant(owner, sub_a, read_only=True) as ua:
        # get() and a select of B's row find nothing.
        assert ua.session.get(model, _pk(model, row_b)) is None, "get() returned B's row"
        found = ua.session.scalars(select(model).where(_pk_clause(model, row_b))).all()
        assert found == [], "a select by B's primary key returned it"
        # The generic export: everything of the model, as A sees it.
        exported = ua.session.scalars(select(model)).all()
        owners = {getattr(obj, "sub_account_id") for obj in exported}  # noqa: B009
        assert owners == {sub_a}, f"export of {model.__name__} holds rows of {owners - {sub_a}}"
        assert _pk(model, row_a) in {inspect(obj).identity for obj in exported}

    with rt.uows.tenant(owner, sub_a) as ua:
        a_count = len(_raw_rows(ua.session, model, sub_a))
        aimed = ua.session.execute(
            update(model).where(_pk_clause(model, row_b)).values(_self_assignment(model))
        )
        assert aimed.rowcount == 0, "an UPDATE aimed at B's row matched it"  # type: ignore[attr-defined]
        everything = ua.session.execute(update(model).values(_self_assignment(model)))
        assert everything.rowcount == a_count, "an UPDATE of all rows reached beyond A"  # type: ignore[attr-defined]
        gone = ua.session.execute(delete(model).where(_pk_clause(model, row_b)))
        assert gone.rowcount == 0, "a DELETE aimed at B's row matched it"  # type: ignore[attr-defined]
        wiped = ua.session.execute(delete(model))
        assert wiped.rowcount == a_count, "a DELETE of all rows reached beyond A"  # type: ignore[attr-defined]
        assert _raw_rows(ua.session, model, sub_b) == b_before
        ua.rollback()

    with rt.uows.tenant(owner, sub_a) as ua:
        smuggled = world.factory.build(None, model, sub_b)
        ua.session.add(smuggled)
        try:
            ua.flush()
        except TenantViolation:
            pass
        else:
            raise AssertionError(f"a {model.__name__} stamped with B's id was written from A")

    with rt.uows.system(read_only=True) as probe:
        assert _raw_rows(probe.session, model, sub_b) == b_before


MODELS = tenant_models()


# Platform tables that name a sub-account but are not owned by one: the outbox and the audit
# trail (read through agency/system scopes) and the memberships that grant access.
NOT_TENANT_SCOPED = {"domain_events", "activity_logs", "user_sub_account_memberships"}


def test_every_table_with_a_sub_account_is_a_tenant_model() -> None:
    """A model that declares ``sub_account_id`` by hand instead of using TenantMixin would get
    no tenant filter at all: catch it here."""
    from ghl_desktop.models.base import Base

    scoped = {m.__table__.name for m in MODELS}
    unscoped = {
        t.name for t in Base.metadata.sorted_tables if "sub_account_id" in t.c
    } - scoped  # fmt: skip
    assert unscoped == NOT_TENANT_SCOPED
    assert len(MODELS) >= 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_no_tenant_model_leaks_across_sub_accounts(world: LeakWorld, model: type[Any]) -> None:
    check_tenant_isolation(world, model)


# -- the checker itself ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", PROBE_MODELS, ids=lambda m: m.__name__)
def test_the_factory_builds_tricky_rows_and_they_do_not_leak(
    sqlite_world: LeakWorld, model: type[Any]
) -> None:
    check_tenant_isolation(sqlite_world, model)


def test_the_checker_catches_a_leak(sqlite_world: LeakWorld) -> None:
    """Without the tenant criteria the same checks must fail: they can detect a leak."""
    from tests.probes import ProbeNote

    event.remove(uow.AppSession, "do_orm_execute", uow._add_scope_criteria)
    try:
        with pytest.raises(AssertionError, match="B's row"):
            check_tenant_isolation(sqlite_world, ProbeNote)
    finally:
        event.listen(uow.AppSession, "do_orm_execute", uow._add_scope_criteria)
