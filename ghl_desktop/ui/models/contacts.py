"""The contacts table: a windowed model over ``services.contact_listing`` with the columns the
user chose (standard fields, custom fields, tags)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ghl_desktop.services import contact_listing
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_listing import LIST_COLUMNS, ContactRow
from ghl_desktop.services.smart_lists.filters import CUSTOM_PREFIX, Group
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.models.windowed import Column
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.filter_fields import stage_label

DEFAULT_COLUMNS = ("name", "email", "phone", "company", "lifecycle_stage", "tags", "created_at")
SORT_KEYS = {key: sort for key, _title, sort in LIST_COLUMNS if sort is not None}
WIDTHS = {
    "name": 160, "email": 205, "phone": 120, "company": 140, "lifecycle_stage": 90,
    "tags": 160, "lead_score": 60, "created_at": 130, "updated_at": 130,
}  # fmt: skip


@dataclass(frozen=True)
class ContactQuery:
    """What the list shows: a smart list's filter (or the builder's), a search, an order."""

    filter: Group | None = None
    search: str = ""
    sort_key: str = "created_at"
    descending: bool = True
    include_archived: bool = False


@dataclass
class ContactSource:
    """Rows of one query for the windowed model (its methods run on reader threads)."""

    uows: UnitOfWorkFactory
    actor: Actor
    sub_account_id: str
    query: ContactQuery
    total: int | None = field(default=None)

    def count(self) -> int:
        q = self.query
        self.total = contact_listing.count(
            self.uows, self.actor, self.sub_account_id, q.filter, q.search or None,
            include_archived=q.include_archived,
        )  # fmt: skip
        return self.total

    def fetch(self, offset: int, limit: int) -> Sequence[ContactRow]:
        q = self.query
        return contact_listing.fetch_rows(
            self.uows, self.actor, self.sub_account_id, filter=q.filter,
            search=q.search or None, sort_key=q.sort_key, descending=q.descending,
            offset=offset, limit=limit, include_archived=q.include_archived, total=self.total,
        )  # fmt: skip


def _local(moment: Any) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _custom_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def standard_text(key: str, row: ContactRow, lookups: CrmLookups) -> str:
    if key == "name":
        return row.full_name or "(no name)"
    if key == "lifecycle_stage":
        return stage_label(row.lifecycle_stage)
    if key == "assigned_user_id":
        return lookups.user_label(row.assigned_user_id)
    if key in ("created_at", "updated_at"):
        return _local(getattr(row, key))
    value = getattr(row, key, None)
    return "" if value is None else str(value)


def available_columns(lookups: CrmLookups) -> list[tuple[str, str]]:
    """(key, title) of every column the chooser offers: standard, then custom fields."""
    found = [(key, title) for key, title, _sort in LIST_COLUMNS]
    found += [(CUSTOM_PREFIX + d.key, d.label) for d in lookups.fields]
    return found


def contact_columns(keys: Sequence[str], lookups: CrmLookups) -> list[Column[ContactRow]]:
    """Columns for ``keys`` (unknown keys, e.g. a deleted custom field, are left out)."""
    titles = dict(available_columns(lookups))
    columns: list[Column[ContactRow]] = []
    for key in keys:
        if key not in titles:
            continue
        if key.startswith(CUSTOM_PREFIX):
            columns.append(Column(key, titles[key], _custom_reader(key[len(CUSTOM_PREFIX) :])))
        else:
            columns.append(
                Column(
                    key, titles[key], _standard_reader(key, lookups),
                    sortable=key in SORT_KEYS, width=WIDTHS.get(key, 140),
                )
            )  # fmt: skip
    return columns


def _custom_reader(name: str) -> Callable[[ContactRow], str]:
    return lambda row: _custom_text(row.custom_fields.get(name))


def _standard_reader(key: str, lookups: CrmLookups) -> Callable[[ContactRow], str]:
    """``standard_text`` for one column, with the choice of field made once (a paint asks
    every visible cell)."""
    if key in _PLAIN_TEXT:
        return lambda row: getattr(row, key) or ""
    return lambda row: standard_text(key, row, lookups)


# Columns holding text (or None) shown as it is.
_PLAIN_TEXT = frozenset({"email", "phone", "company", "city", "source", "tags"})
