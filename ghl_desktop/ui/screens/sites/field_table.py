"""The fields of a form (or the questions of a survey) as an editable table.

Each row is one field: key, label, type, required, choices (comma-separated), placeholder,
the contact field it fills - and, for surveys, where each choice jumps, the points each choice
scores and where the question leads otherwise (``choice=target; ...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QTableWidget, QTableWidgetItem, QWidget

from ghl_desktop.services.sites.form_fields import STANDARD_TARGETS, FieldType

FORM_COLUMNS = ("Key", "Label", "Type", "Required", "Choices", "Placeholder", "Fills contact")
SURVEY_COLUMNS = (*FORM_COLUMNS, "Jumps (choice=key)", "Scores (choice=points)", "Then")
KEY, LABEL, TYPE, REQUIRED, OPTIONS, PLACEHOLDER, MAP_TO, JUMPS, SCORES, NEXT = range(10)
TARGETS = ("", *STANDARD_TARGETS, "none")


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(";"):
        if "=" in part:
            left, _, right = part.partition("=")
            pairs[left.strip()] = right.strip()
    return pairs


def _points(text: str) -> dict[str, Any]:
    return {k: int(v) if v.lstrip("-").isdigit() else v for k, v in _pairs(text).items()}


class FieldTable(QTableWidget):
    def __init__(self, *, survey: bool = False, parent: QWidget | None = None) -> None:
        columns = SURVEY_COLUMNS if survey else FORM_COLUMNS
        super().__init__(0, len(columns), parent)
        self.survey = survey
        self.setHorizontalHeaderLabels(columns)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        for column, width in ((KEY, 110), (LABEL, 150), (TYPE, 95), (REQUIRED, 70),
                              (OPTIONS, 150), (PLACEHOLDER, 110), (MAP_TO, 110)):  # fmt: skip
            self.setColumnWidth(column, width)

    # -- rows -----------------------------------------------------------------------------------
    def add_row(self, field: Mapping[str, Any] | None = None, at: int | None = None) -> int:
        field = field or {"key": f"field_{self.rowCount() + 1}", "type": "text"}
        row = self.rowCount() if at is None else at
        self.insertRow(row)
        self.setItem(row, KEY, QTableWidgetItem(str(field.get("key", ""))))
        self.setItem(row, LABEL, QTableWidgetItem(str(field.get("label", ""))))
        kinds = QComboBox()
        kinds.addItems([k.value for k in FieldType if not (self.survey and k is FieldType.HIDDEN)])
        kinds.setCurrentText(str(field.get("type", "text")))
        self.setCellWidget(row, TYPE, kinds)
        required = QCheckBox()
        required.setChecked(bool(field.get("required")))
        self.setCellWidget(row, REQUIRED, required)
        self.setItem(row, OPTIONS, QTableWidgetItem(", ".join(field.get("options") or [])))
        self.setItem(row, PLACEHOLDER, QTableWidgetItem(str(field.get("placeholder", ""))))
        targets = QComboBox()
        targets.setEditable(True)
        targets.addItems(list(TARGETS))
        targets.setCurrentText(str(field.get("map_to", "")))
        targets.setToolTip("Empty: by the key (a standard field, else a custom field of that key)")
        self.setCellWidget(row, MAP_TO, targets)
        if self.survey:
            jumps = "; ".join(f"{k}={v}" for k, v in (field.get("jumps") or {}).items())
            scores = "; ".join(f"{k}={v}" for k, v in (field.get("scores") or {}).items())
            self.setItem(row, JUMPS, QTableWidgetItem(jumps))
            self.setItem(row, SCORES, QTableWidgetItem(scores))
            self.setItem(row, NEXT, QTableWidgetItem(str(field.get("next", ""))))
        self.selectRow(row)
        return row

    def set_fields(self, fields: Sequence[Mapping[str, Any]]) -> None:
        self.setRowCount(0)
        for field in fields:
            self.add_row(field)

    def remove_current(self) -> None:
        if self.currentRow() >= 0:
            self.removeRow(self.currentRow())

    def move_current(self, step: int) -> None:
        row = self.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.rowCount():
            return
        field = self.field(row)
        self.removeRow(row)
        self.add_row(field, target)

    # -- reading --------------------------------------------------------------------------------
    def _text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text().strip() if item is not None else ""

    def field(self, row: int) -> dict[str, Any]:
        kinds = self.cellWidget(row, TYPE)
        required = self.cellWidget(row, REQUIRED)
        targets = self.cellWidget(row, MAP_TO)
        assert isinstance(kinds, QComboBox)
        assert isinstance(required, QCheckBox)
        assert isinstance(targets, QComboBox)
        field: dict[str, Any] = {
            "key": self._text(row, KEY), "label": self._text(row, LABEL),
            "type": kinds.currentText(), "required": required.isChecked(),
        }  # fmt: skip
        options = [o.strip() for o in self._text(row, OPTIONS).split(",") if o.strip()]
        if options:
            field["options"] = options
        for key, value in (("placeholder", self._text(row, PLACEHOLDER)),
                           ("map_to", targets.currentText().strip())):  # fmt: skip
            if value:
                field[key] = value
        if self.survey:
            if self._text(row, JUMPS):
                field["jumps"] = _pairs(self._text(row, JUMPS))
            if self._text(row, SCORES):
                field["scores"] = _points(self._text(row, SCORES))
            if self._text(row, NEXT):
                field["next"] = self._text(row, NEXT)
        return field

    def fields(self) -> list[dict[str, Any]]:
        return [self.field(row) for row in range(self.rowCount())]

    def keyPressEvent(self, event: Any) -> None:
        # Tab leaves the table rather than walking through every cell.
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            event.ignore()
            return
        super().keyPressEvent(event)
