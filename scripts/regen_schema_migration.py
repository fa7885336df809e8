"""Development helper: regenerate migration 0002 (the data-model tables) from the models.

Until the data model ships in a release, 0002 is rebuilt from ``Base.metadata`` whenever a model
changes: it upgrades a scratch SQLite database to 0001, autogenerates the difference, and writes
it as ``0002_data_model.py``. Hand-written, dialect-specific DDL (FTS, vectors) lives in the
later migrations, which are never regenerated.

    .venv/bin/python scripts/regen_schema_migration.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from ghl_desktop.core.db import open_database, sqlite_url
from ghl_desktop.services.schema import alembic_config

VERSIONS = Path(__file__).resolve().parent.parent / "ghl_desktop" / "migrations" / "versions"


def main() -> None:
    for old in VERSIONS.glob("0002_*.py"):
        old.unlink()
    # Later, hand-written migrations point at 0002: park them while it is missing.
    later = [p for p in VERSIONS.glob("0*.py") if p.name[:4] > "0002"]
    parked = [p.rename(p.with_suffix(".parked")) for p in later]
    try:
        _generate()
    finally:
        for p in parked:
            p.rename(p.with_suffix(".py"))


def _generate() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(sqlite_url(Path(tmp) / "scratch.db"))
        cfg = alembic_config()
        with db.writer.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        with db.writer.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(
                cfg, message="data model", autogenerate=True, rev_id="0002", head="0001"
            )
        db.dispose()
    generated = next(VERSIONS.glob("0002_*.py"))
    text = generated.read_text()
    # Drop the timestamp line so regenerating without model changes leaves git clean.
    lines = [line for line in text.splitlines() if not line.startswith("Create Date:")]
    generated.write_text("\n".join(lines) + "\n")
    # The generated file is checked by `make check` like any other module.
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "check", "--fix", "-q", str(generated)], check=False)
    subprocess.run([str(ruff), "format", "-q", str(generated)], check=True)
    print(f"wrote {generated}")


if __name__ == "__main__":
    main()
