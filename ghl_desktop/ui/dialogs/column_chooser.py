"""Choose and order columns (standard fields, custom fields, tags): for the contacts list and
for a CSV export."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.ui.widgets.check_list import CheckList


class ColumnChooserDialog(QDialog):
    chosen = Signal(list)  # column keys in order

    def __init__(
        self, parent: QWidget | None, available: Sequence[tuple[str, str]],
        selected: Sequence[str], *, title: str = "Columns", ok_text: str = "Show columns",
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        titles = dict(available)
        # The chosen columns first, in their order, then the others.
        ordered = [k for k in selected if k in titles] + [
            k for k, _t in available if k not in selected
        ]
        self.checks = CheckList(max_visible_rows=14)
        self.checks.setObjectName("ColumnChecks")
        self.checks.setSelectionMode(CheckList.SelectionMode.SingleSelection)
        self.checks.set_options([(titles[k], k) for k in ordered])
        self.checks.set_checked(selected)
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.error_label = QLabel()
        self.error_label.setProperty("role", "error")
        self.error_label.setVisible(False)
        side = QVBoxLayout()
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.checks, 1)
        body.addLayout(side)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tick the columns to show; select one and move it to reorder."))
        layout.addLayout(body, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def keys(self) -> list[str]:
        return [str(k) for k in self.checks.checked_values()]

    def _move(self, step: int) -> None:
        row = self.checks.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.checks.count():
            return
        item = self.checks.takeItem(row)
        self.checks.insertItem(target, item)
        self.checks.setCurrentRow(target)

    def accept(self) -> None:
        keys = self.keys()
        if not keys:
            self.error_label.setText("Choose at least one column.")
            self.error_label.setVisible(True)
            return
        self.chosen.emit(keys)
        super().accept()
