"""Contact search over the full-text index of migration 0003 (FTS5 or tsvector).

Every word of the query must prefix-match a word of the contact's name, email, phone, company
or tag names ("ada exa" finds "Ada <ada@example.com>"). A query that looks like a phone number
("(415) 555-2671", "555 2671") is searched as one run of digits. On PostgreSQL with ``pg_trgm``
a word may also match inside a word. Soft-deleted contacts and other sub-accounts never match.
Results come in index order, not by relevance: ranking every match costs far more than finding
the first page (see ENVIRONMENT.md), and callers show short lists.
"""

from __future__ import annotations

import re
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ghl_desktop.core.errors import ValidationError

MAX_LIMIT = 500
MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")

_trigram_by_engine: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def search_terms(query: str) -> list[str]:
    """The lower-case words a query is made of (what both indexes tokenise text into)."""
    stripped = query.strip()
    digits = re.sub(r"\D", "", stripped)
    if _PHONE_LIKE.match(stripped) and len(digits) >= 3:
        return [digits]
    return [w.lower() for w in _WORD.findall(stripped)][:MAX_TERMS]


def search_contact_ids(
    session: Session, sub_account_id: str, query: str, limit: int = 50
) -> list[str]:
    """Ids of the live contacts of ``sub_account_id`` matching every word of ``query``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}, got {limit}")
    terms = search_terms(query)
    if not terms:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _search_postgresql(connection, sub_account_id, terms, limit)
    return _search_sqlite(connection, sub_account_id, terms, limit)


def _search_sqlite(
    conn: Connection, sub_account_id: str, terms: list[str], limit: int
) -> list[str]:
    # Terms are restricted to the content columns: a bare prefix such as "01" must not match
    # the sub-account token that every row of the sub-account carries.
    words = " AND ".join(f'"{t}"*' for t in terms)
    tenant = sub_account_id.replace("-", "")
    if not tenant.isalnum():
        raise ValidationError("sub_account_id", f"not an id: {sub_account_id!r}")
    match = f'sub_account : "{tenant}" AND {{name email phone company tags}} : ({words})'
    rows = conn.execute(
        text(
            "SELECT c.id FROM contacts_fts f"
            " JOIN contacts_fts_docs d ON d.rowid = f.rowid"
            " JOIN contacts c ON c.id = d.contact_id"
            " WHERE contacts_fts MATCH :match"
            " AND c.sub_account_id = :sub AND c.deleted_at IS NULL"
            " LIMIT :limit"
        ),
        {"match": match, "sub": sub_account_id, "limit": limit},
    )
    return [row[0] for row in rows]


def _has_trigram(conn: Connection) -> bool:
    engine = conn.engine
    if engine not in _trigram_by_engine:
        found = conn.execute(
            text(
                "SELECT 1 FROM pg_indexes"
                " WHERE tablename = 'contacts_fts' AND indexname = 'contacts_fts_search_text_trgm'"
            )
        ).scalar()
        _trigram_by_engine[engine] = bool(found)
    return _trigram_by_engine[engine]


def forget_capabilities(engine: Engine) -> None:
    """Re-detect pg_trgm on the next search (after an extension was added or dropped)."""
    _trigram_by_engine.pop(engine, None)


def _search_postgresql(
    conn: Connection, sub_account_id: str, terms: list[str], limit: int
) -> list[str]:
    params: dict[str, object] = {
        "sub": sub_account_id,
        "limit": limit,
        "tsquery": " & ".join(f"{t}:*" for t in terms),
    }
    condition = "f.document @@ to_tsquery('simple', :tsquery)"
    if _has_trigram(conn):
        likes = []
        for i, term in enumerate(terms):
            params[f"like{i}"] = f"%{term}%"
            likes.append(f"f.search_text LIKE :like{i}")
        condition = f"({condition} OR ({' AND '.join(likes)}))"
    rows = conn.execute(
        text(
            "SELECT f.contact_id FROM contacts_fts f JOIN contacts c ON c.id = f.contact_id"
            f" WHERE f.sub_account_id = :sub AND {condition} AND c.deleted_at IS NULL"
            " LIMIT :limit"
        ),
        params,
    )
    return [row[0] for row in rows]
