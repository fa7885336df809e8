"""The column mapping of a CSV import: each column of the file with a sample value and what it
becomes (a contact field, a custom field, or nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

SKIP = ""  # the combo data of "Don't import"


class ImportMappingTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("ImportMapping")
        self.setHorizontalHeaderLabels(["Column in the file", "First value", "Import as"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setColumnWidth(0, 180)
        self.setColumnWidth(1, 200)
        self.combos: list[QComboBox] = []

    def show_mapping(
        self, headers: Sequence[str], samples: Sequence[str], targets: Mapping[str, str],
        mapping: Mapping[int, str | None],
    ) -> None:  # fmt: skip
        self.setRowCount(len(headers))
        self.combos = []
        for row, header in enumerate(headers):
            # QTableWidgetItem text is never interpreted as rich text.
            self.setItem(row, 0, QTableWidgetItem(header))
            self.setItem(row, 1, QTableWidgetItem(samples[row] if row < len(samples) else ""))
            combo = QComboBox()
            combo.setAccessibleName(f"Import {header} as")
            combo.addItem("Don't import", SKIP)
            for target, label in targets.items():
                combo.addItem(label, target)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(row) or SKIP)))
            self.setCellWidget(row, 2, combo)
            self.combos.append(combo)

    def mapping(self) -> dict[int, str | None]:
        return {row: (str(c.currentData()) or None) for row, c in enumerate(self.combos)}

    def choose(self, column: int, target: str | None) -> None:
        combo = self.combos[column]
        combo.setCurrentIndex(max(0, combo.findData(target or SKIP)))
