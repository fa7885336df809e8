"""The database half of an import: dedupe, inserts, updates, tags, search index, events."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection

from ghl_desktop.core.ids import new_ids
from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, LifecycleStage, Tag
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.contact_fts import BulkIndexer, bulk_insert_mode
from ghl_desktop.services.contact_import.mapping import check_mapping
from ghl_desktop.services.contact_import.rows import (
    ADDITIONAL_PHONE,
    FieldDef,
    GoodRow,
    RejectedRow,
    RowPlan,
)
from ghl_desktop.services.contacts import apply_changes
from ghl_desktop.services.crm_common import assignable_users, sub_account_of
from ghl_desktop.services.crm_events import (
    ContactCreated,
    ContactsImported,
    ContactUpdated,
    TagAdded,
)
from ghl_desktop.services.custom_field_definitions import ensure_value_index
from ghl_desktop.services.tags import resolve_tags
from ghl_desktop.services.uow import UnitOfWork

SOURCE = "import"
CONTACTS = cast(Table, Contact.__table__)
CONTACT_TAGS = cast(Table, ContactTag.__table__)
EVENTS = cast(Table, DomainEventRecord.__table__)


@dataclass(frozen=True)
class LoadedPlan:
    plan: RowPlan
    custom_labels: dict[str, str]  # key -> label
    headers_by_target: dict[str, str]


def load_plan(
    uow: UnitOfWork, headers: Sequence[str], mapping: Mapping[int, str | None], *,
    check: bool = False, create_missing_fields: bool = False,
) -> LoadedPlan:  # fmt: skip
    """What validating rows needs from the database: definitions, region, zone, owners."""
    rows = list(uow.session.scalars(select(ContactCustomField)))
    wants_extra_phone = ADDITIONAL_PHONE in mapping.values()
    missing = not any(r.key == ADDITIONAL_PHONE for r in rows)
    if wants_extra_phone and missing and create_missing_fields:
        # Contacts have one phone column; a second number lives in a phone custom field.
        field = ContactCustomField(
            key=ADDITIONAL_PHONE, label="Additional Phone", field_type=CustomFieldType.PHONE,
            position=len(rows),
        )  # fmt: skip
        uow.session.add(field)
        uow.flush()
        ensure_value_index(uow.session.connection(), ADDITIONAL_PHONE)
        rows.append(field)
    labels = {r.key: r.label for r in rows}
    columns: list[tuple[int, str]] = []
    if check:
        columns = check_mapping(headers, mapping, set(labels) | {ADDITIONAL_PHONE})
    sub = sub_account_of(uow)
    owners: dict[str, str] = {}
    for user in assignable_users(uow).values():
        owners[user.email.lower()] = user.id
        if user.full_name:
            owners.setdefault(user.full_name.strip().lower(), user.id)
    definitions = tuple(
        FieldDef(r.key, CustomFieldType(r.field_type), list(r.options or []), r.is_required,
                 r.default_value, r.label)
        for r in rows
    )  # fmt: skip
    plan = RowPlan(tuple(headers), tuple(columns), sub.country or "US", sub.timezone or "UTC",
                   definitions, owners)  # fmt: skip
    return LoadedPlan(plan, labels, {t: headers[i] for i, t in columns})


_DEFAULTS: dict[str, Any] = {
    "first_name": "", "last_name": "", "email": None, "phone": None, "company": "",
    "address1": "", "city": "", "state": "", "postal_code": "", "country": None,
    "timezone": None, "source": SOURCE, "lifecycle_stage": LifecycleStage.LEAD.value,
    "lead_score": 0, "assigned_user_id": None, "dnd_sms": False, "dnd_email": False,
    "dnd_whatsapp": False, "dnd_calls": False, "date_of_birth": None,
}  # fmt: skip


class ImportWriter:
    """Writes checked rows chunk by chunk inside the import's unit of work."""

    def __init__(
        self, uow: UnitOfWork, loaded: LoadedPlan, *, update_existing: bool,
        extra_tags: Sequence[str],
    ) -> None:  # fmt: skip
        self.uow = uow
        self.loaded = loaded
        self.update_existing = update_existing
        self.created = 0
        self.updated = 0
        self.rejected: list[RejectedRow] = []
        self.skipped: list[tuple[int, str, str]] = []
        self._seen: dict[tuple[str, str], int] = {}  # ("email", value) -> row number
        self._tags: dict[str, Tag] = {}
        self._tag_refs: dict[str, tuple[str, str]] = {}
        self._extra = resolve_tags(uow, extra_tags, create_missing=True)
        self._indexer: BulkIndexer | None = None
        self._defs = {d.key: d for d in loaded.plan.definitions}
        self._times: dict[datetime, str] = {}  # SQLite text of the timestamps seen so far
        self.events: list[ContactCreated | ContactsImported] = []  # written, not yet dispatched

    @contextmanager
    def session(self) -> Iterator[None]:
        with bulk_insert_mode(self.uow.session.connection()) as indexer:
            self._indexer = indexer
            yield
        self._indexer = None

    # -- helpers --------------------------------------------------------------------------
    def _column(self, target: str) -> str:
        return self.loaded.headers_by_target.get(target, target)

    def _tag(self, name: str) -> Tag:
        key = name.strip().lower()
        if key not in self._tags:
            self._tags[key] = resolve_tags(self.uow, [name], create_missing=True)[0]
        return self._tags[key]

    def _tag_ref(self, name: str) -> tuple[str, str]:
        """(id, name) of the tag a cell names, remembered by the cell's exact text."""
        ref = self._tag_refs.get(name)
        if ref is None:
            tag = self._tag(name)
            ref = self._tag_refs[name] = (tag.id, tag.name)
        return ref

    def _existing(self, rows: list[GoodRow]) -> dict[tuple[str, str], str]:
        """(field, value) -> id of the oldest live contact holding it.

        Core statements with the tenant and live conditions spelled out, no ORDER BY: SQLite
        then probes the email / phone index for each value instead of walking the
        sub-account in creation order (which grows with every chunk imported)."""
        found: dict[tuple[str, str], tuple[Any, str]] = {}
        connection = self.uow.session.connection()
        for key in ("email", "phone"):
            values = sorted({r.values[key] for r in rows if r.values.get(key)})
            if not values:
                continue
            column = CONTACTS.c[key]
            stmt = select(column, CONTACTS.c.created_at, CONTACTS.c.id).where(
                CONTACTS.c.sub_account_id == self.uow.sub_account_id,
                CONTACTS.c.deleted_at.is_(None),
                column.in_(values),
            )
            for value, created, contact_id in connection.execute(stmt):
                best = found.get((key, value))
                if best is None or (created, contact_id) < best:
                    found[(key, value)] = (created, contact_id)
        return {k: v[1] for k, v in found.items()}

    # -- one chunk ------------------------------------------------------------------------
    def write(self, outcomes: list[GoodRow | RejectedRow]) -> None:
        good: list[GoodRow] = []
        for outcome in outcomes:
            if isinstance(outcome, RejectedRow):
                self.rejected.append(outcome)
            elif self._unique_in_file(outcome):
                good.append(outcome)
        existing = self._existing(good)
        new_rows: list[GoodRow] = []
        updates: dict[str, GoodRow] = {}
        for row in good:
            matches = {
                existing[(k, row.values[k])]
                for k in ("email", "phone")
                if row.values.get(k) and (k, row.values[k]) in existing
            }
            if len(matches) > 1:
                self.rejected.append(RejectedRow(
                    row.row, self._column("phone"),
                    "email and phone belong to two different contacts", row.values["phone"] or "",
                ))  # fmt: skip
            elif matches:
                contact_id = matches.pop()
                if not self.update_existing:
                    self.skipped.append((row.row, contact_id, "already a contact"))
                elif contact_id in updates:
                    self.rejected.append(RejectedRow(
                        row.row, "", f"updates the same contact as row {updates[contact_id].row}"
                    ))  # fmt: skip
                else:
                    updates[contact_id] = row
            elif row.missing_required:
                key = row.missing_required[0]
                target = f"custom_fields.{key}"
                column = self.loaded.headers_by_target.get(target, self._defs[key].label)
                self.rejected.append(RejectedRow(row.row, column, "is required"))
            else:
                new_rows.append(row)
        self._insert(new_rows)
        self._update(updates)

    def _unique_in_file(self, row: GoodRow) -> bool:
        for key in ("email", "phone"):
            value = row.values.get(key)
            if not value:
                continue
            first = self._seen.get((key, value))
            if first is not None:
                self.rejected.append(
                    RejectedRow(row.row, self._column(key), f"same {key} as row {first}", value)
                )
                return False
        for key in ("email", "phone"):
            if row.values.get(key):
                self._seen[(key, row.values[key])] = row.row
        return True

    def _insert(self, rows: list[GoodRow]) -> None:
        if not rows:
            return
        uow = self.uow
        sub = uow.sub_account_id
        now = uow.clock.now()
        records: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        events: list[Any] = []
        defaults = [
            (d.key, d.default_value)
            for d in self.loaded.plan.definitions
            if d.default_value not in (None, "", [])
        ]
        extra = [(t.id, t.name) for t in self._extra]
        ids = new_ids(2 * len(rows))  # a contact id and an event id per row
        for at, row in enumerate(rows):
            contact_id = ids[2 * at]
            record = {**_DEFAULTS, **row.values}
            custom = dict(record.pop("custom_fields") or {})
            for key, value in defaults:
                if key not in custom:
                    custom[key] = value
            stage = record["lifecycle_stage"]
            record.update(
                id=contact_id, sub_account_id=sub, custom_fields=custom,
                lifecycle_stage=stage.value if isinstance(stage, LifecycleStage) else stage,
                created_at=row.created_at or now, updated_at=now,
                deleted_at=None, archived_at=None,
            )  # fmt: skip
            records.append(record)
            chosen = list(dict.fromkeys([*(self._tag_ref(n) for n in row.tags), *extra]))
            for tag_id, _name in chosen:
                links.append(
                    {"contact_id": contact_id, "tag_id": tag_id, "sub_account_id": sub,
                     "created_at": now}
                )  # fmt: skip
            events.append(
                ContactCreated(sub_account_id=sub, contact_id=contact_id, occurred_at=now,
                               event_id=ids[2 * at + 1], source=record["source"],
                               tags=tuple(name for _id, name in chosen))
            )  # fmt: skip
        connection = uow.session.connection()
        links = _unique_links(links)
        if connection.dialect.name == "sqlite":
            _insert_sqlite(connection, records, links, self._times)
        else:
            # Core statements: the rows are complete and stamped with this sub-account already.
            connection.execute(insert(CONTACTS), records)
            if links:
                connection.execute(insert(CONTACT_TAGS), links)
        if self._indexer is not None:
            self._indexer.touch(r["id"] for r in records)
        self.write_events(events)
        self.created += len(records)

    def write_events(self, events: Sequence[ContactCreated | ContactsImported]) -> None:
        """Outbox rows for events of this import, set-based (one prepared statement): the
        importer hands ``self.events`` to the bus once the transaction has committed."""
        if not events:
            return
        connection = self.uow.session.connection()
        if connection.dialect.name == "sqlite":
            _driver_executemany(
                connection,
                f"INSERT INTO {EVENTS.name} (id, name, sub_account_id, payload, occurred_at,"
                " attempts) VALUES (?, ?, ?, ?, ?, 0)",
                [
                    (e.event_id, e.name, e.sub_account_id, json.dumps(_payload(e)),
                     _sqlite_cached_time(e.occurred_at, self._times))
                    for e in events
                ],
            )  # fmt: skip
        else:
            connection.execute(
                insert(EVENTS),
                [
                    {"id": e.event_id, "name": e.name, "sub_account_id": e.sub_account_id,
                     "payload": _payload(e), "occurred_at": e.occurred_at, "attempts": 0}
                    for e in events
                ],
            )  # fmt: skip
        self.events.extend(events)

    def _update(self, updates: dict[str, GoodRow]) -> None:
        if not updates:
            return
        uow = self.uow
        contacts = uow.session.scalars(select(Contact).where(Contact.id.in_(list(updates))))
        touched: list[str] = []
        for contact in contacts:
            row = updates[contact.id]
            changes = {k: v for k, v in row.values.items() if v not in (None, "", {})}
            changes.pop("source", None)  # where the contact first came from stays
            if row.created_at is not None and row.created_at < contact.created_at:
                contact.created_at = row.created_at
            changed = apply_changes(uow, contact, changes)
            if changed:
                uow.record(
                    ContactUpdated(
                        sub_account_id=uow.sub_account_id, contact_id=contact.id,
                        changed_fields=tuple(changed),
                    )
                )  # fmt: skip
            wanted = [*(self._tag(n) for n in row.tags), *self._extra]
            if wanted:
                have = set(uow.session.scalars(
                    select(ContactTag.tag_id).where(ContactTag.contact_id == contact.id)
                ))  # fmt: skip
                new = [t for t in dict.fromkeys(wanted) if t.id not in have]
                if new:
                    uow.session.execute(
                        insert(ContactTag),
                        [{"contact_id": contact.id, "tag_id": t.id} for t in new],
                    )
                    uow.record(*(TagAdded(sub_account_id=uow.sub_account_id, contact_id=contact.id,
                                          tag_id=t.id, tag_name=t.name) for t in new))  # fmt: skip
                    touched.append(contact.id)
            self.updated += 1
        uow.flush()
        if self._indexer is not None and touched:
            self._indexer.touch(touched)


