"""Which contacts a list shows: the WHERE clause shared by listing, counts, bulk actions and
exports - live contacts of the sub-account, a smart-list filter and a full-text search.

The search condition reads the index of migration 0003 directly (as a subquery) so it combines
with filters, sorting and paging in one statement; ``services.contact_search`` answers the
quick "first 50 matches" question on its own.

The conditions carry the tenant and soft-delete filters themselves, and callers execute them
with Core on the session's connection (``execute``), not through the ORM: SQLite has no
statistics, so the ORM's automatic ``sub_account_id = ?`` would tempt its planner into walking
the whole sub-account. For a search matching few contacts (the usual case while typing) the
tenant term is written ``+sub_account_id`` so SQLite starts from the search index instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Result,
    String,
    bindparam,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.selectable import TextualSelect

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.contact_search import _has_trigram, search_terms
from ghl_desktop.services.smart_lists.compiler import compile_filter, load_context
from ghl_desktop.services.smart_lists.filters import Group, parse_filter
from ghl_desktop.services.uow import UnitOfWork

NARROW = 5_000  # matches up to which a search drives the query


@dataclass(frozen=True)
class ContactSelection:
    """A filter (document or parsed), a search text and whether archived contacts count."""

    filter: Group | dict[str, Any] | str | None = None
    search: str | None = None
    include_archived: bool = False


def sqlite_match(sub_account_id: str, terms: list[str]) -> str:
    """The FTS5 MATCH expression: every term as a prefix, inside the sub-account."""
    tenant = sub_account_id.replace("-", "")
    if not tenant.isalnum():
        raise ValidationError("sub_account_id", f"not an id: {sub_account_id!r}")
    words = " AND ".join(f'"{t}"*' for t in terms)
    return f'sub_account : "{tenant}" AND {{name email phone company tags}} : ({words})'


def _sqlite_match_ids(sub_account_id: str, terms: list[str]) -> TextualSelect:
    return (
        text(
            "SELECT d.contact_id FROM contacts_fts f"
            " JOIN contacts_fts_docs d ON d.rowid = f.rowid"
            " WHERE contacts_fts MATCH :fts_match"
        )
        .bindparams(fts_match=sqlite_match(sub_account_id, terms))
        .columns(contact_id=String())
    )


def _sqlite_search(sub_account_id: str, terms: list[str]) -> ColumnElement[bool]:
    return Contact.id.in_(_sqlite_match_ids(sub_account_id, terms))


def _postgresql_search(session: Session, sub_account_id: str, terms: list[str]) -> Any:
    params: dict[str, Any] = {
        "fts_sub": sub_account_id,
        "fts_query": " & ".join(f"{t}:*" for t in terms),
    }
    condition = "document @@ to_tsquery('simple', :fts_query)"
    if _has_trigram(session.connection()):
        likes = []
        for i, term in enumerate(terms):
            params[f"fts_like{i}"] = f"%{term}%"
            likes.append(f"search_text LIKE :fts_like{i}")
        condition = f"({condition} OR ({' AND '.join(likes)}))"
    ids = (
        text(f"SELECT contact_id FROM contacts_fts WHERE sub_account_id = :fts_sub AND {condition}")
        .bindparams(**params)
        .columns(contact_id=String())
    )
    return Contact.id.in_(ids)


def search_condition(uow: UnitOfWork, query: str) -> ColumnElement[bool]:
    """Contacts matching every word of ``query`` (prefixes; phones as digits)."""
    terms = search_terms(query)
    if not terms:
        return false()
    if uow.session.get_bind().dialect.name == "postgresql":
        result: ColumnElement[bool] = _postgresql_search(uow.session, uow.sub_account_id, terms)
        return result
    return _sqlite_search(uow.sub_account_id, terms)


def _narrow_search(uow: UnitOfWork, query: str) -> bool:
    """Whether a search matches at most NARROW contacts (counted in the index, capped)."""
    terms = search_terms(query)
    if not terms or uow.session.get_bind().dialect.name != "sqlite":
        return False
    matches = _sqlite_match_ids(uow.sub_account_id, terms).subquery()
    capped = select(matches.c.contact_id).limit(NARROW + 1).subquery()
    found = uow.session.connection().execute(select(func.count()).select_from(capped))
    return int(found.scalar() or 0) <= NARROW


def selection_conditions(
    uow: UnitOfWork, selection: ContactSelection, *, search_first: bool | None = None,
    with_search: bool = True,
) -> list[ColumnElement[bool]]:  # fmt: skip
    """WHERE terms for the live contacts of the unit of work's sub-account in ``selection``.

    ``search_first`` (SQLite): start from the search index - True, False, or None to decide
    by how many contacts match. ``with_search=False`` leaves the search term out (for callers
    that join the search index themselves).
    """
    tenant = Contact.sub_account_id == uow.sub_account_id
    searching = bool(selection.search and selection.search.strip())
    if searching and uow.session.get_bind().dialect.name == "sqlite":
        first = search_first
        if first is None and with_search:
            first = _narrow_search(uow, selection.search or "")
        if first or not with_search:
            tenant = literal_column("+contacts.sub_account_id") == bindparam(
                "tenant_sub", uow.sub_account_id, type_=String()
            )
    conditions: list[ColumnElement[bool]] = [tenant, Contact.deleted_at.is_(None)]
    if not selection.include_archived:
        conditions.append(Contact.archived_at.is_(None))
    group = (
        selection.filter if isinstance(selection.filter, Group) else parse_filter(selection.filter)
    )
    if group.conditions:
        conditions.append(compile_filter(group, load_context(uow, group)))
    if searching and with_search:
        conditions.append(search_condition(uow, selection.search or ""))
    return conditions


def execute(uow: UnitOfWork, stmt: Executable) -> Result[Any]:
    """Run a statement built on ``selection_conditions`` (see the module docstring)."""
    return uow.session.connection().execute(stmt)


def count_in(
    uow: UnitOfWork, selection: ContactSelection,
    conditions: list[ColumnElement[bool]] | None = None,
) -> int:  # fmt: skip
    """How many contacts the selection holds. ``conditions``: the selection's, when the caller
    built them already (without a search: with one, counting starts from the search index)."""
    if conditions is None or (selection.search or "").strip():
        conditions = selection_conditions(uow, selection, search_first=True)
    stmt: Executable = select(func.count()).select_from(Contact).where(*conditions)
    group = selection.filter
    plain = not (selection.search or "").strip() and (
        group is None or (isinstance(group, Group) and not group.conditions) or group == {}
    )
    if plain and uow.session.get_bind().dialect.name == "sqlite":
        # Only the list's own index holds archived_at: counting never reads the table. Named
        # outright because, without statistics, SQLite may pick any sub-account index.
        archived = "" if selection.include_archived else " AND archived_at IS NULL"
        stmt = text(
            "SELECT count(*) FROM contacts INDEXED BY ix_contacts_live_created"
            f" WHERE sub_account_id = :sub AND deleted_at IS NULL{archived}"
        ).bindparams(sub=uow.sub_account_id)
    return int(execute(uow, stmt).scalar() or 0)
