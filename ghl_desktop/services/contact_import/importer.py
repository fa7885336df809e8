"""CSV import: preview, then one transaction that creates or updates every valid row.

Outcome rules, exactly:

* a row needs a name, an email or a phone; a row with any invalid value is rejected whole,
  and reported with its row number, the column and the reason;
* a row whose email or phone an earlier row of the file already used is rejected ("same email
  as row 7"); a row matching an existing live contact by email or phone is *skipped* in
  create-only mode, and *updates* that contact with ``update_existing`` (only the cells that
  are filled; tags are added, never removed). A row whose email and phone match two different
  contacts is rejected;
* ``tags`` given for the import are added to every created or updated contact;
* everything commits together at the end, or nothing does: a crash, an error or a cancel
  (``cancel()`` returning True between chunks) rolls the whole import back.

Validation runs in a worker process for large files while this process writes, so the two
halves of the work use both cores.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ghl_desktop.core.errors import DomainError
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_import.csv_source import CsvTable, parse, read
from ghl_desktop.services.contact_import.mapping import auto_map, check_mapping
from ghl_desktop.services.contact_import.plan import load_plan
from ghl_desktop.services.contact_import.rows import (
    TARGETS,
    FirstSeen,
    GoodRow,
    RejectedRow,
    RowPlan,
    check_row,
    check_rows,
    ready,
)
from ghl_desktop.services.contact_import.writer import ImportWriter
from ghl_desktop.services.crm_common import chunked
from ghl_desktop.services.crm_events import ContactsImported
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

CHUNK = 2_000
EARLY_POOL_BYTES = 512 * 1024  # ~5,000 rows of a typical export
PARALLEL_FROM = 6_000  # rows; below this a worker process costs more than it saves

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class ImportCancelled(DomainError):
    """The import was cancelled; nothing was written."""

    def __init__(self) -> None:
        super().__init__("import cancelled: nothing was imported")


@dataclass(frozen=True)
class SkippedRow:
    row: int
    contact_id: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    total_rows: int
    created: int
    updated: int
    skipped: int
    rejected: tuple[RejectedRow, ...]
    skipped_rows: tuple[SkippedRow, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class ImportPreview:
    headers: tuple[str, ...]
    delimiter: str
    encoding: str
    total_rows: int
    mapping: dict[int, str | None]
    targets: dict[str, str]  # every target -> label (custom fields included)
    rows: tuple[dict[str, Any], ...]  # the first rows as they would be imported
    rejected: tuple[RejectedRow, ...]  # problems among those first rows


def _table(source: bytes | str | Path) -> CsvTable:
    return read(source) if isinstance(source, Path) else parse(source)


def preview_import(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, source: bytes | str | Path, *,
    mapping: Mapping[int, str | None] | None = None, limit: int = 20,
) -> ImportPreview:  # fmt: skip
    """Parse the file, propose a mapping and show how the first ``limit`` rows come out."""
    table = _table(source)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.write")
        labels = load_plan(uow, table.headers, {}).custom_labels
        chosen = dict(mapping) if mapping is not None else auto_map(table.headers, labels)
        loaded = load_plan(uow, table.headers, chosen, check=True)
    targets = dict(TARGETS) | {f"custom_fields.{k}": v for k, v in labels.items()}
    shown: list[dict[str, Any]] = []
    rejected: list[RejectedRow] = []
    first_seen = FirstSeen()

    def column(target: str) -> str:
        return loaded.headers_by_target.get(target, target)

    for number, cells in table.rows[:limit]:
        outcome = check_row(loaded.plan, number, cells)
        if isinstance(outcome, GoodRow):
            outcome = first_seen.duplicate(outcome, column) or outcome
        if isinstance(outcome, RejectedRow):
            rejected.append(outcome)
        else:
            shown.append({"row": number, **outcome.values, "tags": outcome.tags})
    return ImportPreview(
        table.headers, table.delimiter, table.encoding, len(table.rows), chosen, targets,
        tuple(shown), tuple(rejected),
    )  # fmt: skip


def _parallel(workers: int) -> bool:
    # A frozen (PyInstaller) app would re-run itself in the worker: validate in-process there.
    return workers > 0 and not getattr(sys, "frozen", False)


@contextmanager
def _early_pool(source: bytes | str | Path, workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """For a file large enough to be checked by a worker, the worker started before the file
    is parsed: its start-up (a new interpreter importing the services, ~1 s) then overlaps
    the parsing instead of delaying the first chunks the worker checks."""
    size = source.stat().st_size if isinstance(source, Path) and source.exists() else None
    if size is None and not isinstance(source, Path):
        size = len(source)
    if not _parallel(workers) or size is None or size < EARLY_POOL_BYTES:
        yield None
        return
    # "spawn": forking a process that runs Qt or other threads is unsafe.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pool.submit(ready)  # starts the worker, which imports the validation modules
        yield pool


def _validated(
    plan: RowPlan, rows: list[tuple[int, list[str]]], workers: int, *, compact: bool,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[list[GoodRow | RejectedRow]]:  # fmt: skip
    """Chunks of checked rows, in order; a worker process checks ahead when it pays."""
    chunks = list(chunked(rows, CHUNK))
    if not _parallel(workers) or len(rows) < PARALLEL_FROM:
        for chunk in chunks:
            yield check_rows(plan, chunk)
        return
    if pool is not None:
        yield from _checked_ahead(pool, plan, chunks, compact)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as started:
        yield from _checked_ahead(started, plan, chunks, compact)


def _checked_ahead(
    pool: ProcessPoolExecutor, plan: RowPlan, chunks: list[list[tuple[int, list[str]]]],
    compact: bool,
) -> Iterator[list[GoodRow | RejectedRow]]:  # fmt: skip
    # This process checks the first chunk itself while the worker takes the next ones.
    futures: list[Future[list[GoodRow | RejectedRow]]] = [
        pool.submit(check_rows, plan, chunk, compact=compact) for chunk in chunks[1:]
    ]
    try:
        yield check_rows(plan, chunks[0])
        for future in futures:
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def _rechecker(plan: RowPlan, rows: list[tuple[int, list[str]]]) -> Callable[[int], GoodRow]:
    """Row number -> its full ``GoodRow`` again (for the few rows that update a contact)."""
    cells: dict[int, list[str]] = {}

    def recheck(number: int) -> GoodRow:
        if not cells:
            cells.update(rows)
        outcome = check_row(plan, number, cells[number])
        if not isinstance(outcome, GoodRow):  # check_row is pure: it passed in the worker
            raise AssertionError(f"row {number} no longer passes its check")
        return outcome

    return recheck


def import_contacts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, source: bytes | str | Path, *,
    mapping: Mapping[int, str | None] | None = None, update_existing: bool = False,
    tags: Sequence[str] = (), progress: Progress | None = None, cancel: Cancel | None = None,
    workers: int = 1,
) -> ImportResult:  # fmt: skip
    """Import a CSV file (see the module docstring for the rules). ``mapping`` maps column
    index -> target (None skips the column); without it the headers are mapped automatically.
    """
    with _early_pool(source, workers) as pool:
        table = _table(source)
        total = len(table.rows)
        with uows.tenant(actor, sub_account_id) as uow:
            uow.require("contacts.write")
            labels = load_plan(uow, table.headers, {}).custom_labels
            chosen = dict(mapping) if mapping is not None else auto_map(table.headers, labels)
            check_mapping(table.headers, chosen, set(labels) | {"additional_phone"})
            loaded = load_plan(uow, table.headers, chosen, check=True, create_missing_fields=True)
            writer = ImportWriter(
                uow, loaded, update_existing=update_existing, extra_tags=tags,
                recheck=_rechecker(loaded.plan, table.rows),
            )  # fmt: skip
            # Compact rows from the worker on SQLite, whose writer takes them as built there.
            compact = uow.session.connection().dialect.name == "sqlite"
            result = _write_all(
                uow, writer, _validated(loaded.plan, table.rows, workers, compact=compact,
                                        pool=pool),
                total, progress, cancel,
            )  # fmt: skip
    # The writer's events went to the outbox set-based, with the import: deliver them now as
    # the unit of work does for the events it records (and redispatch after a crash here).
    if uows.bus is not None:
        uows.bus.dispatch(writer.events)
    return result


def _write_all(
    uow: UnitOfWork, writer: ImportWriter, checked: Iterator[list[GoodRow | RejectedRow]],
    total: int, progress: Progress | None, cancel: Cancel | None,
) -> ImportResult:  # fmt: skip
    """Every chunk written, the import's own event recorded, then one commit."""
    done = 0
    with writer.session():
        for outcomes in checked:
            if cancel is not None and cancel():
                raise ImportCancelled()
            writer.write(outcomes)
            done += len(outcomes)
            if progress is not None:
                progress(done, total)
    if cancel is not None and cancel():
        raise ImportCancelled()
    result = ImportResult(
        total, writer.created, writer.updated, len(writer.skipped),
        tuple(sorted(writer.rejected, key=lambda r: r.row)),
        tuple(SkippedRow(*s) for s in writer.skipped),
    )  # fmt: skip
    writer.write_events([
        ContactsImported(
            sub_account_id=uow.sub_account_id, created=result.created, updated=result.updated,
            skipped=result.skipped, rejected=len(result.rejected), occurred_at=uow.clock.now(),
        )
    ])  # fmt: skip
    uow.commit()
    return result


def rejected_rows_csv(rejected: Sequence[RejectedRow]) -> str:
    """The rejected rows as CSV (row, column, value, reason), for saving next to the file."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["row", "column", "value", "reason"])
    for r in rejected:
        w.writerow([r.row, r.column, _safe(r.value), r.reason])
    return out.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
