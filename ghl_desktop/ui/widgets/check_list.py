"""A compact list of check boxes: pick several of a few options (tags, stages, users)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1


class CheckList(QListWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, max_visible_rows: int = 5) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setUniformItemSizes(True)
        rows = max(1, max_visible_rows)
        self.setMaximumHeight(rows * (self.fontMetrics().height() + 8) + 6)
        self.itemChanged.connect(lambda _item: self.changed.emit())

    def set_options(self, options: Sequence[tuple[str, Any]]) -> None:
        """``(label, value)`` pairs; labels are shown as plain text. Checks are kept by value."""
        keep = set(self.checked_values())
        self.blockSignals(True)
        self.clear()
        for label, value in options:
            item = QListWidgetItem(label)
            item.setData(VALUE_ROLE, value)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if value in keep else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)

    def values(self) -> list[Any]:
        return [self.item(i).data(VALUE_ROLE) for i in range(self.count())]

    def checked_values(self) -> list[Any]:
        return [
            self.item(i).data(VALUE_ROLE)
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, values: Iterable[Any]) -> None:
        wanted = set(values)
        self.blockSignals(True)
        for i in range(self.count()):
            item = self.item(i)
            checked = item.data(VALUE_ROLE) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.blockSignals(False)
        self.changed.emit()

    def add_option(self, label: str, value: Any, *, checked: bool = True) -> None:
        """Add an option (or check the existing one with this value)."""
        for i in range(self.count()):
            if self.item(i).data(VALUE_ROLE) == value:
                self.item(i).setCheckState(Qt.CheckState.Checked)
                return
        item = QListWidgetItem(label)
        item.setData(VALUE_ROLE, value)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.addItem(item)
