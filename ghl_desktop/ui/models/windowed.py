"""A table model over a very large list (a million contacts) that loads only what is shown.

The rows live in the database; the model knows their count and keeps a small cache of blocks
(``block_rows`` consecutive rows each). ``data()`` for a row whose block is not cached answers
a placeholder at once and asks for the block; the requests of one paint are gathered by a
zero-delay timer and run as reads on the reader pool (newest first, a few at a time, so a fast
drag of the scroll bar never queues a backlog of blocks nobody looks at any more). When a block
arrives its rows are repainted. The view must use a fixed row height: Qt then asks ``data()``
for the visible rows only.

A new source (another search, sort or smart list) swaps in when its first block has arrived, so
the old rows stay on screen meanwhile. ``show_now`` is the one exception to "reads run on the
pool": a list's first screenful, read by an index when its view is first shown, is read right
there so the first paint already has rows (see its docstring for what that costs).
``refresh()`` re-reads the same source after a change: cached blocks keep showing until their
fresh copy comes back (no flashing).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from ghl_desktop.ui.after_paint import PaintGate
from ghl_desktop.ui.models.base import ITEM_ROLE
from ghl_desktop.ui.ops import OpRunner, ReadOp

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

Index = QModelIndex | QPersistentModelIndex

BLOCK_ROWS = 100
MAX_CACHED_BLOCKS = 200  # 20,000 rows
MAX_IN_FLIGHT = 3
MAX_WANTED = 8
LOADING_TEXT = "Loading…"


class RowSource(Protocol[R_co]):
    """Where the rows come from. Both methods run on a reader thread."""

    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> Sequence[R_co]: ...


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: ``key`` names it for sorting and the column chooser."""

    key: str
    title: str
    text: Callable[[R], str]
    sortable: bool = False
    width: int = 140


@dataclass
class _Block(Generic[R]):
    rows: Sequence[R]
    generation: int
    # False for the first screenful ``show_now`` read: the rest of the block is read later.
    complete: bool = True
    # Per row, once shown: its cells' texts and whether it is dimmed (``_line``).
    lines: list[tuple[tuple[str, ...], bool] | None] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = [None] * len(self.rows)


