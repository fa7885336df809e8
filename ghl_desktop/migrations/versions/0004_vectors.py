"""training-data embeddings (sqlite-vec on SQLite, pgvector or bytea on PostgreSQL)

Revision ID: 0004
Revises: 0003

``training_data_vec`` holds one 256-d float32 embedding per ``training_data`` row (wordllama's
size), keyed by the row's id and partitioned by knowledge base; ``services.vector_store`` is
its only reader and writer.

* SQLite: a sqlite-vec ``vec0`` virtual table with cosine distance (its shadow tables
  ``training_data_vec_chunks``, ``_info``, ``_rowids`` and ``_vector_chunks00`` come with it).
  Virtual tables take no foreign keys, so a trigger removes the vector when its
  ``training_data`` row is deleted, also by a cascade.
* PostgreSQL: a plain table with a foreign key (ON DELETE CASCADE); ``embedding`` is
  ``vector(256)`` when the ``vector`` extension can be created, else ``bytea`` holding
  little-endian float32, searched exactly with numpy.

Also adds ``pages.published_version_id``'s foreign key on PostgreSQL: pages and page_versions
reference each other, and Alembic autogenerate drops such ``use_alter`` keys from
``create_table`` (alembic#326). SQLite gets it inline from 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DIM = 256
PAGES_FK = "fk_pages_published_version_id_page_versions"


def _pgvector_available(bind: sa.Connection) -> bool:
    if bind.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")) is None:
        return False
    # Creating an extension may still be refused (privileges): try inside a savepoint so a
    # failure leaves the migration's transaction usable.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError:
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE training_data_vec USING vec0("
            "training_data_id TEXT PRIMARY KEY, "
            "knowledge_base_id TEXT PARTITION KEY, "
            f"embedding float[{DIM}] distance_metric=cosine)"
        )
        op.execute(
            "CREATE TRIGGER training_data_vec_cleanup AFTER DELETE ON training_data "
            "BEGIN DELETE FROM training_data_vec WHERE training_data_id = OLD.id; END"
        )
        return
    embedding_type = f"vector({DIM})" if _pgvector_available(bind) else "bytea"
    op.execute(
        "CREATE TABLE training_data_vec ("
        "training_data_id VARCHAR(36) PRIMARY KEY "
        "REFERENCES training_data (id) ON DELETE CASCADE, "
        "knowledge_base_id VARCHAR(36) NOT NULL, "
        f"embedding {embedding_type} NOT NULL)"
    )
    op.execute("CREATE INDEX ix_training_data_vec_kb ON training_data_vec (knowledge_base_id)")
    op.create_foreign_key(
        PAGES_FK,
        "pages",
        "page_versions",
        ["published_version_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS training_data_vec_cleanup")
        op.execute("DROP TABLE IF EXISTS training_data_vec")
        return
    op.drop_constraint(PAGES_FK, "pages", type_="foreignkey")
    op.execute("DROP TABLE IF EXISTS training_data_vec")
