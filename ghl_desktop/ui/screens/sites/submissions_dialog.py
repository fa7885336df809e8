"""A form's submissions (newest first), one column per field, with a CSV export.

What visitors typed is shown as plain text (cells and escaped tooltips) and exported as
spreadsheet-safe CSV (``services.sites.csv_export``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.sites import forms, submissions
from ghl_desktop.services.sites.csv_export import write_submissions_csv
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.submissions import SubmissionRow
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.sites.models import SubmissionTableModel
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot

LIMIT = 5000


class SubmissionsDialog(QDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot, form: FormInfo
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot = snapshot
        self.form = form
        self.setWindowTitle(f"Submissions · {form.name}")
        self.resize(1000, 560)
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.model = SubmissionTableModel(self)
        self.model.set_fields(form.fields)
        self.table = DataTable(self.model, widths={0: 130, 1: 170, 2: 120})
        self.table.setObjectName("SubmissionsTable")
        self.table.setAccessibleName(f"Submissions of {form.name}")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("ExportCsv")
        self.export_button.clicked.connect(self.ask_export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        ctx.bridge.data_changed.connect(self._on_change)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.event_name == "form.submitted":
            self.refresh()

    def refresh(self) -> None:
        uows, actor, form_id = self.ctx.uows, self.snapshot.actor, self.form.id
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        ReadOp(
            self.ctx.ops, self,
            lambda: submissions.list_submissions(uows, actor, sub, form_id, limit=LIMIT),
            key="submissions",
        ).success(self.show_rows).run()  # fmt: skip

    def show_rows(self, rows: list[SubmissionRow]) -> None:
        self.model.set_items(rows)
        linked = sum(1 for r in rows if r.contact_id)
        self.summary.setText(f"{len(rows)} submissions · {linked} linked to a contact")

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export submissions", f"{self.form.name}.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        uows, actor, form_id = self.ctx.uows, self.snapshot.actor, self.form.id
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""

        def export() -> int:
            form = forms.get_form(uows, actor, sub, form_id)
            rows = submissions.list_submissions(uows, actor, sub, form_id, limit=10_000)
            with path.open("w", newline="", encoding="utf-8") as out:
                return write_submissions_csv(csv.writer(out), form.fields, rows)

        ReadOp(self.ctx.ops, self, export).success(
            lambda n: self.summary.setText(f"Exported {n} submissions to {path.name}")
        ).run()
