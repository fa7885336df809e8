"""The data layer: SQLite connection settings, the single BEGIN IMMEDIATE writer, readers next to
it, and the same models on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlean  # type: ignore[import-untyped]
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import StatementError

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.db import BUSY_TIMEOUT_MS, Database, normalise_url, open_database, sqlite_url
from ghl_desktop.models.base import UTCDateTime
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services import agencies
from tests.conftest import Tenant, make_tenant

_meta = MetaData()
counter = Table(
    "probe_counter",
    _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("writer", String(20), nullable=False),
)
moments = Table(
    "probe_moments",
    _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=True),
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(tmp_path / "app.db"))
    with database.writer.begin() as conn:
        _meta.create_all(conn)
    yield database
    database.dispose()


def _pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }


def _check_connection(conn: Connection) -> None:
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert conn.exec_driver_sql("SELECT vec_version()").scalar().startswith("v")
    distance = conn.exec_driver_sql("SELECT vec_distance_l2('[1.0, 2.0]', '[1.0, 5.0]')").scalar()
    assert distance == pytest.approx(3.0)


def test_the_writer_connection_is_configured(db: Database) -> None:
    with db.writer.connect() as conn:
        _check_connection(conn)


def test_every_reader_connection_is_configured(db: Database) -> None:
    # Several pooled connections at once: each one is configured, not only the first.
    with db.reader.connect() as a, db.reader.connect() as b, db.reader.connect() as c:
        for conn in (a, b, c):
            _check_connection(conn)


def test_runtime_database_is_configured(runtime: Runtime) -> None:
    assert _pragmas(runtime.database.writer) == {
        "journal_mode": "wal", "foreign_keys": 1, "busy_timeout": BUSY_TIMEOUT_MS,
        "synchronous": 2,
    }  # fmt: skip
    assert _pragmas(runtime.database.reader)["synchronous"] == 2


def test_foreign_keys_are_enforced(runtime: Runtime) -> None:
    from sqlalchemy.exc import IntegrityError

    with runtime.database.writer.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            insert(SubAccount.__table__).values(
                id="x",
                agency_id="no-such-agency",
                name="n",
                timezone="UTC",
                country="US",
                currency="USD",
                settings={},
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )


def test_writer_takes_the_write_lock_at_begin(db: Database, tmp_path: Path) -> None:
    """``BEGIN IMMEDIATE``: the lock is held from the first statement of the transaction, so
    another writer cannot sneak in between our read and our write."""
    other = sqlean.connect(str(tmp_path / "app.db"), timeout=0, isolation_level=None)
    try:
        with db.writer.begin() as conn:
            conn.execute(select(counter.c.id)).all()  # a read only
            with pytest.raises(sqlean.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_reader_reads_while_the_writer_holds_its_transaction(db: Database) -> None:
    with db.writer.begin() as wconn:
        wconn.execute(insert(counter).values(writer="w"))
        started = time.perf_counter()
        with db.reader.connect() as rconn:
            seen = rconn.execute(select(counter.c.id)).all()
        assert time.perf_counter() - started < 1.0  # not waiting for the writer
        assert seen == []  # and not seeing its uncommitted row
    with db.reader.connect() as rconn:
        assert len(rconn.execute(select(counter.c.id)).all()) == 1


def _read_then_write(database: Database, name: str, barrier: threading.Barrier) -> None:
    barrier.wait()
    with database.writer.begin() as conn:
        conn.execute(select(counter.c.id)).all()
        time.sleep(0.2)  # hold the transaction so the other writer has to wait
        conn.execute(insert(counter).values(writer=name))


def _run_writers(databases: list[Database], rounds: int = 3) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(databases))

    def work(database: Database, name: str) -> None:
        try:
            for _ in range(rounds):
                _read_then_write(database, name, barrier)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(d, f"w{i}")) for i, d in enumerate(databases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_two_threads_writing_concurrently_both_succeed(db: Database) -> None:
    assert _run_writers([db, db]) == []
    with db.reader.connect() as conn:
        rows = conn.execute(select(counter.c.writer)).scalars().all()
    assert sorted(rows) == ["w0"] * 3 + ["w1"] * 3


def test_two_engines_on_one_file_never_fail_mid_transaction(db: Database, tmp_path: Path) -> None:
    """Two writer engines stand for two processes. With a deferred BEGIN both would read, then
    both try to upgrade to a write lock and one gets SQLITE_BUSY half-way through."""
    second = open_database(sqlite_url(tmp_path / "app.db"))
    try:
        assert _run_writers([db, second]) == []
    finally:
        second.dispose()
    with db.reader.connect() as conn:
        assert conn.execute(select(counter.c.id)).all().__len__() == 6


def test_urls() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite+pysqlite"
    with pytest.raises(ValueError, match="in-memory"):
        normalise_url("sqlite://")
    with pytest.raises(ValueError, match="unsupported"):
        normalise_url("mysql://u@h/db")


# -- UTCDateTime ------------------------------------------------------------------------------
def _moment_round_trip(engine: Engine, value: datetime) -> datetime:
    with engine.begin() as conn:
        row_id = conn.execute(insert(moments).values(at=value)).inserted_primary_key[0]
        got = conn.execute(select(moments.c.at).where(moments.c.id == row_id)).scalar_one()
    assert isinstance(got, datetime)
    return got


@pytest.fixture
def any_engine(any_runtime: Runtime) -> Engine:
    engine = any_runtime.database.writer
    with engine.begin() as conn:
        _meta.create_all(conn)
    return engine


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 8, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    ],
)
def test_utc_datetime_round_trip(any_engine: Engine, value: datetime) -> None:
    got = _moment_round_trip(any_engine, value)
    assert got == value
    assert got.tzinfo is not None
    assert got.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(any_engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _moment_round_trip(any_engine, datetime(2026, 1, 1, 12, 0))


def test_utc_datetimes_compare_in_sql(any_engine: Engine) -> None:
    early = datetime(2026, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # 04:00 UTC next day
    late = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    _moment_round_trip(any_engine, early)
    _moment_round_trip(any_engine, late)
    with any_engine.connect() as conn:
        ordered = conn.execute(select(moments.c.at).order_by(moments.c.at)).scalars().all()
        after = (
            conn.execute(
                select(moments.c.at).where(moments.c.at > datetime(2026, 1, 2, 3, 30, tzinfo=UTC))
            )
            .scalars()
            .all()
        )
    assert ordered == [late, early]
    assert after == [early]


# -- the same models on both databases ------------------------------------------------------
def test_platform_models_work_on_both_databases(any_runtime: Runtime) -> None:
    tenant: Tenant = make_tenant(any_runtime)
    subs = agencies.list_sub_accounts(any_runtime.uows, tenant.owner, tenant.agency_id)
    assert [s.name for s in subs] == ["Location A", "Location B"]
    assert all(s.created_at.tzinfo is not None for s in subs)
    with any_runtime.database.reader.connect() as conn:
        dialect = conn.dialect.name
        assert conn.execute(text("SELECT count(*) FROM sub_accounts")).scalar() == 2
    assert dialect == any_runtime.database.url.get_backend_name()
