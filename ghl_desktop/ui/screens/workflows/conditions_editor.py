"""The if/else conditions: one row per condition (operand, operator, value)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.workflows.fields import CONDITION_OPERATORS, UNARY_OPERATORS


class ConditionsEditor(QWidget):
    def __init__(self, operands: Sequence[str], tags: Sequence[str]) -> None:
        super().__init__()
        self.operands = list(operands)
        self.tags = list(tags)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("ConditionsTable")
        self.table.setHorizontalHeaderLabels(["Field", "Operator", "Value"])
        # The settings panel is narrow: operand and value share what the operator leaves, so
        # no column hides behind a horizontal scroll bar.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 110)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(110)
        self.add_button = QPushButton("Add condition")
        self.add_button.setObjectName("AddCondition")
        self.add_button.clicked.connect(lambda: self.add_row({}))
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("RemoveCondition")
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add_row(self, condition: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        operand = QComboBox()
        operand.setEditable(True)  # context.<key> and steps.<id>.<key> are typed freely
        operand.addItems(self.operands)
        operand.setCurrentText(str(condition.get("field") or "tags"))
        operator = QComboBox()
        operator.addItems(CONDITION_OPERATORS)
        default_op = "has_tag" if operand.currentText() == "tags" else "equals"
        operator.setCurrentText(str(condition.get("operator") or default_op))
        value = QLineEdit("" if condition.get("value") is None else str(condition["value"]))
        operand.setToolTip(operand.currentText())
        operand.currentTextChanged.connect(operand.setToolTip)

        def operator_changed(name: str) -> None:
            # "is true", "is empty"… take no value: say so rather than offer a box for one.
            unary = name in UNARY_OPERATORS
            value.setEnabled(not unary)
            value.setPlaceholderText("no value needed" if unary else "a tag name, text or number")

        operator.currentTextChanged.connect(operator_changed)
        operator_changed(operator.currentText())
        self.table.setCellWidget(row, 0, operand)
        self.table.setCellWidget(row, 1, operator)
        self.table.setCellWidget(row, 2, value)

    def remove_current(self) -> None:
        row = self.table.currentRow()
        self.table.removeRow(row if row >= 0 else self.table.rowCount() - 1)

    def set_conditions(self, conditions: list[Any]) -> None:
        self.table.setRowCount(0)
        for condition in conditions:
            self.add_row(condition if isinstance(condition, dict) else {})

    def conditions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for row in range(self.table.rowCount()):
            operand = self.table.cellWidget(row, 0)
            operator = self.table.cellWidget(row, 1)
            value = self.table.cellWidget(row, 2)
            assert isinstance(operand, QComboBox)
            assert isinstance(operator, QComboBox)
            assert isinstance(value, QLineEdit)
            condition: dict[str, Any] = {
                "field": operand.currentText().strip(),
                "operator": operator.currentText(),
            }
            if operator.currentText() not in UNARY_OPERATORS:
                condition["value"] = _typed(value.text().strip())
            found.append(condition)
        return found


def _typed(text: str) -> Any:
    """Numbers compare as numbers ("greater than 100"); everything else stays text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
