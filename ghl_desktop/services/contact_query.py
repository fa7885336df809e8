"""Which contacts a list shows: the WHERE clause shared by listing, counts, bulk actions and
exports - live contacts of the sub-account, a smart-list filter and a full-text search.

The search condition reads the index of migration 0003 directly (as a subquery) so it combines
with filters, sorting and paging in one statement; ``services.contact_search`` answers the
quick "first 50 matches" question on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, false, text
from sqlalchemy.orm import Session

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.contact_search import _has_trigram, search_terms
from ghl_desktop.services.smart_lists.compiler import compile_filter, load_context
from ghl_desktop.services.smart_lists.filters import Group, parse_filter
from ghl_desktop.services.uow import UnitOfWork


@dataclass(frozen=True)
class ContactSelection:
    """A filter (document or parsed), a search text and whether archived contacts count."""

    filter: Group | dict[str, Any] | str | None = None
    search: str | None = None
    include_archived: bool = False


def _sqlite_search(sub_account_id: str, terms: list[str]) -> ColumnElement[bool]:
    tenant = sub_account_id.replace("-", "")
    if not tenant.isalnum():
        raise ValidationError("sub_account_id", f"not an id: {sub_account_id!r}")
    words = " AND ".join(f'"{t}"*' for t in terms)
    match = f'sub_account : "{tenant}" AND {{name email phone company tags}} : ({words})'
    ids = (
        text(
            "SELECT d.contact_id FROM contacts_fts f"
            " JOIN contacts_fts_docs d ON d.rowid = f.rowid"
            " WHERE contacts_fts MATCH :fts_match"
        )
        .bindparams(fts_match=match)
        .columns(contact_id=String())
    )
    return Contact.id.in_(ids)


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


def selection_conditions(uow: UnitOfWork, selection: ContactSelection) -> list[ColumnElement[bool]]:
    """WHERE terms for the live contacts of the unit of work's sub-account in ``selection``."""
    conditions: list[ColumnElement[bool]] = [
        Contact.sub_account_id == uow.sub_account_id,
        Contact.deleted_at.is_(None),
    ]
    if not selection.include_archived:
        conditions.append(Contact.archived_at.is_(None))
    group = (
        selection.filter if isinstance(selection.filter, Group) else parse_filter(selection.filter)
    )
    if group.conditions:
        conditions.append(compile_filter(group, load_context(uow, group)))
    if selection.search and selection.search.strip():
        conditions.append(search_condition(uow, selection.search))
    return conditions
