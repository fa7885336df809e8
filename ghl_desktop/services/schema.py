"""Schema migrations: automatic on start, refused on a database from a newer version, and
preceded by an online backup of an existing SQLite file."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import sqlean
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ghl_desktop.core.db import Database
from ghl_desktop.core.errors import SchemaTooNew

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "ghl_desktop:migrations")
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.writer.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check_not_newer(current: str | None) -> None:
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaTooNew(
            f"this database was written by a newer version of ghl-desktop (schema {current}); "
            "install that version or newer to open it. Nothing was changed."
        )


def backup_sqlite(source: Path, backup_dir: Path, label: str) -> Path:
    """Copy a live SQLite database with the online backup API (consistent under WAL)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / f"{source.stem}-{label}-{stamp}.db"
    src = sqlean.connect(str(source))
    dst = sqlean.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def migrate(database: Database, backup_dir: Path | None = None) -> str | None:
    """Bring the schema to head. Returns the path of the backup taken, if any."""
    current = current_revision(database)
    _check_not_newer(current)
    head = head_revision()
    if current == head:
        return None
    backup: Path | None = None
    path = database.sqlite_path
    if path is not None and current is not None and backup_dir is not None:
        backup = backup_sqlite(path, backup_dir, f"before-{head}")
        log.info("backed up %s to %s before migrating", path, backup)
    cfg = alembic_config()
    with database.writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return str(backup) if backup else None


def has_schema(database: Database) -> bool:
    with database.reader.connect() as conn:
        return inspect(conn).has_table("alembic_version")
