"""CSV export of any contact list: all contacts, a smart list, a filter, a search or given ids.

Columns are chosen by key (``EXPORT_COLUMNS`` plus ``custom_fields.<key>`` and ``tags``); the
header row uses their labels. Cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe, so an exported
file is safe to open. Rows stream out in chunks; the whole list is exported, not a page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

from sqlalchemy import Table, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, Tag
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_query import ContactSelection, execute, selection_conditions
from ghl_desktop.services.crm_common import assignable_users
from ghl_desktop.services.smart_lists.filters import parse_filter
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

CHUNK = 2_000
EXPORT_COLUMNS: dict[str, str] = {
    "id": "Contact ID",
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company Name",
    "address1": "Address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal Code",
    "country": "Country",
    "timezone": "Time Zone",
    "source": "Source",
    "lifecycle_stage": "Lifecycle Stage",
    "lead_score": "Lead Score",
    "owner": "Owner",
    "dnd_sms": "DND SMS",
    "dnd_email": "DND Email",
    "dnd_whatsapp": "DND WhatsApp",
    "dnd_calls": "DND Calls",
    "date_of_birth": "Date of Birth",
    "tags": "Tags",
    "created_at": "Created Date",
    "updated_at": "Updated Date",
}
DEFAULT_COLUMNS = (
    "first_name", "last_name", "email", "phone", "company", "address1", "city", "state",
    "postal_code", "country", "source", "tags", "created_at",
)  # fmt: skip
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class ExportResult:
    rows: int
    columns: tuple[str, ...]


def safe_cell(value: Any) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def _check_columns(columns: Sequence[str], custom: dict[str, str]) -> list[str]:
    chosen = list(dict.fromkeys(columns)) or list(DEFAULT_COLUMNS)
    for key in chosen:
        if key in EXPORT_COLUMNS:
            continue
        if key.startswith("custom_fields.") and key.split(".", 1)[1] in custom:
            continue
        raise ValidationError("columns", f"unknown column {key!r}")
    return chosen


def _header(key: str, custom: dict[str, str]) -> str:
    if key.startswith("custom_fields."):
        return custom[key.split(".", 1)[1]]
    return EXPORT_COLUMNS[key]


def _ids(
    uow: UnitOfWork, selection: ContactSelection, contact_ids: Sequence[str] | None
) -> list[str]:
    conditions = selection_conditions(uow, selection)
    stmt = select(Contact.id).where(*conditions).order_by(Contact.created_at, Contact.id)
    if contact_ids is None:
        return list(execute(uow, stmt).scalars())
    found: list[str] = []
    for start in range(0, len(contact_ids), CHUNK):
        batch = list(contact_ids[start : start + CHUNK])
        found.extend(execute(uow, stmt.where(Contact.id.in_(batch))).scalars())
    return found


def _rows(
    uow: UnitOfWork, ids: list[str], columns: list[str], owners: dict[str, str]
) -> Iterator[list[str]]:
    table = cast(Table, Contact.__table__)
    links, tag_table = cast(Table, ContactTag.__table__), cast(Table, Tag.__table__)
    connection = uow.session.connection()
    for start in range(0, len(ids), CHUNK):
        batch = ids[start : start + CHUNK]
        found = {
            r.id: r
            for r in connection.execute(select(table).where(table.c.id.in_(batch)))
            if r.sub_account_id == uow.sub_account_id and r.deleted_at is None
        }
        tags: dict[str, list[str]] = {}
        if "tags" in columns:
            for contact_id, name in connection.execute(
                select(links.c.contact_id, tag_table.c.name)
                .join(tag_table, tag_table.c.id == links.c.tag_id)
                .where(links.c.contact_id.in_(batch))
                .order_by(tag_table.c.name_key)
            ):
                tags.setdefault(contact_id, []).append(name)
        for cid in batch:
            r = found.get(cid)
            if r is None:
                continue
            cells = []
            for key in columns:
                if key == "tags":
                    value: Any = ", ".join(tags.get(cid, ()))
                elif key == "owner":
                    value = owners.get(r.assigned_user_id or "", "")
                elif key.startswith("custom_fields."):
                    value = (r.custom_fields or {}).get(key.split(".", 1)[1])
                    if isinstance(value, list):
                        value = ", ".join(str(v) for v in value)
                else:
                    value = getattr(r, key)
                cells.append(safe_cell(value))
            yield cells


def write_csv(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, out: TextIO, *,
    columns: Sequence[str] = (), filter: Any = None, smart_list_id: str | None = None,
    search: str | None = None, contact_ids: Sequence[str] | None = None,
    include_archived: bool = False, progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:  # fmt: skip
    """Write the selected contacts to ``out`` as CSV (UTF-8 text; callers add a BOM for Excel).

    Select with a smart list, a filter document, a search, explicit ids, or nothing (all live
    contacts). Stops early, returning what was written, when ``cancel()`` turns True.
    """
    from ghl_desktop.services.smart_lists.service import load_visible

    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.export")
        if smart_list_id is not None:
            if filter is not None:
                raise ValidationError("filter", "give a smart list or a filter, not both")
            filter = load_visible(uow, smart_list_id).filter
        custom = {d.key: d.label for d in uow.session.scalars(select(ContactCustomField))}
        chosen = _check_columns(columns, custom)
        owners = {u.id: (u.full_name or u.email) for u in assignable_users(uow).values()}
        selection = ContactSelection(parse_filter(filter), search, include_archived)
        ids = _ids(uow, selection, contact_ids)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([_header(k, custom) for k in chosen])
        written = 0
        for cells in _rows(uow, ids, chosen, owners):
            writer.writerow(cells)
            written += 1
            if written % CHUNK == 0:
                if progress is not None:
                    progress(written, len(ids))
                if cancel is not None and cancel():
                    break
        if progress is not None:
            progress(written, len(ids))
        return ExportResult(written, tuple(chosen))


def export_to_file(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, path: Path, **kwargs: Any
) -> ExportResult:
    """``write_csv`` into a file (UTF-8 with a BOM so Excel reads accents right). The file is
    written next to its final name and moved into place only when complete."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            result = write_csv(uows, actor, sub_account_id, out, **kwargs)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


def export_to_text(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, **kwargs: Any
) -> str:
    out = io.StringIO()
    write_csv(uows, actor, sub_account_id, out, **kwargs)
    return out.getvalue()
