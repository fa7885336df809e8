"""The database half of an import: dedupe, inserts, updates, tags, search index, events."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection

from ghl_desktop.core.ids import new_ids
from ghl_desktop.models.crm import Contact, ContactTag, LifecycleStage, Tag
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.contact_fts import BulkIndexer, bulk_insert_mode
from ghl_desktop.services.contact_import.params import (
    COLUMNS,
    DEFAULTS,
    INSERT_COLUMNS,
    contact_params,
    created_payload,
    created_payload_tail,
    custom_defaults,
    custom_with_defaults,
    sqlite_time,
)
from ghl_desktop.services.contact_import.plan import LoadedPlan
from ghl_desktop.services.contact_import.rows import FirstSeen, GoodRow, RejectedRow
from ghl_desktop.services.contacts import apply_changes
from ghl_desktop.services.crm_events import (
    ContactCreated,
    ContactsImported,
    ContactUpdated,
    TagAdded,
)
from ghl_desktop.services.tags import resolve_tags
from ghl_desktop.services.uow import UnitOfWork

CONTACTS = cast(Table, Contact.__table__)
CONTACT_TAGS = cast(Table, ContactTag.__table__)
EVENTS = cast(Table, DomainEventRecord.__table__)
_SOURCE_AT = COLUMNS.index("source")
_LINK_COLUMNS = ("contact_id", "tag_id", "sub_account_id", "created_at")
_OUTBOX_SQL = (
    f"INSERT INTO {EVENTS.name} (id, name, sub_account_id, payload, occurred_at, attempts)"
    " VALUES (?, ?, ?, ?, ?, 0)"
)


class ImportWriter:
    """Writes checked rows chunk by chunk inside the import's unit of work."""

    def __init__(
        self, uow: UnitOfWork, loaded: LoadedPlan, *, update_existing: bool,
        extra_tags: Sequence[str], recheck: Callable[[int], GoodRow] | None = None,
    ) -> None:  # fmt: skip
        """``recheck(row number)``: the full ``GoodRow`` of a compact one (see
        ``rows.check_rows``)."""
        self.uow = uow
        self._recheck = recheck
        self.loaded = loaded
        self.update_existing = update_existing
        self.created = 0
        self.updated = 0
        self.rejected: list[RejectedRow] = []
        self.skipped: list[tuple[int, str, str]] = []
        self._first_seen = FirstSeen()
        self._tags: dict[str, Tag] = {}
        self._tag_refs: dict[str, tuple[str, str]] = {}
        self._extra = resolve_tags(uow, extra_tags, create_missing=True)
        self._extra_refs = [(t.id, t.name) for t in self._extra]
        self._chosen_by_tags: dict[tuple[str, ...], tuple[list[str], tuple[str, ...]]] = {}
        self._payload_tails: dict[tuple[str, tuple[str, ...]], str] = {}
        self._indexer: BulkIndexer | None = None
        self._defs = {d.key: d for d in loaded.plan.definitions}
        self._times: dict[datetime, str] = {}  # SQLite text of the timestamps seen so far
        self.events: list[ContactCreated | ContactsImported] = []  # written, not yet dispatched
        self._lookups = self._needs_lookups()

    def _needs_lookups(self) -> bool:
        """Whether rows must be looked up among the sub-account's contacts.

        Not when, on SQLite, it had no live contact as the import began: the import holds
        the database's only write lock, so every contact it can meet was created by it, and
        each of those holds an email / phone of an earlier row of the file - a row that
        reaches the lookup has neither (``_unique_in_file`` rejected it otherwise)."""
        connection = self.uow.session.connection()
        if connection.dialect.name != "sqlite":
            return True  # other transactions may add contacts meanwhile
        any_live = connection.exec_driver_sql(
            "SELECT 1 FROM contacts WHERE sub_account_id = ? AND deleted_at IS NULL LIMIT 1",
            (self.uow.sub_account_id,),
        ).first()
        return any_live is not None

    @contextmanager
    def session(self) -> Iterator[None]:
        with bulk_insert_mode(self.uow.session.connection()) as indexer:
            self._indexer = indexer
            yield
        self._indexer = None

    # -- helpers --------------------------------------------------------------------------
    def _full(self, row: GoodRow) -> GoodRow:
        if not row.compact:
            return row
        if self._recheck is None:
            raise ValueError(f"row {row.row} is compact and the writer cannot check it again")
        return self._recheck(row.row)

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
        if not self._lookups:
            return {}
        connection = self.uow.session.connection()
        sqlite = connection.dialect.name == "sqlite"
        for key in ("email", "phone"):
            values = sorted({r.values[key] for r in rows if r.values.get(key)})
            if not values:
                continue
            if sqlite:
                # Through the driver: compiling an IN list of 2,000 values costs SQLAlchemy
                # more than SQLite's index probes. Times come back as text: parsed to compare.
                matches: Iterable[tuple[Any, ...]] = [
                    (value, datetime.fromisoformat(created), contact_id)
                    for value, created, contact_id in connection.exec_driver_sql(
                        f"SELECT {key}, created_at, id FROM contacts"
                        " WHERE sub_account_id = ? AND deleted_at IS NULL"
                        f" AND {key} IN ({', '.join('?' * len(values))})",
                        (self.uow.sub_account_id, *values),
                    )
                ]
            else:
                column = CONTACTS.c[key]
                matches = connection.execute(
                    select(column, CONTACTS.c.created_at, CONTACTS.c.id).where(
                        CONTACTS.c.sub_account_id == self.uow.sub_account_id,
                        CONTACTS.c.deleted_at.is_(None),
                        column.in_(values),
                    )
                )
            for value, created, contact_id in matches:
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
            held = [
                (k, row.values[k])
                for k in ("email", "phone")
                if row.values.get(k) and (k, row.values[k]) in existing
            ]
            matches = {existing[key] for key in held}
            if len(matches) > 1:
                self.rejected.append(RejectedRow(
                    row.row, self._column("phone"),
                    "email and phone belong to two different contacts", row.values["phone"] or "",
                ))  # fmt: skip
            elif matches:
                contact_id = matches.pop()
                if not self.update_existing:
                    what = " and ".join(f"{k} {v}" for k, v in held)
                    self.skipped.append((row.row, contact_id, f"already a contact with {what}"))
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
        rejection = self._first_seen.duplicate(row, self._column)
        if rejection is not None:
            self.rejected.append(rejection)
        return rejection is None

    def _chosen(self, tags: list[str]) -> tuple[list[str], tuple[str, ...]]:
        """Ids and names of a new contact's tags (the row's, then the import's), remembered
        per distinct tag list: an import repeats a few combinations."""
        key = tuple(tags)
        found = self._chosen_by_tags.get(key)
        if found is None:
            refs = list(dict.fromkeys([*(self._tag_ref(n) for n in tags), *self._extra_refs]))
            found = self._chosen_by_tags[key] = (
                [tag_id for tag_id, _ in refs], tuple(name for _, name in refs),
            )  # fmt: skip
        return found

    def _insert(self, rows: list[GoodRow]) -> None:
        if not rows:
            return
        uow = self.uow
        sub = uow.sub_account_id
        assert sub is not None
        now = uow.clock.now()
        connection = uow.session.connection()
        ids = new_ids(2 * len(rows))  # a contact id and an event id per row
        if connection.dialect.name != "sqlite":
            self._insert_core(connection, rows, ids, sub, now)
        else:
            self._insert_sqlite(connection, rows, ids, sub, now)
        if self._indexer is not None:
            self._indexer.touch(ids[0::2])
        self.created += len(rows)

    def _insert_sqlite(
        self, connection: Connection, rows: list[GoodRow], ids: list[str], sub: str,
        now: datetime,
    ) -> None:  # fmt: skip
        """Parameters the worker built (``GoodRow.params``) plus id, tenant and times, then one
        prepared statement per table through the driver: at 100k rows SQLAlchemy's per-row
        parameter processing would cost more than SQLite's own work."""
        now_text = sqlite_time(now)
        defaults = custom_defaults(self.loaded.plan.definitions)
        contacts: list[tuple[Any, ...]] = []
        links: list[tuple[str, str, str, str]] = []
        outbox: list[tuple[str, str, str, str, str]] = []
        events: list[ContactCreated] = []
        tails = self._payload_tails
        for at, row in enumerate(rows):
            contact_id, event_id = ids[2 * at], ids[2 * at + 1]
            if row.params is None:
                row = self._full(row)
            params = row.params or contact_params(row.values, defaults)
            created = row.created_text
            if created is None and row.created_at is not None:
                created = sqlite_time(row.created_at)
            contacts.append((contact_id, sub, *params, created or now_text, now_text, None, None))
            tag_ids, names = self._chosen(row.tags)
            for tag_id in tag_ids:
                links.append((contact_id, tag_id, sub, now_text))
            source = params[_SOURCE_AT]
            tail = tails.get((source, names))
            if tail is None:
                tail = tails[(source, names)] = created_payload_tail(source, names)
            outbox.append((event_id, ContactCreated.name, sub, created_payload(contact_id, tail),
                           now_text))  # fmt: skip
            events.append(
                ContactCreated(sub_account_id=sub, contact_id=contact_id, occurred_at=now,
                               event_id=event_id, source=source, tags=names)
            )  # fmt: skip
        _execute_many(connection, CONTACTS, list(INSERT_COLUMNS), contacts)
        if links:
            _execute_many(connection, CONTACT_TAGS, list(_LINK_COLUMNS), links)
        _driver_executemany(connection, _OUTBOX_SQL, outbox)
        self.events.extend(events)

    def _insert_core(
        self, connection: Connection, rows: list[GoodRow], ids: list[str], sub: str,
        now: datetime,
    ) -> None:  # fmt: skip
        """PostgreSQL: Core statements; the rows are complete and stamped with this
        sub-account already."""
        defaults = custom_defaults(self.loaded.plan.definitions)
        records: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        events: list[ContactCreated | ContactsImported] = []
        for at, row in enumerate(rows):
            contact_id = ids[2 * at]
            row = self._full(row)
            record = {**DEFAULTS, **row.values}
            stage = record["lifecycle_stage"]
            record.update(
                id=contact_id, sub_account_id=sub,
                custom_fields=custom_with_defaults(record.get("custom_fields"), defaults),
                lifecycle_stage=stage.value if isinstance(stage, LifecycleStage) else stage,
                created_at=row.created_at or now, updated_at=now,
                deleted_at=None, archived_at=None,
            )  # fmt: skip
            records.append(record)
            tag_ids, names = self._chosen(row.tags)
            links.extend(
                {"contact_id": contact_id, "tag_id": tag_id, "sub_account_id": sub,
                 "created_at": now}
                for tag_id in tag_ids
            )  # fmt: skip
            events.append(
                ContactCreated(sub_account_id=sub, contact_id=contact_id, occurred_at=now,
                               event_id=ids[2 * at + 1], source=record["source"], tags=names)
            )  # fmt: skip
        connection.execute(insert(CONTACTS), records)
        if links:
            connection.execute(insert(CONTACT_TAGS), links)
        self.write_events(events)

    def write_events(self, events: Sequence[ContactCreated | ContactsImported]) -> None:
        """Outbox rows for events of this import, set-based (one prepared statement): the
        importer hands ``self.events`` to the bus once the transaction has committed."""
        if not events:
            return
        connection = self.uow.session.connection()
        if connection.dialect.name == "sqlite":
            _driver_executemany(
                connection,
                _OUTBOX_SQL,
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
            row = self._full(updates[contact.id])
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
        text = cache[value] = sqlite_time(value)
    return text


def _payload(event: ContactCreated | ContactsImported) -> dict[str, Any]:
    if isinstance(event, ContactCreated):
        # ``event.payload()`` spelled out: the generic one walks the dataclass per event.
        return {"contact_id": event.contact_id, "source": event.source, "tags": list(event.tags)}
    return event.payload()


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
