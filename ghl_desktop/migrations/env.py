"""Alembic environment. The app passes an open connection; there is no alembic.ini."""

from __future__ import annotations

from alembic import context

import ghl_desktop.models  # noqa: F401  (registers every table)
from ghl_desktop.models.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `ghl-desktop migrate`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
