"""Export contacts to CSV: the whole list shown (all contacts, a smart list, a filter or a
search - every matching contact, not the page on screen) or the selected rows, with chosen
columns (custom fields and tags included), in the background with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.contact_export import DEFAULT_COLUMNS, EXPORT_COLUMNS, ExportResult
from ghl_desktop.services.contact_export import export_to_file as export_file
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, describe_error
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.check_list import CheckList
from ghl_desktop.ui.widgets.job_progress import JobProgress
from ghl_desktop.ui.workspace import WorkspaceSnapshot

# The selected rows' ids, read in the background (rows not on screen are not loaded yet).
IdsCall = Callable[[], Sequence[str]]


class ExportDialog(QDialog):
    exported = Signal(object)  # ExportResult

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        lookups: CrmLookups, *, selection: dict[str, Any], list_count: int,
        selected_count: int, selected_ids: IdsCall | None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx = ctx
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.selection = selection  # filter / search keywords of write_csv
        self.selected_ids = selected_ids
        self.setWindowTitle("Export contacts to CSV")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(520, 560)
        self.whole_list = QRadioButton(f"Every contact of the list shown ({list_count:,})")
        self.selected_only = QRadioButton(f"The selected contacts ({selected_count:,})")
        self.whole_list.setChecked(True)
        self.selected_only.setEnabled(selected_count > 0 and selected_ids is not None)
        self.columns = CheckList(max_visible_rows=12)
        self.columns.setObjectName("ExportColumns")
        options = [(label, key) for key, label in EXPORT_COLUMNS.items()]
        options += [(d.label, f"custom_fields.{d.key}") for d in lookups.fields]
        self.columns.set_options(options)
        self.columns.set_checked(DEFAULT_COLUMNS)
        self.path_edit = QLineEdit(str(Path.home() / "contacts.csv"))
        self.path_edit.setObjectName("ExportPath")
        browse = QPushButton("Browse…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.progress = JobProgress()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("ExportStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Export")
        layout = QVBoxLayout(self)
        layout.addWidget(self.whole_list)
        layout.addWidget(self.selected_only)
        layout.addWidget(QLabel("Columns"))
        layout.addWidget(self.columns, 1)
        layout.addWidget(QLabel("Save as"))
        layout.addLayout(path_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        browse.clicked.connect(self.browse)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

    def browse(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export to", self.path_edit.text(), "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.path_edit.setText)
        dialog.open()
        return dialog

    def start(self) -> None:
        columns = [str(k) for k in self.columns.checked_values()]
        text = self.path_edit.text().strip()
        try:
            if not columns:
                raise ValidationError("columns", "choose at least one column")
            if not text:
                raise ValidationError("file", "choose where to save the file")
        except ValidationError as exc:
            self._failed(exc)
            return
        path = Path(text).expanduser()
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        ids_call = self.selected_ids if self.selected_only.isChecked() else None
        selection = {} if ids_call is not None else dict(self.selection)
        relay = self.progress.start("Exporting")
        self.ok_button.setEnabled(False)

        def run() -> ExportResult:
            ids = list(ids_call()) if ids_call is not None else None
            return export_file(
                uows, actor, sub_id, path, columns=columns, contact_ids=ids,
                progress=relay.report, cancel=relay.cancelled, **selection,
            )  # fmt: skip

        ReadOp(self.ctx.ops, self, run).success(lambda result: self._done(result, path)).failure(
            self._failed
        ).run()

    def _done(self, result: ExportResult, path: Path) -> None:
        stopped = self.progress.relay is not None and self.progress.relay.cancelled()
        self.progress.finish()
        self.ok_button.setEnabled(True)
        what = "Stopped after" if stopped else "Exported"
        self.status.setText(f"{what} {result.rows:,} contacts to {path}")
        self.exported.emit(result)

    def _failed(self, error: Exception) -> None:
        self.progress.finish()
        self.ok_button.setEnabled(True)
        self.status.setText(describe_error(error))