def _sqlite_cached_time(value: datetime | None, cache: dict[datetime, str]) -> str | None:
    """How SQLAlchemy binds a UTC datetime on SQLite (naive UTC text). strftime is the
    dearest step of a row, and an import repeats the same few timestamps: hence the cache."""
    if value is None:
        return None
    text = cache.get(value)
    if text is None:
        text = cache[value] = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return text


def _payload(event: ContactCreated | ContactsImported) -> dict[str, Any]:
    if isinstance(event, ContactCreated):
        # ``event.payload()`` spelled out: the generic one walks the dataclass per event.
        return {"contact_id": event.contact_id, "source": event.source, "tags": list(event.tags)}
    return event.payload()


# Contacts columns SQLAlchemy would convert on SQLite (UTC text datetimes, JSON text, 0/1).
_TIMES = ("created_at", "updated_at", "deleted_at", "archived_at")
_FLAGS = ("dnd_sms", "dnd_email", "dnd_whatsapp", "dnd_calls")
_CONVERTED = {*_TIMES, *_FLAGS, "date_of_birth", "custom_fields"}


def _insert_sqlite(
    connection: Connection, records: list[dict[str, Any]], links: list[dict[str, Any]],
    times: dict[datetime, str],
) -> None:  # fmt: skip
    """One prepared statement per table through the driver: at 100k rows, SQLAlchemy's
    per-row parameter processing would cost more than SQLite's own work."""
    names = list(records[0])
    plain = [n for n in names if n not in _CONVERTED]
    get_plain = itemgetter(*plain)
    dumps = json.dumps
    params = [
        (
            *get_plain(r),
            *(_sqlite_cached_time(r[n], times) for n in _TIMES),
            *(int(r[n]) for n in _FLAGS),
            None if r["date_of_birth"] is None else r["date_of_birth"].isoformat(),
            dumps(r["custom_fields"]),
        )
        for r in records
    ]
    order = [*plain, *_TIMES, *_FLAGS, "date_of_birth", "custom_fields"]
    _execute_many(connection, CONTACTS, order, params)
    if links:
        link_order = ["contact_id", "tag_id", "sub_account_id", "created_at"]
        _execute_many(connection, CONTACT_TAGS, link_order, [
            (r["contact_id"], r["tag_id"], r["sub_account_id"],
             _sqlite_cached_time(r["created_at"], times))
            for r in links
        ])  # fmt: skip


def _execute_many(
    connection: Connection, table: Table, columns: list[str], params: list[tuple[Any, ...]]
) -> None:
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" VALUES ({', '.join('?' for _ in columns)})"
    )
    _driver_executemany(connection, sql, params)


def _driver_executemany(connection: Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    """The driver's own executemany on the transaction's connection: SQLAlchemy's handling
    of 100k parameter tuples (copying each, per-statement events) costs ~20% on top."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def _unique_links(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for link in links:
        key = (link["contact_id"], link["tag_id"])
        if key not in seen:
            seen.add(key)
            unique.append(link)
    return unique