class WindowedTableModel(QAbstractTableModel, Generic[R]):
    loaded = Signal(int)  # the row count, each time a source or refresh answered
    first_rows_shown = Signal()  # a new source's first block is on screen (before its count)
    sort_requested = Signal(str, bool)  # column key, descending
    failed = Signal(object)  # the exception of a read that failed

    def __init__(
        self, ops: OpRunner, columns: Sequence[Column[R]], parent: Any = None, *,
        block_rows: int = BLOCK_ROWS, max_cached_blocks: int = MAX_CACHED_BLOCKS,
        is_dimmed: Callable[[R], bool] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._ops = ops
        self._columns: list[Column[R]] = list(columns)
        self.block_rows = block_rows
        self._max_cached = max_cached_blocks
        self._source: RowSource[R] | None = None
        self._rows = 0
        # Each new source or refresh takes a ticket; the newest ticket's answer becomes the
        # current generation, and blocks of an older generation are stale.
        self._ticket = 0
        self._generation = 0
        self._count: int | None = None  # the newest ticket's count, once it arrived
        self._page_shown = False  # the newest ticket's first block is shown
        self._blocks: OrderedDict[int, _Block[R]] = OrderedDict()
        self._in_flight: dict[int, int] = {}  # block -> generation it was asked for
        self._wanted: OrderedDict[int, None] = OrderedDict()  # most recently asked last
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._request_blocks)
        self.block_requests = 0  # how many block reads were started (tests and benchmarks)
        self._is_dimmed = is_dimmed  # rows shown in italics (archived contacts)
        # What follows a new source's first rows (its count) waits at this gate for them to
        # be painted (a view sets it: ``ui.after_paint.PaintGate``).
        self.paint_gate: PaintGate | None = None
        # The row ``data()`` answered last and its line: a paint asks each cell for three
        # roles in a row (any change to the blocks or columns forgets it).
        self._last: tuple[int, tuple[tuple[str, ...], bool] | None] = (-1, None)

    # -- columns ---------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column[R]]:
        return list(self._columns)

    def set_columns(self, columns: Sequence[Column[R]]) -> None:
        """Change the columns shown; cached rows stay (they hold every field)."""
        self.beginResetModel()
        self._columns = list(columns)
        for block in self._blocks.values():
            block.lines = [None] * len(block.rows)
        self._last = (-1, None)
        self.endResetModel()

    def column_of(self, key: str) -> int:
        return next((i for i, c in enumerate(self._columns) if c.key == key), -1)

    # -- the source ------------------------------------------------------------------------
    @property
    def source(self) -> RowSource[R] | None:
        return self._source

    def set_source(self, source: RowSource[R]) -> None:
        """Show another list; it replaces the current one when its first rows have arrived."""
        self._start(source, replace=True)

    def refresh(self) -> None:
        """Re-read the current list (after a change); what is on screen stays meanwhile."""
        if self._source is not None:
            self._start(self._source, replace=False)

    @property
    def counting(self) -> bool:
        """The first rows are shown but the list's length is not known yet."""
        return self._count is None

    def show_now(self, source: RowSource[R], rows: int) -> None:
        """Show ``source`` with its first ``rows`` rows (at most a block) read here, on the
        Qt thread, so the paint that follows already shows them: no placeholders, no second
        paint. Meant for a view about to be painted for the first time, with a source whose
        first rows come straight off an index: a screenful of the contacts list (30 rows of
        1,000,000) takes ~2 ms. The count, the rest of the block and every other block are
        read on the reader pool as for ``set_source``."""
        self._ticket += 1
        ticket, limit = self._ticket, max(1, min(rows, self.block_rows))
        self._page_shown = False
        self._count = None
        try:
            found = source.fetch(0, limit)
        except Exception as error:  # reported like a failed background read
            self._read_failed(error)
            return
        self._first_page_arrived(source, ticket, True, found, limit)
        if ticket == self._ticket and self._count is None:
            self._read_count(source, ticket)

    def _start(self, source: RowSource[R], *, replace: bool) -> None:
        # The first block is read first and shown; the count follows (counting a million rows
        # takes far longer than reading a hundred, and would slow the block down beside it).
        self._ticket += 1
        ticket, limit = self._ticket, self.block_rows
        self._page_shown = False
        self._count = None

        def page_arrived(rows: Sequence[R]) -> None:
            self._first_page_arrived(source, ticket, replace, rows, limit)
            if ticket == self._ticket and self._count is None:
                self._read_count(source, ticket)

        ReadOp(self._ops, self, lambda: source.fetch(0, limit)).success(page_arrived).failure(
            self._read_failed
        ).run()

    def _read_count(self, source: RowSource[R], ticket: int) -> None:
        def count_arrived(count: int) -> None:
            self._count_arrived(ticket, count)

        gate = self.paint_gate
        read = source.count if gate is None else gate.after_paint(source.count)
        ReadOp(self._ops, self, read).success(count_arrived).failure(self._read_failed).run()

    def _first_page_arrived(
        self, source: RowSource[R], ticket: int, replace: bool, rows: Sequence[R], limit: int
    ) -> None:
        if ticket != self._ticket:
            return
        self._generation = ticket
        self._page_shown = True
        self._in_flight.clear()
        count = self._count
        if count is None and len(rows) < limit:
            count = self._count = len(rows)  # a short first page is the whole list
        complete = len(rows) >= self.block_rows or count is not None
        self._last = (-1, None)
        if replace or self._source is not source:
            self.beginResetModel()
            self._source = source
            self._rows = count if count is not None else len(rows)
            self._blocks.clear()
            self._blocks[0] = _Block(rows, ticket, complete)
            self._wanted.clear()
            self.endResetModel()
            if self.paint_gate is not None:
                self.paint_gate.arm()
            self.first_rows_shown.emit()
        else:
            if count is not None:
                self._resize(count)
            self._store(0, rows, ticket, complete)
        if self._count is not None:
            self.loaded.emit(self._count)
            self._prefetch_ends()

    def _count_arrived(self, ticket: int, count: int) -> None:
        if ticket != self._ticket:
            return
        self._count = count
        if self._page_shown:
            self._resize(count)
            self.loaded.emit(count)
            self._prefetch_ends()

    def _prefetch_ends(self) -> None:
        """Read the second block and the last one ahead: scrolling on, or jumping to the end
        (Ctrl+End, the scroll bar dragged down), then paints at once. The first block too
        when only its first screenful was read (``show_now``)."""
        source = self._source
        if source is None:
            return
        numbers = [0]
        if self._rows > self.block_rows:
            numbers += [1, (self._rows - 1) // self.block_rows]
        for number in numbers:
            cached = self._blocks.get(number)
            fresh = cached is not None and cached.generation == self._generation and cached.complete
            if not fresh and self._in_flight.get(number) != self._generation:
                self._in_flight[number] = self._generation
                self.block_requests += 1
                self._read_block(source, number, self._generation)

    def _resize(self, count: int) -> None:
        if count > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, count - 1)
            self._rows = count
            self.endInsertRows()
        elif count < self._rows:
            self.beginRemoveRows(QModelIndex(), count, self._rows - 1)
            self._rows = count
            self.endRemoveRows()

    def _read_failed(self, error: Exception) -> None:
        self._in_flight.clear()
        self.failed.emit(error)

    # -- blocks ----------------------------------------------------------------------------
    def record(self, row: int) -> R | None:
        """The row's record when its block is cached (fresh or not), else None."""
        if not 0 <= row < self._rows:
            return None
        block = self._blocks.get(row // self.block_rows)
        if block is None:
            return None
        offset = row % self.block_rows
        return block.rows[offset] if offset < len(block.rows) else None

    def is_loaded(self, row: int) -> bool:
        block = self._blocks.get(row // self.block_rows)
        return (
            block is not None
            and block.generation == self._generation
            and row % self.block_rows < len(block.rows)
        )

    def cached_blocks(self) -> list[int]:
        return list(self._blocks)

    def _lookup(self, row: int) -> R | None:
        """The record for ``data()``: asks for the block when it is missing or stale."""
        number = row // self.block_rows
        block = self._blocks.get(number)
        offset = row % self.block_rows
        if block is None or block.generation != self._generation:
            self._want(number)
        elif not block.complete and offset >= len(block.rows):
            self._want(number)  # beyond the first screenful read by ``show_now``
        if block is None:
            return None
        self._blocks.move_to_end(number)
        return block.rows[offset] if offset < len(block.rows) else None

    def _want(self, number: int) -> None:
        if self._in_flight.get(number) == self._generation:
            return
        self._wanted[number] = None
        self._wanted.move_to_end(number)
        while len(self._wanted) > MAX_WANTED:
            self._wanted.popitem(last=False)
        if not self._flush.isActive():
            self._flush.start()

    def _request_blocks(self) -> None:
        source = self._source
        if source is None:
            return
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            number, _ = self._wanted.popitem(last=True)  # the newest first: what is on screen
            self._in_flight[number] = self._generation
            self.block_requests += 1
            self._read_block(source, number, self._generation)

    def _read_block(self, source: RowSource[R], number: int, generation: int) -> None:
        offset, limit = number * self.block_rows, self.block_rows

        def arrived(rows: Sequence[R]) -> None:
            self._block_arrived(number, generation, rows)

        def failed(error: Exception) -> None:
            self._block_failed(number, error)

        ReadOp(self._ops, self, lambda: source.fetch(offset, limit)).success(arrived).failure(
            failed
        ).run()

    def _block_arrived(self, number: int, generation: int, rows: Sequence[R]) -> None:
        if self._in_flight.get(number) == generation:
            del self._in_flight[number]
        if generation == self._generation:
            self._store(number, rows, generation)
        if self._wanted:
            self._request_blocks()

    def _block_failed(self, number: int, error: Exception) -> None:
        self._in_flight.pop(number, None)
        self.failed.emit(error)

    def _store(
        self, number: int, rows: Sequence[R], generation: int, complete: bool = True
    ) -> None:
        self._blocks[number] = _Block(rows, generation, complete)
        self._last = (-1, None)
        self._blocks.move_to_end(number)
        while len(self._blocks) > self._max_cached:
            self._blocks.popitem(last=False)
        first = number * self.block_rows
        last = min(first + self.block_rows, self._rows) - 1
        if last >= first and self._columns:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1))

    # -- records for a selection -----------------------------------------------------------
    def fetch_rows_call(self, ranges: Sequence[tuple[int, int]]) -> Callable[[], list[R]]:
        """A read (to run on a reader thread) returning the records of the rows in
        ``ranges`` (first row, last row inclusive), in order; cached rows are not re-read."""
        source = self._source
        known: dict[int, R] = {}
        for first, last in ranges:
            for number in range(first // self.block_rows, last // self.block_rows + 1):
                block = self._blocks.get(number)
                if block is None or block.generation != self._generation:
                    continue
                start = number * self.block_rows
                for offset, record in enumerate(block.rows):
                    if first <= start + offset <= last:
                        known[start + offset] = record

        def read() -> list[R]:
            if source is None:
                return []
            found: list[R] = []
            for first, last in ranges:
                row = first
                while row <= last:
                    cached = known.get(row)
                    if cached is not None:
                        found.append(cached)
                        row += 1
                        continue
                    limit = min(last - row + 1, 1000)
                    found.extend(source.fetch(row, limit))
                    row += limit
            return found

        return read

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != _DISPLAY or orientation != Qt.Orientation.Horizontal:
            return None
        return self._columns[section].title if 0 <= section < len(self._columns) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A paint asks each cell for seven roles (three served) through this Python method:
        # the ones not served leave at once, and a row's texts are made once (``_line``).
        if role not in _SERVED_ROLES or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < self._rows:
            return None
        if role == _ITEM:
            return self._lookup(row)
        last_row, line = self._last
        if row != last_row:
            line = self._line(row)
            self._last = (row, line)
        if line is None:
            if role == _DISPLAY:
                return LOADING_TEXT if index.column() == 0 else ""
            return _muted() if role == _FOREGROUND else None
        if role == _DISPLAY:
            return line[0][index.column()]
        return _italic() if role == _FONT and line[1] else None

    def _line(self, row: int) -> tuple[tuple[str, ...], bool] | None:
        """The row's cell texts and whether it is dimmed, made once per cached row (None
        while its block is not cached); asks for the block like ``_lookup``."""
        record = self._lookup(row)
        if record is None:
            return None
        block = self._blocks[row // self.block_rows]
        offset = row % self.block_rows
        line = block.lines[offset]
        if line is None:
            dimmed = self._is_dimmed is not None and self._is_dimmed(record)
            line = block.lines[offset] = (tuple(c.text(record) for c in self._columns), dimmed)
        return line

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self._columns) and self._columns[column].sortable:
            descending = order == Qt.SortOrder.DescendingOrder
            self.sort_requested.emit(self._columns[column].key, descending)


_SERVED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole,
        ITEM_ROLE,
    )
)  # fmt: skip


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ITEM = int(ITEM_ROLE)


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def _muted() -> QColor:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().color(QPalette.ColorRole.PlaceholderText)
    return QColor("#888888")
