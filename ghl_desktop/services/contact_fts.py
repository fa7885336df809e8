"""Bulk writes and the contacts full-text index (migration 0003).

On SQLite the index is kept by row triggers, which make a bulk insert 2.6x slower (see
ENVIRONMENT.md). ``bulk_insert_mode`` drops the two *insert* triggers inside the caller's
transaction and re-creates them, from the exact SQL stored in ``sqlite_master``, before it
ends; the contacts written meanwhile are re-indexed in one statement. DDL is transactional in
SQLite and the writer holds the write lock (BEGIN IMMEDIATE), so no other connection ever sees
the triggers missing, and a rollback (crash, cancel) brings them back with everything else.

On PostgreSQL the triggers stay on (dropping them would lock the table for every reader).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ghl_desktop.services.crm_common import chunked

SUSPENDED_TRIGGERS = ("contacts_fts_contact_insert", "contacts_fts_tag_link_insert")
PENDING = "temp.contacts_fts_pending"
BULK_CACHE_KIB = 128 * 1024
BULK_FTS_HASHSIZE = 64 * 1024 * 1024
DEFAULT_FTS_HASHSIZE = 1024 * 1024  # FTS5's own default
_FTS_HASHSIZE = "INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('hashsize', {})"


def _migration() -> Any:
    # The document the index holds per contact is defined once, in the migration.
    return importlib.import_module("ghl_desktop.migrations.versions.0003_contacts_search")


class BulkIndexer:
    """Collects the ids of contacts to (re)index while the insert triggers are off."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def touch(self, contact_ids: Iterable[str]) -> None:
        for batch in chunked(list(contact_ids), 500):
            self.connection.exec_driver_sql(
                f"INSERT OR IGNORE INTO {PENDING}(id) VALUES " + ",".join("(?)" for _ in batch),
                tuple(batch),
            )

    def flush(self) -> None:
        """Index every pending contact (new ones get their docs row first)."""
        migration = _migration()
        conn = self.connection
        # Old entries out first, while only contacts indexed before have a docs row: the
        # new contacts' rows would only make FTS5 look up 100k rowids it does not hold.
        conn.execute(
            text(
                "DELETE FROM contacts_fts WHERE rowid IN (SELECT d.rowid FROM contacts_fts_docs d"
                f" JOIN {PENDING} p ON p.id = d.contact_id)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts_fts_docs(contact_id)"
                f" SELECT id FROM {PENDING} p"
                " WHERE NOT EXISTS (SELECT 1 FROM contacts_fts_docs d WHERE d.contact_id = p.id)"
                " ORDER BY id"
            )
        )
        # FTS5 writes a new index segment each time its in-memory term table passes
        # ``hashsize`` (1 MB by default) and merges those segments as it goes: for 100k
        # documents a larger table means fewer, bigger segments and ~30% less work. The
        # option is stored with the index, so the default is put back straight after.
        conn.exec_driver_sql(_FTS_HASHSIZE.format(BULK_FTS_HASHSIZE))
        conn.execute(
            text(
                f"INSERT INTO {migration._SQLITE_COLUMNS} {migration._SQLITE_DOCUMENT}"
                f" WHERE c.id IN (SELECT id FROM {PENDING})"
            )
        )
        conn.exec_driver_sql(_FTS_HASHSIZE.format(DEFAULT_FTS_HASHSIZE))
        conn.execute(text(f"DELETE FROM {PENDING}"))


@contextmanager
def bulk_insert_mode(connection: Connection) -> Iterator[BulkIndexer | None]:
    """Within the caller's transaction: insert triggers off, then the touched contacts indexed
    and the triggers back. Yields None on PostgreSQL (nothing to do: triggers index rows)."""
    if connection.dialect.name != "sqlite":
        yield None
        return
    stored: dict[str, str] = dict(
        connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (:a, :b)"),
            {"a": SUSPENDED_TRIGGERS[0], "b": SUSPENDED_TRIGGERS[1]},
        ).all()
    )
    connection.execute(
        text("CREATE TEMP TABLE IF NOT EXISTS contacts_fts_pending (id TEXT PRIMARY KEY)")
    )
    connection.execute(text(f"DELETE FROM {PENDING}"))
    for name in stored:
        connection.execute(text(f"DROP TRIGGER {name}"))
    # A bulk insert touches every index of contacts at random places (emails, names): with
    # SQLite's default 2 MB page cache each row would reread pages from the OS. Give this
    # connection room for the indexes while the bulk write runs.
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        indexer = BulkIndexer(connection)
        yield indexer
        indexer.flush()
        for sql in stored.values():
            connection.exec_driver_sql(sql)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")
