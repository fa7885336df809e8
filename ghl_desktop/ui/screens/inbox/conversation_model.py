"""The conversation list as a lazy model: the first page (50 rows) is all that is read when
the inbox opens; scrolling near the end asks ``fetchMore`` for the next keyset page. Opening
costs the same at 100 or 100,000 conversations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ghl_desktop.services.inbox.queries import ConversationPage, ConversationRow, Cursor

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 50
# (cursor or None, done callback) -> None; runs the query off the Qt thread.
PageLoader = Callable[[Cursor | None, Callable[[ConversationPage], None]], None]


class ConversationListModel(QAbstractListModel):
    page_loaded = Signal(int)  # rows now in the model

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRow] = []
        self._cursor: Cursor | None = None
        self._has_more = False
        self._loading = False
        self._loader: PageLoader | None = None
        self._generation = 0

    # -- loading ---------------------------------------------------------------------------
    def reload(self, loader: PageLoader) -> None:
        """Start over with a new query (filters changed, sub-account switched)."""
        self._generation += 1
        self._loader = loader
        self._loading = True
        generation = self._generation
        loader(None, lambda page: self._first_page(page, generation))

    def _first_page(self, page: ConversationPage, generation: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = list(page.rows)
        self._cursor, self._has_more, self._loading = (
            page.next_cursor,
            page.next_cursor is not None,
            False,
        )
        self.endResetModel()
        self.page_loaded.emit(len(self._rows))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._has_more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._loader is None:
            return
        self._loading = True
        generation = self._generation
        self._loader(self._cursor, lambda page: self._next_page(page, generation))

    def _next_page(self, page: ConversationPage, generation: int) -> None:
        if generation != self._generation:
            return
        known = {r.id for r in self._rows}
        fresh = [r for r in page.rows if r.id not in known]  # a thread moved up meanwhile
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
        self._cursor, self._has_more, self._loading = (
            page.next_cursor,
            page.next_cursor is not None,
            False,
        )
        self.page_loaded.emit(len(self._rows))

    # -- rows ------------------------------------------------------------------------------
    def row(self, index: int) -> ConversationRow:
        return self._rows[index]

    def find(self, conversation_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == conversation_id), -1)

    def replace_row(self, updated: ConversationRow) -> None:
        position = self.find(updated.id)
        if position >= 0:
            self._rows[position] = updated
            index = self.index(position)
            self.dataChanged.emit(index, index)

    @property
    def has_more(self) -> bool:
        return self._has_more

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.contact_name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.contact_name} · {row.channel_name}\n{row.preview}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            unread = f", {row.unread_count} unread" if row.unread_count else ""
            return f"{row.contact_name}{unread}: {row.preview}"
        return None
