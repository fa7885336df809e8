"""The contacts table view: fixed row height (so Qt asks only the visible rows for data),
multi-select by row, sortable headers, column widths by column, keyboard navigation, and
Enter or a double click to open the current contact."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ghl_desktop.services.contact_listing import ContactRow
from ghl_desktop.ui.models.windowed import WindowedTableModel


class ContactsTable(QTableView):
    open_requested = Signal(str)  # contact id
    header_menu_requested = Signal(QPoint)  # global position

    def __init__(
        self, model: WindowedTableModel[ContactRow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ContactsTable")
        self.setAccessibleName("Contacts")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setCornerButtonEnabled(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.setVisible(False)
        # Never ResizeToContents: that asks every row of a million for its data.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(
            lambda pos: self.header_menu_requested.emit(header.mapToGlobal(pos))
        )
        self.doubleClicked.connect(self._open)
        model.modelReset.connect(self.apply_widths)

    @property
    def contacts(self) -> WindowedTableModel[ContactRow]:
        model = self.model()
        assert isinstance(model, WindowedTableModel)
        return model

    def apply_widths(self) -> None:
        for i, column in enumerate(self.contacts.columns):
            self.setColumnWidth(i, column.width)

    def show_sort(self, key: str, descending: bool) -> None:
        """Show the sort indicator without asking the model to sort again."""
        column = self.contacts.column_of(key)
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        header.blockSignals(False)

    def selected_ranges(self) -> list[tuple[int, int]]:
        """Selected rows as (first, last) ranges, merged and in order."""
        selection = self.selectionModel().selection()
        spans = sorted(
            (r.top(), r.bottom())
            for r in (selection.at(i) for i in range(selection.count()))
            if r.isValid()
        )
        merged: list[tuple[int, int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            else:
                merged.append((first, last))
        return merged

    def selected_count(self) -> int:
        return sum(last - first + 1 for first, last in self.selected_ranges())

    def current_row_record(self) -> ContactRow | None:
        index = self.currentIndex()
        return self.contacts.record(index.row()) if index.isValid() else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        record = self.contacts.record(index.row()) if index.isValid() else None
        if record is not None:
            self.open_requested.emit(record.id)
