"""Shared fixtures: a migrated runtime on a fresh SQLite file (and on PostgreSQL when the
test script started one), plus helpers to build tenants and users quickly."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import SYSTEM, Actor

PG_URL_ENV = "GHL_TEST_PG_URL"
TEST_PASSWORD = "correct-horse-battery"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _runtime(data_dir: Path, url: str | None, clock: FixedClock) -> Runtime:
    secrets = EncryptedFileSecretStore(data_dir / "secrets" / "secrets.enc")
    return build_runtime(data_dir, url, clock=clock, secrets=secrets)


@pytest.fixture
def runtime(tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    rt = _runtime(tmp_path / "data", None, clock)
    yield rt
    rt.close()


def _fresh_pg_database(base_url: str) -> str:
    """Create an empty database on the test cluster and return its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_url(base_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def pg_url_or_skip() -> str:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_ENV} is not set: CI must start PostgreSQL (tests/pg.sh)")
        pytest.skip(f"{PG_URL_ENV} not set (run via `make test` to get PostgreSQL)")
    return _fresh_pg_database(url)


@pytest.fixture
def pg_runtime(tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    rt = _runtime(tmp_path / "pgdata", pg_url_or_skip(), clock)
    yield rt
    rt.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_runtime(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> Iterator[Runtime]:
    url = None if request.param == "sqlite" else pg_url_or_skip()
    rt = _runtime(tmp_path / request.param, url, clock)
    yield rt
    rt.close()


@dataclass
class Tenant:
    agency_id: str
    owner: Actor
    sub_account_id: str
    other_sub_account_id: str


def make_tenant(
    rt: Runtime, agency: str = "Acme Agency", owner_email: str = "owner@acme-agency.com"
) -> Tenant:
    inst = agencies.init_installation(rt.uows, agency, owner_email, TEST_PASSWORD, "Owner")
    owner = Actor(user_id=inst.owner_user_id, label=owner_email)
    a = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Location A")
    b = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Location B")
    return Tenant(inst.agency_id, owner, a.id, b.id)


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime)


@pytest.fixture
def system_actor() -> Actor:
    return SYSTEM
