"""The store of training-data embeddings (``training_data_vec``, created by migration 0004).

One repository over three physical layouts, chosen by what the migration could create:

* SQLite: a sqlite-vec ``vec0`` table, searched with ``MATCH ... AND k = ?`` inside the
  knowledge base's partition.
* PostgreSQL with pgvector: a ``vector(256)`` column ordered by the ``<=>`` cosine distance.
* PostgreSQL without it: float32 bytes in ``bytea``, searched exactly with numpy.

Distances are cosine distances (0 = same direction, 2 = opposite) on every layout.

These are raw SQL queries, so the unit of work's tenant filter does not apply (ADR 0002): a
``VectorStore`` is bound to one sub-account and checks that the training entry or knowledge
base it is asked about belongs to it (and is live) before touching any vector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.ai import EMBEDDING_DIM

_MODE_KEY = "ghl_vector_layout"


class VectorLayout(StrEnum):
    SQLITE_VEC = "sqlite-vec"
    PGVECTOR = "pgvector"
    BYTEA = "bytea"


@dataclass(frozen=True)
class Neighbour:
    training_data_id: str
    distance: float


def vector_layout(conn: Connection) -> VectorLayout:
    """Which layout migration 0004 created on this database (cached per DBAPI connection)."""
    cached = conn.info.get(_MODE_KEY)
    if isinstance(cached, VectorLayout):
        return cached
    if conn.dialect.name == "sqlite":
        layout = VectorLayout.SQLITE_VEC
    else:
        udt = conn.scalar(
            text(
                "SELECT udt_name FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = 'training_data_vec' "
                "AND column_name = 'embedding'"
            )
        )
        if udt is None:
            raise RuntimeError("training_data_vec is missing: the database is not migrated")
        layout = VectorLayout.PGVECTOR if udt == "vector" else VectorLayout.BYTEA
    conn.info[_MODE_KEY] = layout
    return layout


def as_float32(vector: Sequence[float] | np.ndarray, field: str = "vector") -> np.ndarray:
    """Validate an embedding: ``EMBEDDING_DIM`` finite numbers, not all zero."""
    try:
        array = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a sequence of numbers") from None
    if array.shape != (EMBEDDING_DIM,):
        raise ValidationError(field, f"must have {EMBEDDING_DIM} dimensions, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValidationError(field, "must contain only finite numbers")
    if not np.any(array):
        raise ValidationError(field, "must not be all zeros (it has no direction)")
    return array


def _pg_literal(array: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in array) + "]"


class VectorStore:
    """Embeddings of one sub-account's training entries, in ``session``'s transaction."""

    def __init__(self, session: Session, sub_account_id: str) -> None:
        self._session = session
        self._sub_account_id = sub_account_id

    @property
    def _conn(self) -> Connection:
        return self._session.connection()

    def _knowledge_base_of(self, training_data_id: str) -> str:
        kb_id = self._conn.scalar(
            text(
                "SELECT knowledge_base_id FROM training_data "
                "WHERE id = :id AND sub_account_id = :sub"
            ),
            {"id": training_data_id, "sub": self._sub_account_id},
        )
        if kb_id is None:
            raise NotFound("training data", training_data_id)
        return str(kb_id)

    def _check_knowledge_base(self, knowledge_base_id: str) -> None:
        found = self._conn.scalar(
            text(
                "SELECT 1 FROM knowledge_bases WHERE id = :id AND sub_account_id = :sub "
                "AND deleted_at IS NULL"
            ),
            {"id": knowledge_base_id, "sub": self._sub_account_id},
        )
        if found is None:
            raise NotFound("knowledge base", knowledge_base_id)

    def put(self, training_data_id: str, vector: Sequence[float] | np.ndarray) -> None:
        """Store (or replace) the embedding of a training entry."""
        array = as_float32(vector)
        self._session.flush()  # the entry may have been added in this unit of work
        kb_id = self._knowledge_base_of(training_data_id)
        conn = self._conn
        params = {"id": training_data_id, "kb": kb_id}
        layout = vector_layout(conn)
        if layout is VectorLayout.SQLITE_VEC:
            # vec0 has no upsert.
            conn.execute(text("DELETE FROM training_data_vec WHERE training_data_id = :id"), params)
            conn.execute(
                text(
                    "INSERT INTO training_data_vec (training_data_id, knowledge_base_id, "
                    "embedding) VALUES (:id, :kb, :embedding)"
                ),
                {**params, "embedding": array.tobytes()},
            )
            return
        value = "CAST(:embedding AS vector)" if layout is VectorLayout.PGVECTOR else ":embedding"
        embedding: str | bytes = (
            _pg_literal(array) if layout is VectorLayout.PGVECTOR else array.astype("<f4").tobytes()
        )
        conn.execute(
            text(
                "INSERT INTO training_data_vec (training_data_id, knowledge_base_id, embedding) "
                f"VALUES (:id, :kb, {value}) ON CONFLICT (training_data_id) DO UPDATE SET "
                "knowledge_base_id = excluded.knowledge_base_id, embedding = excluded.embedding"
            ),
            {**params, "embedding": embedding},
        )

    def delete(self, training_data_id: str) -> bool:
        """Remove an entry's embedding; False when it had none."""
        self._knowledge_base_of(training_data_id)
        result = self._conn.execute(
            text("DELETE FROM training_data_vec WHERE training_data_id = :id"),
            {"id": training_data_id},
        )
        return bool(result.rowcount)

    def has(self, training_data_id: str) -> bool:
        self._knowledge_base_of(training_data_id)
        found = self._conn.scalar(
            text("SELECT 1 FROM training_data_vec WHERE training_data_id = :id"),
            {"id": training_data_id},
        )
        return found is not None

    def search_k(
        self, knowledge_base_id: str, vector: Sequence[float] | np.ndarray, k: int
    ) -> list[Neighbour]:
        """The ``k`` entries of the knowledge base nearest to ``vector``, nearest first."""
        if k < 1:
            raise ValidationError("k", f"must be at least 1, got {k}")
        array = as_float32(vector)
        self._check_knowledge_base(knowledge_base_id)
        conn = self._conn
        layout = vector_layout(conn)
        if layout is VectorLayout.SQLITE_VEC:
            rows = conn.execute(
                text(
                    "SELECT training_data_id, distance FROM training_data_vec "
                    "WHERE embedding MATCH :q AND k = :k AND knowledge_base_id = :kb "
                    "ORDER BY distance"
                ),
                {"q": array.tobytes(), "k": k, "kb": knowledge_base_id},
            ).all()
            return [Neighbour(str(r[0]), float(r[1])) for r in rows]
        if layout is VectorLayout.PGVECTOR:
            rows = conn.execute(
                text(
                    "SELECT training_data_id, embedding <=> CAST(:q AS vector) AS distance "
                    "FROM training_data_vec WHERE knowledge_base_id = :kb "
                    "ORDER BY distance LIMIT :k"
                ),
                {"q": _pg_literal(array), "k": k, "kb": knowledge_base_id},
            ).all()
            return [Neighbour(str(r[0]), float(r[1])) for r in rows]
        return self._search_exact(knowledge_base_id, array, k)

    def _search_exact(self, knowledge_base_id: str, query: np.ndarray, k: int) -> list[Neighbour]:
        rows = self._conn.execute(
            text(
                "SELECT training_data_id, embedding FROM training_data_vec "
                "WHERE knowledge_base_id = :kb"
            ),
            {"kb": knowledge_base_id},
        ).all()
        if not rows:
            return []
        ids = [str(r[0]) for r in rows]
        matrix = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype="<f4").reshape(
            len(rows), EMBEDDING_DIM
        )
        norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(query))
        distances = 1.0 - (matrix @ query) / norms
        count = min(k, len(ids))
        nearest = np.argpartition(distances, count - 1)[:count]
        nearest = nearest[np.argsort(distances[nearest], kind="stable")]
        return [Neighbour(ids[i], float(distances[i])) for i in nearest]


def cosine_distance(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Reference cosine distance (for tests and callers that compare scores)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    return 1.0 - float(x @ y) / math.sqrt(float(x @ x) * float(y @ y))
