"""The base of the table models: a list of frozen service records, one per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

T = TypeVar("T")

Index = QModelIndex | QPersistentModelIndex

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's record itself


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses set ``HEADERS`` (indexed by their column constants) and implement
    ``display``; ``tooltip`` and ``is_dimmed`` (shown in italics) are optional."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[T] = []

    # -- the records ---------------------------------------------------------------------
    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[T]:
        return list(self._items)

    def item(self, row: int) -> T:
        return self._items[row]

    def find_row(self, predicate: Callable[[T], bool]) -> int:
        """The first row whose record matches, or -1."""
        return next((row for row, item in enumerate(self._items) if predicate(item)), -1)

    # -- what subclasses provide ---------------------------------------------------------
    def display(self, item: T, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, item: T, column: int) -> str | None:  # noqa: ARG002 (for overrides)
        return None

    def is_dimmed(self, item: T) -> bool:  # noqa: ARG002 (for overrides)
        return False

    # -- QAbstractTableModel -------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, index.column())
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, index.column())
        if role == Qt.ItemDataRole.FontRole and self.is_dimmed(item):
            font = QFont()
            font.setItalic(True)
            return font
        return None
