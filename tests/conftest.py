"""Shared fixtures: a migrated runtime on a fresh SQLite file (and on PostgreSQL when the
test script started one), plus helpers to build tenants and users quickly."""

from __future__ import annotations

import os
import shutil
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


# Migrating a database costs about a second; a test suite of hundreds of runtimes copies one
# database migrated once per session instead (the migration itself is tested separately).
_templates: dict[str, str] = {}


def _migrated_sqlite_template() -> Path:
    if "sqlite" not in _templates:
        import tempfile

        import sqlean

        folder = Path(tempfile.mkdtemp(prefix="ghl-template-"))
        _runtime(folder, None, FixedClock()).close()
        # Fold the WAL into the main file so a copy of that one file is the whole database.
        conn = sqlean.connect(str(folder / "ghl_desktop.db"), isolation_level=None)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _templates["sqlite"] = str(folder / "ghl_desktop.db")
    return Path(_templates["sqlite"])


def fresh_sqlite_data_dir(data_dir: Path) -> Path:
    """A data dir holding a copy of the migrated template database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated_sqlite_template(), data_dir / "ghl_desktop.db")
    return data_dir


@pytest.fixture
def runtime(tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    rt = _runtime(fresh_sqlite_data_dir(tmp_path / "data"), None, clock)
    yield rt
    rt.close()


def _admin_execute(base_url: str, sql: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(base_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql)


def _with_database(base_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


# Databases this process created on the shared test cluster: dropped when their test ends
# (pg_runtime, any_runtime) or at the end of the session (the rest, and the template) - a
# cluster reused across runs must not grow by a database per test (it once held 63 GB).
_pg_created: list[str] = []


def _drop_pg_database(base_url: str, name: str) -> None:
    _admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if name in _pg_created:
        _pg_created.remove(name)


def _drop_pg_database_of(url: str | None) -> None:
    from sqlalchemy.engine import make_url

    base_url = os.environ.get(PG_URL_ENV)
    if url is not None and base_url:
        name = make_url(url).database
        if name in _pg_created:
            _drop_pg_database(base_url, name)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    base_url = os.environ.get(PG_URL_ENV)
    if base_url:
        for name in list(_pg_created):  # the template was created first: dropped last
            if name != _templates.get("postgresql"):
                _drop_pg_database(base_url, name)
        if "postgresql" in _templates:
            _drop_pg_database(base_url, _templates.pop("postgresql"))


def _fresh_pg_database(base_url: str, *, migrated: bool = False) -> str:
    """Create a database on the test cluster and return its URL: empty, or a copy of a
    template migrated once per session (``CREATE DATABASE ... TEMPLATE`` is a file copy)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    if not migrated:
        _admin_execute(base_url, f'CREATE DATABASE "{name}"')
        _pg_created.append(name)
        return _with_database(base_url, name)
    if "postgresql" not in _templates:
        import tempfile

        template = f"tmpl_{uuid.uuid4().hex[:12]}"
        _admin_execute(base_url, f'CREATE DATABASE "{template}"')
        _pg_created.append(template)
        folder = Path(tempfile.mkdtemp(prefix="ghl-pg-template-"))
        _runtime(folder, _with_database(base_url, template), FixedClock()).close()
        _templates["postgresql"] = template
    _admin_execute(base_url, f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"')
    _pg_created.append(name)
    return _with_database(base_url, name)


def pg_url_or_skip(*, migrated: bool = False) -> str:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_ENV} is not set: CI must start PostgreSQL (tests/pg.sh)")
        pytest.skip(f"{PG_URL_ENV} not set (run via `make test` to get PostgreSQL)")
    return _fresh_pg_database(url, migrated=migrated)


@pytest.fixture
def pg_runtime(tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    url = pg_url_or_skip(migrated=True)
    rt = _runtime(tmp_path / "pgdata", url, clock)
    yield rt
    rt.close()
    _drop_pg_database_of(url)


def runtime_on(backend: str, folder: Path, clock: FixedClock) -> Runtime:
    """A migrated runtime on ``backend`` ("sqlite" or "postgresql") that the caller closes -
    for tests that share its database with worker processes."""
    if backend == "sqlite":
        return _runtime(fresh_sqlite_data_dir(folder), None, clock)
    return _runtime(folder, pg_url_or_skip(migrated=True), clock)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_runtime(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> Iterator[Runtime]:
    if request.param == "sqlite":
        data_dir, url = fresh_sqlite_data_dir(tmp_path / "sqlite"), None
    else:
        data_dir, url = tmp_path / "postgresql", pg_url_or_skip(migrated=True)
    rt = _runtime(data_dir, url, clock)
    yield rt
    rt.close()
    _drop_pg_database_of(url)


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
