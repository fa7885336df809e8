"""Whole-database snapshots, to prove that a refused command changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select, table, text

from ghl_desktop.core.db import Database


def _tables(database: Database) -> list[str]:
    with database.reader.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def row_counts(database: Database) -> dict[str, int]:
    """Rows per table, for every table in the database (not only those in the models)."""
    counts = {}
    with database.reader.connect() as conn:
        for name in _tables(database):
            counts[name] = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    return counts


def snapshot(database: Database, skip_columns: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every row of every table, as sorted tuples of text (order-independent, comparable)."""
    state: dict[str, Any] = {}
    with database.reader.connect() as conn:
        insp = inspect(conn)
        for name in _tables(database):
            columns = [c["name"] for c in insp.get_columns(name) if c["name"] not in skip_columns]
            if not columns:
                continue
            query = select(*(text(f'"{c}"') for c in columns)).select_from(table(name))
            rows = conn.execute(query).all()
            state[name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return state


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only the tables whose contents differ, with the rows added and removed."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        if old != new:
            changed[name] = {"added": sorted(new - old), "removed": sorted(old - new)}
    return changed
