"""Engines for SQLite (the embedded default) and PostgreSQL (team mode).

SQLite: every connection loads sqlite-vec and sets WAL, foreign keys, a busy timeout and
``synchronous=FULL``. Writes go through a dedicated one-connection engine whose transactions
start with ``BEGIN IMMEDIATE``: inside one process threads queue for that connection, across
processes the write lock is taken up front, so no transaction fails half-way with SQLITE_BUSY on
its first write. Reads use a separate pool and run concurrently with the writer (WAL).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlean
import sqlite_vec
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

BUSY_TIMEOUT_MS = 15_000
# Reader connections map the file (read-only; pages are read in place, not copied out of the
# OS cache by a system call each - SQLite caps this at its 2 GiB build limit) and keep a page
# cache of up to 64 MiB, filled only as far as they read. Without these, a query probing an
# index at random over a million contacts spends most of its time fetching pages.
READER_MMAP_BYTES = 2**31
READER_CACHE_KIB = 65_536


@dataclass(frozen=True)
class Database:
    """The engines of one database: ``writer`` for read-write units of work, ``reader`` for
    read-only ones. On PostgreSQL both are the same engine."""

    url: URL
    writer: Engine
    reader: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database:
            return None
        return Path(self.url.database)

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def normalise_url(url: str) -> URL:
    """Accept ``postgresql://`` and ``sqlite:///`` URLs and pick our drivers for them."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared by the app's engines")
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername!r}")


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the driver's implicit BEGIN is lazy
    # and never IMMEDIATE).
    dbapi_connection.isolation_level = None
    dbapi_connection.enable_load_extension(True)
    sqlite_vec.load(dbapi_connection)
    dbapi_connection.enable_load_extension(False)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _configure_sqlite_reader(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
    cursor.close()


def _sqlite_engine(url: URL, *, immediate: bool) -> Engine:
    kwargs: dict[str, Any] = {"module": sqlean, "connect_args": {"check_same_thread": False}}
    if immediate:
        # One connection: in-process writers wait their turn for it.
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    if not immediate:
        event.listen(engine, "connect", _configure_sqlite_reader)
    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


def open_database(url: str, *, pool: bool = True) -> Database:
    """Build the engines for ``url``. ``pool=False`` gives short-lived tools a NullPool."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return Database(
            parsed, _sqlite_engine(parsed, immediate=True), _sqlite_engine(parsed, immediate=False)
        )
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if not pool:
        kwargs = {"poolclass": NullPool}
    engine = create_engine(parsed, **kwargs)
    return Database(parsed, engine, engine)
