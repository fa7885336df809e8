"""Migrations: the migrated schema is exactly the models, on SQLite and PostgreSQL; a database
from a newer version is refused untouched; an existing SQLite file is backed up first."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlean  # type: ignore[import-untyped]
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text

import ghl_desktop.models  # noqa: F401  (registers every table)
from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.cli import main
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.db import Database, open_database, sqlite_url
from ghl_desktop.core.errors import SchemaTooNew
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.base import Base
from ghl_desktop.services import schema

log = logging.getLogger(__name__)

# Objects the migrations create by hand, outside the models' metadata (FTS tables and their
# shadow tables, the sqlite-vec/pgvector embeddings table, Alembic's own table). A diff whose
# table or object name starts with one of these is ignored, and logged.
IGNORED_SCHEMA_OBJECTS = ("contacts_fts", "training_data_vec", "alembic_version")

FUTURE_REVISION = "9999_from_a_newer_release"


def _diff_names(diff: Any) -> set[str]:
    """Table and object names a compare_metadata diff is about."""
    if isinstance(diff, list):  # modify_* diffs come grouped per column
        return set().union(*(_diff_names(d) for d in diff))
    kind, rest = diff[0], diff[1:]
    names: set[str] = set()
    if kind.startswith("modify_") or kind in ("add_column", "remove_column"):
        names.add(rest[1])  # table name
        column = rest[2]
        names.add(column if isinstance(column, str) else column.name)
        return names
    obj = rest[0]
    if isinstance(getattr(obj, "name", None), str):
        names.add(obj.name)
    for attr in ("table", "parent"):  # an index's or constraint's table
        owner = getattr(obj, attr, None)
        if owner is not None and isinstance(getattr(owner, "name", None), str):
            names.add(owner.name)
    return names


def _is_ignored(diff: Any) -> bool:
    return any(n.startswith(IGNORED_SCHEMA_OBJECTS) for n in _diff_names(diff))


def schema_diffs(database: Database) -> list[Any]:
    with database.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    kept = [d for d in diffs if not _is_ignored(d)]
    for ignored in (d for d in diffs if _is_ignored(d)):
        log.info("schema drift check ignores %s", sorted(_diff_names(ignored)))
    return kept


def test_the_diff_filter_recognises_what_it_must_ignore() -> None:
    from sqlalchemy import Column, Index, Integer, MetaData, Table

    meta = MetaData()
    shadow = Table("contacts_fts_data", meta, Column("id", Integer, primary_key=True))
    vec = Table("training_data_vec", meta, Column("x", Integer))
    real = Table("contacts", meta, Column("email", Integer))
    assert _is_ignored(("remove_table", shadow))
    assert _is_ignored(("remove_index", Index("sqlite_autoindex_x_1", vec.c.x)))
    assert not _is_ignored(("remove_table", real))
    assert not _is_ignored(("add_column", None, "contacts", real.c.email))
    assert not _is_ignored([("modify_nullable", None, "contacts", "email", {}, True, False)])


def test_migrated_schema_equals_the_models(any_runtime: Runtime) -> None:
    diffs = schema_diffs(any_runtime.database)
    assert diffs == [], "migrations and models differ; regenerate 0002 or add a migration"


def test_check_constraints_match_the_models(any_runtime: Runtime) -> None:
    # Alembic's comparison skips CHECK constraints; enum and rule checks matter to us.
    with any_runtime.database.reader.connect() as conn:
        insp = inspect(conn)
        problems = {}
        for table in Base.metadata.sorted_tables:
            wanted = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            present = {c["name"] for c in insp.get_check_constraints(table.name)}
            if wanted != present:
                problems[table.name] = {"missing": wanted - present, "extra": present - wanted}
    assert problems == {}


def test_migrating_twice_does_nothing(runtime: Runtime) -> None:
    assert schema.current_revision(runtime.database) == schema.head_revision()
    assert schema.migrate(runtime.database, runtime.backups_dir) is None
    assert runtime.migration_backup is None  # a fresh database needs no backup
    assert not runtime.backups_dir.exists()


# -- a database from a newer version ----------------------------------------------------------
def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _stamp(database: Database, revision: str) -> None:
    with database.writer.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_a_newer_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    secrets = EncryptedFileSecretStore(tmp_path / "secrets.enc")
    rt = build_runtime(data_dir, clock=FixedClock(), secrets=secrets)
    _stamp(rt.database, FUTURE_REVISION)
    rt.close()
    before = _fingerprint(data_dir)
    assert "ghl_desktop.db" in before

    with pytest.raises(SchemaTooNew) as err:
        build_runtime(data_dir, clock=FixedClock(), secrets=secrets)
    message = str(err.value)
    assert FUTURE_REVISION in message
    assert "newer version" in message
    assert "Nothing was changed" in message
    assert _fingerprint(data_dir) == before


def test_a_newer_database_is_refused_by_the_cli(tmp_path: Path, capsys: Any) -> None:
    data_dir = tmp_path / "data"
    rt = build_runtime(
        data_dir, clock=FixedClock(), secrets=EncryptedFileSecretStore(tmp_path / "s.enc")
    )
    _stamp(rt.database, FUTURE_REVISION)
    rt.close()
    before = _fingerprint(data_dir)
    assert main(["--data-dir", str(data_dir), "migrate", "--json"]) == 1
    err = capsys.readouterr().err
    assert "newer version" in err
    assert "Traceback" not in err
    assert {k: v for k, v in _fingerprint(data_dir).items() if "secrets" not in k} == {
        k: v for k, v in before.items() if "secrets" not in k
    }


@pytest.mark.postgres
def test_a_newer_postgresql_database_is_refused(pg_runtime: Runtime) -> None:
    _stamp(pg_runtime.database, FUTURE_REVISION)
    url = pg_runtime.database.url.render_as_string(hide_password=False)
    with pytest.raises(SchemaTooNew, match="newer version"):
        build_runtime(pg_runtime.data_dir, url, clock=FixedClock(), secrets=pg_runtime.secrets)
    assert schema.current_revision(pg_runtime.database) == FUTURE_REVISION


# -- backups before migrating -----------------------------------------------------------------
def _old_database(path: Path, revision: str = "0001") -> None:
    """An installation left at an older schema, holding one agency."""
    database = open_database(sqlite_url(path))
    cfg = schema.alembic_config()
    with database.writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    with database.writer.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, name, settings, created_at, updated_at) "
                "VALUES ('agency-1', 'Old Agency', '{}', '2025-01-01 00:00:00.000000', "
                "'2025-01-01 00:00:00.000000')"
            )
        )
    database.dispose()


def test_migrating_an_existing_sqlite_database_backs_it_up_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _old_database(data_dir / "ghl_desktop.db")
    rt = build_runtime(
        data_dir, clock=FixedClock(), secrets=EncryptedFileSecretStore(tmp_path / "s.enc")
    )
    try:
        assert rt.migration_backup is not None
        backup = Path(rt.migration_backup)
        assert backup.parent == rt.backups_dir
        assert schema.current_revision(rt.database) == schema.head_revision()
        with rt.database.reader.connect() as conn:
            assert conn.execute(text("SELECT name FROM agencies")).scalar() == "Old Agency"
    finally:
        rt.close()
    copy = sqlean.connect(str(backup))
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT name FROM agencies").fetchall() == [("Old Agency",)]
    finally:
        copy.close()


def test_cli_migrate_json(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    fresh = tmp_path / "fresh"
    assert main(["--data-dir", str(fresh), "migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "revision": schema.head_revision(),
        "backup": None,
    }

    old = tmp_path / "old"
    _old_database(old / "ghl_desktop.db")
    assert main(["--data-dir", str(old), "migrate", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["revision"] == schema.head_revision()
    assert Path(result["backup"]).is_file()

    assert main(["--data-dir", str(old), "migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backup"] is None
