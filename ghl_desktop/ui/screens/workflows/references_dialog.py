"""Find references: which workflows, steps and triggers use a tag, custom field, user, stage
or template; and every reference that points at something deleted or renamed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import lookups, references
from ghl_desktop.services.workflows.fields import REFERENCE_KINDS
from ghl_desktop.services.workflows.lookups import KIND_LABELS, Option
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.workflows.access import read_op
from ghl_desktop.ui.widgets.row_table import row_table
from ghl_desktop.ui.workspace import WorkspaceSnapshot

T = TypeVar("T")
COLUMNS = ("Workflow", "Where", "Trigger / step", "Setting", "Version")


class ReferencesDialog(QDialog):
    open_workflow = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot = snapshot
        self.setWindowTitle("Find references")
        self.setMinimumSize(760, 420)
        self.kind = QComboBox()
        self.kind.setObjectName("ReferenceKind")
        for kind in REFERENCE_KINDS:
            self.kind.addItem(KIND_LABELS[kind].capitalize(), kind)
        self.kind.currentIndexChanged.connect(self.load_values)
        self.value = QComboBox()
        self.value.setObjectName("ReferenceValue")
        self.value.setMinimumWidth(260)
        self.find_button = QPushButton("Find")
        self.find_button.setObjectName("FindReferences")
        self.find_button.setProperty("role", "primary")
        self.find_button.clicked.connect(self.find_uses)
        self.broken_button = QPushButton("Broken references")
        self.broken_button.setObjectName("BrokenReferences")
        self.broken_button.clicked.connect(self.find_broken)
        self.summary = QLabel()
        self.summary.setObjectName("ReferenceSummary")
        self.table = row_table(COLUMNS, "ReferenceTable")
        self.table.itemDoubleClicked.connect(self._open)
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.value, 1)
        row.addWidget(self.find_button)
        row.addWidget(self.broken_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.load_values()

    def _read(self, fn: Callable[[UnitOfWork], T], done: Callable[[T], object]) -> None:
        read_op(self.ctx, self, self.snapshot, fn, key="references").success(done).run()

    def load_values(self) -> None:
        kind = self.kind.currentData()
        self._read(lambda uow: lookups.options(uow, kind), self._show_values)

    def _show_values(self, options: Sequence[Option]) -> None:
        self.value.clear()
        for option in options:
            self.value.addItem(option.label, option.value)

    def find_uses(self) -> None:
        kind, value = self.kind.currentData(), self.value.currentData()
        if not value:
            self.summary.setText("Pick what to look for.")
            return

        def run(uow: UnitOfWork) -> list[tuple[str, str, str, str, str, str]]:
            uses = references.find_references(uow, kind, value)
            return [
                (
                    u.workflow_id,
                    u.workflow_name,
                    u.where,
                    u.item_label,
                    u.field,
                    " + ".join(u.versions),
                )
                for u in uses
            ]

        label = self.value.currentText()
        self._read(run, lambda rows: self._show(rows, f"{len(rows)} use(s) of {label}"))

    def find_broken(self) -> None:
        def run(uow: UnitOfWork) -> list[tuple[str, str, str, str, str, str]]:
            return [
                (
                    b.workflow_id,
                    b.workflow_name,
                    b.problem.where,
                    b.problem.label,
                    f"{b.problem.field}: {b.problem.problem}",
                    b.version,
                )
                for b in references.broken_references(uow)
            ]

        self._read(run, lambda rows: self._show(rows, f"{len(rows)} broken reference(s)"))

    def _show(self, rows: list[tuple[str, str, str, str, str, str]], summary: str) -> None:
        self.summary.setText(summary)
        self.table.setRowCount(len(rows))
        for r, (workflow_id, *cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, workflow_id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def _open(self, item: QTableWidgetItem) -> None:
        self.open_workflow.emit(item.data(Qt.ItemDataRole.UserRole))
