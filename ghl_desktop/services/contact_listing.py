"""What a windowed contacts table needs: a count and any page of rows, fast at a million.

``fetch_rows`` finds the page's ids with an id-only subquery (which an index on the sort
columns can answer without touching the table) and joins just those rows, in one statement;
their tags come with a second.
Deep pages are read from the other end: the rows at offset 990,000 of 1,000,000 are the rows at
offset 9,950 in the reverse order, so no query skips more than half the list; the row at the
end of a page is remembered so the next page continues from it (keyset) instead of skipping.

Sorting always ends with the id, so equal keys keep a stable order between pages.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from threading import Lock
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Result,
    Select,
    Table,
    and_,
    bindparam,
    column,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
)
from sqlalchemy.sql import Executable
from sqlalchemy.types import NullType

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_query import (
    ContactSelection,
    count_in,
    execute,
    selection_conditions,
    sqlite_match,
)
from ghl_desktop.services.contact_search import search_terms
from ghl_desktop.services.smart_lists.filters import Group
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_LIMIT = 1_000
# Below this offset a plain OFFSET is cheaper than counting first.
REVERSE_FROM = 5_000

# Each sort order is served by a partial index ``ix_contacts_live_*`` (sub_account_id, keys...,
# id, archived_at) WHERE deleted_at IS NULL, so every page is read from the index alone. Other
# columns are not sortable: at a million rows an unindexed sort reads the whole table.
SORT_KEYS: dict[str, tuple[Any, ...]] = {
    "created_at": (Contact.created_at,),
    "name": (Contact.last_name, Contact.first_name),
    "email": (Contact.email,),
    "phone": (Contact.phone,),
}

# Columns a contacts table can show: (key, header, sort key or None when not sortable).
LIST_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "Name", "name"),
    ("email", "Email", "email"),
    ("phone", "Phone", "phone"),
    ("company", "Company", None),
    ("lifecycle_stage", "Stage", None),
    ("lead_score", "Score", None),
    ("tags", "Tags", None),
    ("assigned_user_id", "Assigned to", None),
    ("city", "City", None),
    ("source", "Source", None),
    ("created_at", "Created", "created_at"),
    ("updated_at", "Updated", None),
)


@dataclass(frozen=True)
class ContactRow:
    """One line of the contacts table (light: no ORM object, tags as one string)."""

    id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str
    city: str
    source: str
    lifecycle_stage: str
    lead_score: int
    assigned_user_id: str | None
    created_at: datetime
    updated_at: datetime
    is_archived: bool
    tags: str
    custom_fields: dict[str, Any]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


# The row columns are read as the driver returns them (no SQLAlchemy result processing: its
# per-value regex date parsing and JSON decoding cost more than the query for a page of 100
# rows); ``_moment`` and ``_document`` convert them, whichever the dialect.
_ROW_COLUMNS = tuple(
    type_coerce(Contact.__table__.c[name], NullType()).label(name)
    for name in (
        "id", "first_name", "last_name", "email", "phone", "company", "city", "source",
        "lifecycle_stage", "lead_score", "assigned_user_id", "created_at", "updated_at",
        "archived_at", "custom_fields",
    )
)  # fmt: skip


def _moment(value: Any) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite: naive UTC text)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    moment = cast(datetime, value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _document(value: Any) -> dict[str, Any]:
    """A stored JSON object (SQLite: text; PostgreSQL: already decoded)."""
    if value is None or value == "{}":  # most contacts have no custom field values
        return {}
    found = json.loads(value) if isinstance(value, str | bytes) else value
    return dict(found) if isinstance(found, dict) else {}


def _no_filter(filter: Group | dict[str, Any] | str | None) -> bool:
    """Whether ``filter`` selects every contact (none given, or a group with no conditions)."""
    if filter is None or filter == {} or filter == "":
        return True
    return isinstance(filter, Group) and not filter.conditions


def _selection(
    filter: Group | dict[str, Any] | str | None, search: str | None, include_archived: bool
) -> ContactSelection:
    return ContactSelection(filter, search, include_archived)


def count(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
    filter: Group | dict[str, Any] | str | None = None, search: str | None = None, *,
    include_archived: bool = False,
) -> int:  # fmt: skip
    """How many live contacts match (not archived ones unless ``include_archived``)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return count_in(uow, _selection(filter, search, include_archived))


