"""A read-only table view with the app's defaults: whole-row single selection, fixed row
height (never ResizeToContents over all rows), Tab leaves the table, Enter or a double click
activates the row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ghl_desktop.ui.models.base import ITEM_ROLE


class DataTable(QTableView):
    item_activated = Signal(object)  # the row's record
    current_item_changed = Signal(object)  # the record, or None

    def __init__(
        self, model: QAbstractItemModel, parent: QWidget | None = None, *,
        stretch_column: int | None = None, widths: dict[int, int] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setShowGrid(False)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(stretch_column is None)
        if stretch_column is not None:
            header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
        for column, width in (widths or {}).items():
            self.setColumnWidth(column, width)
        self.activated.connect(self._activated)
        self.doubleClicked.connect(self._activated)
        selection = self.selectionModel()
        selection.currentRowChanged.connect(self._current_row_changed)
        model.modelReset.connect(lambda: self.current_item_changed.emit(None))

    def current_item(self) -> Any | None:
        """The record of the current row (the selected one: selection is single, by row)."""
        index = self.currentIndex()
        return index.data(ITEM_ROLE) if index.isValid() else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model().rowCount():
            self.selectRow(row)
            self.scrollTo(self.model().index(row, 0))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.item_activated.emit(index.data(ITEM_ROLE))

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_item_changed.emit(current.data(ITEM_ROLE) if current.isValid() else None)
