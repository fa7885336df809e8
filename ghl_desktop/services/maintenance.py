"""Database housekeeping run by the scheduler's ``maintenance`` job."""

from __future__ import annotations

import logging

from ghl_desktop.core.db import Database

log = logging.getLogger(__name__)


def run_maintenance(database: Database) -> dict[str, int]:
    """SQLite: fold the WAL into the database file (PASSIVE: never waits for readers) and let
    ``PRAGMA optimize`` refresh the planner statistics it judges stale. PostgreSQL's
    autovacuum does both itself. Returns the checkpoint figures (WAL pages, pages moved)."""
    if not database.is_sqlite:
        return {}
    # The raw driver connection (autocommit, see core.db): a checkpoint cannot run inside the
    # BEGIN IMMEDIATE transaction SQLAlchemy would open; the writer's pool keeps other
    # in-process writes out meanwhile.
    raw = database.writer.raw_connection()
    try:
        cursor = raw.cursor()
        busy, wal_pages, moved = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        cursor.execute("PRAGMA optimize")
        cursor.close()
    finally:
        raw.close()
    log.debug("checkpoint: busy=%s wal=%s moved=%s", busy, wal_pages, moved)
    return {"busy": int(busy), "wal_pages": int(wal_pages), "checkpointed": int(moved)}