# -- keyset memory ----------------------------------------------------------------------------
class _Bookmarks:
    """The sort key of the last row of recently served pages, per query, so a page that starts
    right after one of them is read with a keyset condition instead of an OFFSET."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: tuple[Any, ...]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_bookmarks = _Bookmarks()


def forget_bookmarks() -> None:
    """Drop remembered page ends (tests; after bulk changes the GUI reloads anyway)."""
    _bookmarks.clear()


def _after(
    columns: tuple[Any, ...], values: tuple[Any, ...], descending: bool, nulls_high: bool
) -> Any:
    """Rows strictly after ``values`` (all non-NULL) in (columns..., id) order.

    NULL keys (emails, phones) sort as the lowest value on SQLite and the highest on
    PostgreSQL (``nulls_high``); they come after every value when the order runs towards
    them, so the condition takes them in then."""
    terms: list[ColumnElement[bool]] = []
    for i, col in enumerate(columns):
        equal = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
        beyond: ColumnElement[bool] = col < values[i] if descending else col > values[i]
        if getattr(col, "nullable", False) and descending != nulls_high:
            beyond = or_(beyond, col.is_(None))
        terms.append(and_(*equal, beyond))
    return or_(*terms)


_FTS = table("contacts_fts", column("rowid"))
_DOCS = table("contacts_fts_docs", column("rowid"), column("contact_id"))


def _search_page(
    uow: UnitOfWork, selection: ContactSelection, descending: bool, offset: int, limit: int
) -> list[ContactRow]:
    """A search page in the order contacts were added (the search index's own order), so
    SQLite reads the first matches instead of sorting every match by creation time. The
    rows come with the page: the search already joins the contacts."""
    terms = search_terms(selection.search or "")
    if not terms:
        return []
    conditions = selection_conditions(uow, selection, with_search=False)
    order = _FTS.c.rowid.desc() if descending else _FTS.c.rowid.asc()
    stmt = (
        select(*_ROW_COLUMNS)
        .select_from(
            _FTS.join(_DOCS, _DOCS.c.rowid == _FTS.c.rowid).join(
                Contact, Contact.id == _DOCS.c.contact_id
            )
        )
        .where(
            literal_column("contacts_fts").op("MATCH")(sqlite_match(uow.sub_account_id, terms)),
            *conditions,
        )
        .order_by(order)
        .offset(offset)
        .limit(limit)
    )
    return _rows(uow, execute(uow, stmt).all())


def _page_statement(
    conditions: Sequence[ColumnElement[bool]], sort_key: str, descending: bool, offset: int,
    limit: int, mark: tuple[Any, ...] | None = None, nulls_high: bool = False,
) -> Select[Any]:  # fmt: skip
    """The page's rows (``_ROW_COLUMNS``, then the sort keys) in one statement: the page's
    keys are found by a subquery an index on the sort columns answers alone, then just those
    rows are joined. With ``mark``, the page starts after that key instead of at ``offset``."""
    columns = (*SORT_KEYS[sort_key], Contact.id)
    order = [c.desc() if descending else c.asc() for c in columns]
    # Read untyped: only the last row's key is needed as values (for its bookmark).
    raw: list[Any] = [type_coerce(c, NullType()).label(f"k{i}") for i, c in enumerate(columns)]
    stmt: Select[Any] = select(*raw).where(*conditions).order_by(*order)
    if mark is not None:
        stmt = stmt.where(_after(columns, mark, descending, nulls_high)).limit(limit)
    else:
        stmt = stmt.offset(offset).limit(limit)
    page = stmt.subquery("page")
    keys = [page.c[f"k{i}"] for i in range(len(columns))]
    rows = (
        select(*_ROW_COLUMNS, *keys)
        .select_from(page.join(_CONTACTS, _CONTACTS.c.id == keys[-1]))
        .order_by(*(k.desc() if descending else k.asc() for k in keys))
    )
    return cast("Select[Any]", rows)


@lru_cache(maxsize=64)
def _plain_first_page(sort_key: str, descending: bool, include_archived: bool, limit: int) -> Any:
    """The first page of a list with no filter and no search, built once per shape (the
    sub-account is a parameter): building and keying the statement cost more than running it
    for the screenful a list first shows."""
    conditions = [Contact.sub_account_id == bindparam("plain_sub"), Contact.deleted_at.is_(None)]
    if not include_archived:
        conditions.append(Contact.archived_at.is_(None))
    return _page_statement(conditions, sort_key, descending, 0, limit)


def _first_rows(
    uow: UnitOfWork, sort_key: str, descending: bool, include_archived: bool, limit: int,
    signature: tuple[Any, ...],
) -> list[Any]:  # fmt: skip
    """``_row_page`` at offset 0 of a list with no filter and no search."""
    stmt = _plain_first_page(sort_key, descending, include_archived, limit)
    rows = list(execute_with(uow, stmt, {"plain_sub": uow.sub_account_id}).all())
    _remember_end(rows, sort_key, signature, 0)
    return rows


def _row_page(
    uow: UnitOfWork, conditions: list[ColumnElement[bool]], sort_key: str, descending: bool,
    offset: int, limit: int, signature: tuple[Any, ...],
) -> list[Any]:  # fmt: skip
    """The page's rows (``_ROW_COLUMNS``, then the sort keys), see ``_page_statement``."""
    mark = _bookmarks.get((*signature, offset)) if offset else None
    nulls_high = mark is not None and uow.session.get_bind().dialect.name == "postgresql"
    stmt = _page_statement(conditions, sort_key, descending, offset, limit, mark, nulls_high)
    rows = list(execute(uow, stmt).all())
    _remember_end(rows, sort_key, signature, offset)
    return rows


def _remember_end(
    rows: Sequence[Any], sort_key: str, signature: tuple[Any, ...], offset: int
) -> None:
    """Bookmark the sort key of the page's last row (see ``_Bookmarks``)."""
    columns = (*SORT_KEYS[sort_key], Contact.id)
    width = len(_ROW_COLUMNS)
    if rows and all(v is not None for v in rows[-1][width:]):
        last = tuple(
            _moment(v) if c.key == "created_at" else v
            for c, v in zip(columns, rows[-1][width:], strict=True)
        )
        _bookmarks.put((*signature, offset + len(rows)), last)


def fetch_rows(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *,
    filter: Group | dict[str, Any] | str | None = None, search: str | None = None,
    sort_key: str = "created_at", descending: bool = True, offset: int = 0, limit: int = 100,
    include_archived: bool = False, total: int | None = None,
) -> list[ContactRow]:  # fmt: skip
    """Rows ``offset .. offset+limit`` of the list in the chosen order. Pass ``total`` (from
    ``count``) when known: deep pages then skip counting again."""
    if sort_key not in SORT_KEYS:
        raise ValidationError("sort_key", f"must be one of {', '.join(SORT_KEYS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise ValidationError("offset", f"must not be negative, got {offset}")
    selection = _selection(filter, search, include_archived)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        searching = bool(search and search.strip())
        if (
            searching
            and sort_key == "created_at"
            and uow.session.get_bind().dialect.name == "sqlite"
        ):
            return _search_page(uow, selection, descending, offset, limit)
        # A bookmark is only trusted while the list keeps the length it had (when known).
        group_key = (
            repr(filter.to_json()) if isinstance(filter, Group) else repr(filter),
            search, include_archived, sub_account_id, total,
        )  # fmt: skip
        if offset == 0 and not searching and _no_filter(filter):
            signature = (*group_key, sort_key, descending)
            first = _first_rows(uow, sort_key, descending, include_archived, limit, signature)
            return _rows(uow, first)
        conditions = selection_conditions(uow, selection)
        if offset >= REVERSE_FROM:
            if total is None:
                total = count_in(uow, selection)
            if offset >= total:
                return []
            group_key = (*group_key[:-1], total)
        if total is not None and offset >= REVERSE_FROM and offset > total // 2:
            end = min(offset + limit, total)
            signature = (*group_key, sort_key, not descending)
            records = _row_page(
                uow, conditions, sort_key, not descending, total - end, end - offset, signature
            )
            records.reverse()
        else:
            signature = (*group_key, sort_key, descending)
            records = _row_page(uow, conditions, sort_key, descending, offset, limit, signature)
        return _rows(uow, records)


@dataclass(frozen=True)
class ListPage:
    total: int
    rows: list[ContactRow]


def fetch_page(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *,
    filter: Group | dict[str, Any] | str | None = None, search: str | None = None,
    sort_key: str = "created_at", descending: bool = True, limit: int = 100,
    include_archived: bool = False,
) -> ListPage:  # fmt: skip
    """The count and the first page together, in one unit of work (what a list shows first)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}, got {limit}")
    if sort_key not in SORT_KEYS:
        raise ValidationError("sort_key", f"must be one of {', '.join(SORT_KEYS)}")
    selection = _selection(filter, search, include_archived)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        searching = bool(search and search.strip())
        if searching:
            total = count_in(uow, selection)
            if uow.session.get_bind().dialect.name == "sqlite" and sort_key == "created_at":
                return ListPage(total, _search_page(uow, selection, descending, 0, limit))
            conditions = selection_conditions(uow, selection)
        else:
            # The filter is compiled once for the count and the page.
            conditions = selection_conditions(uow, selection)
            total = count_in(uow, selection, conditions)
        signature = (repr(filter), search, include_archived, sub_account_id, total,
                     sort_key, descending)  # fmt: skip
        records = _row_page(uow, conditions, sort_key, descending, 0, limit, signature)
        return ListPage(total, _rows(uow, records))


# Built once (the ids are one expanding parameter): statements run for every page.
_CONTACTS, _LINKS, _TAGS = (cast(Table, m.__table__) for m in (Contact, ContactTag, Tag))
_ROWS_BY_ID = select(*_ROW_COLUMNS, _CONTACTS.c.sub_account_id, _CONTACTS.c.deleted_at).where(
    _CONTACTS.c.id.in_(bindparam("ids", expanding=True))
)
_TAGS_OF = (
    select(_LINKS.c.contact_id, _TAGS.c.name)
    .join(_TAGS, _TAGS.c.id == _LINKS.c.tag_id)
    .where(_LINKS.c.contact_id.in_(bindparam("ids", expanding=True)))
    .order_by(_TAGS.c.name_key)
)


def execute_with(uow: UnitOfWork, stmt: Executable, params: dict[str, Any]) -> Result[Any]:
    return uow.session.connection().execute(stmt, params)


def load_rows(uow: UnitOfWork, ids: list[str]) -> list[ContactRow]:
    """Rows for ``ids`` in that order; ids that are not live contacts of the unit of work's
    sub-account are left out.

    Read with Core statements on the session's connection, checking the tenant in Python: the
    ORM's automatic ``sub_account_id = ?`` criterion tempts SQLite (without statistics) to scan
    the whole sub-account instead of looking the ids up by primary key.
    """
    if not ids:
        return []
    records: Sequence[Any] = execute_with(uow, _ROWS_BY_ID, {"ids": ids}).all()
    found = {r[0]: r for r in records if r[15] == uow.sub_account_id and r[16] is None}
    return _rows(uow, [found[cid] for cid in ids if cid in found])


def _rows(uow: UnitOfWork, records: Sequence[Any]) -> list[ContactRow]:
    """ContactRows for contact records (``_ROW_COLUMNS``), with their tag names."""
    if not records:
        return []
    tags: dict[str, list[str]] = {}
    found: Sequence[Any] = execute_with(uow, _TAGS_OF, {"ids": [r[0] for r in records]}).all()
    for contact_id, name in found:
        tags.setdefault(contact_id, []).append(name)
    return [
        ContactRow(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], str(r[8]), r[9], r[10],
            _moment(r[11]), _moment(r[12]), r[13] is not None, ", ".join(tags.get(r[0], ())),
            _document(r[14]),
        )
        for r in records
    ]  # fmt: skip
