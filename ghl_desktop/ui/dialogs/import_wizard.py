"""Import contacts from a CSV file, step by step: the file → the column mapping (headers that
agencies' exports use are mapped already) → options (create only, or update existing contacts
by email or phone; tags for everyone) → a preview of the first rows → progress with Cancel →
the result, with every rejected row (row number, column, reason) savable as CSV.

The import is one transaction: Cancel or an error leaves nothing half-imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.contact_import import csv_source, importer
from ghl_desktop.services.contact_import.importer import ImportPreview, ImportResult
from ghl_desktop.services.contact_import.rows import RejectedRow
from ghl_desktop.services.tags import split_tag_names
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.widgets.import_mapping import ImportMappingTable
from ghl_desktop.ui.widgets.job_progress import JobProgress
from ghl_desktop.ui.workspace import WorkspaceSnapshot

FILE, MAPPING, OPTIONS, PREVIEW, PROGRESS, RESULT = range(6)
PREVIEW_COLUMNS = ("row", "first_name", "last_name", "email", "phone", "company", "tags")


@dataclass(frozen=True)
class _FileRead:
    preview: ImportPreview
    samples: list[str]


def _fill(table: QTableWidget, headers: list[str], rows: list[list[str]]) -> None:
    # Fixed widths, the last column stretched: a file with 50,000 rejected rows must not be
    # measured row by row.
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))  # plain text, never rich
    widths = {"Row": 50, "Column": 120, "Value": 180, "First": 100, "Last": 100, "Email": 190}
    for c, header in enumerate(headers[:-1]):
        table.setColumnWidth(c, widths.get(header, 115))


def _rejected_rows(rejected: tuple[RejectedRow, ...] | list[RejectedRow]) -> list[list[str]]:
    return [[str(r.row), r.column, r.value, r.reason] for r in rejected]


class ImportWizard(QDialog):
    finished_import = Signal(object)  # ImportResult

    def __init__(self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot) -> None:
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx = ctx
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.setWindowTitle("Import contacts from CSV")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 560)
        self.file_read: _FileRead | None = None
        self.import_result: ImportResult | None = None
        self.pages = QStackedWidget()
        # 1. the file
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("ImportPath")
        self.path_edit.setPlaceholderText("contacts.csv")
        self.browse_button = QPushButton("Browse…")
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        self._add_page(
            "Choose a CSV file (UTF-8, comma or semicolon separated, with a header row).",
            file_row,
        )
        # 2. the mapping
        self.mapping_table = ImportMappingTable()
        self.file_label = QLabel()
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self._add_page("Check what each column becomes.", self.file_label, self.mapping_table)
        # 3. options
        self.create_only = QRadioButton("Create new contacts only (skip rows matching a contact)")
        self.update_existing = QRadioButton(
            "Create new contacts and update existing ones (matched by email or phone)"
        )
        self.create_only.setChecked(True)
        self.tags_edit = QLineEdit()
        self.tags_edit.setObjectName("ImportTags")
        self.tags_edit.setPlaceholderText(
            "Tags for every imported contact, e.g. Imported, Expo 2026"
        )
        self._add_page(
            "How to import.", self.create_only, self.update_existing, QLabel("Tags"),
            self.tags_edit,
        )  # fmt: skip
        # 4. preview
        self.preview_table = QTableWidget()
        self.preview_table.setObjectName("ImportPreview")
        self.preview_rejected = QTableWidget()
        self.preview_label = QLabel()
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self._add_page(
            "The first rows as they will be imported.", self.preview_label, self.preview_table,
            QLabel("Problems in these rows"), self.preview_rejected,
        )  # fmt: skip
        # 5. progress
        self.progress = JobProgress()
        self._add_page("Importing… Cancel leaves the contacts as they were.", self.progress)
        # 6. result
        self.result_label = QLabel()
        self.result_label.setObjectName("ImportResult")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rejected_table = QTableWidget()
        self.rejected_table.setObjectName("ImportRejected")
        self.save_rejected_button = QPushButton("Save rejected rows as CSV…")
        self.skipped_label = QLabel("Skipped — these rows are contacts already:")
        self.skipped_table = QTableWidget()
        self.skipped_table.setObjectName("ImportSkipped")
        self._add_page(
            "Done.", self.result_label, self.rejected_table, self.save_rejected_button,
            self.skipped_label, self.skipped_table,
        )  # fmt: skip
        self.error_label = QLabel()
        self.error_label.setObjectName("FormError")
        self.error_label.setProperty("role", "error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.back_button = QPushButton("< Back")
        self.next_button = QPushButton("Next >")
        self.next_button.setObjectName("ImportNext")
        self.next_button.setDefault(True)
        self.close_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.browse_button.clicked.connect(self.browse)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.reject)
        self.save_rejected_button.clicked.connect(self.ask_where_to_save_rejected)
        self.show_page(FILE)

    def _add_page(self, intro: str, *parts: object) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        heading = QLabel(intro)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        for part in parts:
            if isinstance(part, QWidget):
                layout.addWidget(part, 1 if isinstance(part, QTableWidget) else 0)
            elif isinstance(part, QHBoxLayout):
                layout.addLayout(part)
        layout.addStretch(0)
        self.pages.addWidget(page)

    # -- navigation ------------------------------------------------------------------------
    def page(self) -> int:
        return self.pages.currentIndex()

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.error_label.setVisible(False)
        self.back_button.setVisible(index in (MAPPING, OPTIONS, PREVIEW))
        self.next_button.setVisible(index != PROGRESS)
        self.next_button.setEnabled(True)
        self.next_button.setText({PREVIEW: "Import", RESULT: "Close"}.get(index, "Next >"))
        self.close_button.setVisible(index not in (PROGRESS, RESULT))

    def show_error(self, error: Exception) -> None:
        self.error_label.setText(describe_error(error))
        self.error_label.setVisible(True)
        self.next_button.setEnabled(True)

    def back(self) -> None:
        self.show_page(max(FILE, self.page() - 1))

    def next(self) -> None:
        page = self.page()
        if page == FILE:
            self.read_file()
        elif page == MAPPING:
            self.show_page(OPTIONS)
        elif page == OPTIONS:
            self.load_preview()
        elif page == PREVIEW:
            self.start_import()
        elif page == RESULT:
            self.accept()

    # -- steps -----------------------------------------------------------------------------
    def browse(self) -> QFileDialog:
        dialog = QFileDialog(self, "CSV file to import", "", "CSV files (*.csv *.txt)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path_edit.setText)
        dialog.open()
        return dialog

    def _path(self) -> Path:
        text = self.path_edit.text().strip()
        if not text:
            raise ValidationError("file", "choose a CSV file")
        path = Path(text).expanduser()
        if not path.is_file():
            raise ValidationError("file", f"{path} is not a file")
        return path

    def read_file(self) -> None:
        try:
            path = self._path()
        except ValidationError as exc:
            self.show_error(exc)
            return
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id

        def read() -> _FileRead:
            preview = importer.preview_import(uows, actor, sub_id, path)
            table = csv_source.read(path)
            first = table.rows[0][1] if table.rows else []
            return _FileRead(preview, list(first))

        self.next_button.setEnabled(False)
        ReadOp(self.ctx.ops, self, read).success(self._file_read).failure(self.show_error).run()

    def _file_read(self, read: _FileRead) -> None:
        self.file_read = read
        p = read.preview
        self.file_label.setText(
            f"{p.total_rows:,} rows · {p.encoding} · separated by “{p.delimiter}”"
        )
        self.mapping_table.show_mapping(p.headers, read.samples, p.targets, p.mapping)
        self.show_page(MAPPING)

    def tag_names(self) -> list[str]:
        return split_tag_names(self.tags_edit.text())

    def load_preview(self) -> None:
        path, mapping = self._path(), self.mapping_table.mapping()
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        self.next_button.setEnabled(False)
        ReadOp(
            self.ctx.ops, self,
            lambda: importer.preview_import(uows, actor, sub_id, path, mapping=mapping),
        ).success(self._show_preview).failure(self.show_error).run()  # fmt: skip

    def _show_preview(self, preview: ImportPreview) -> None:
        rows = [
            [", ".join(v) if isinstance(v := r.get(k), list) else "" if v is None else str(v)
             for k in PREVIEW_COLUMNS]
            for r in preview.rows
        ]  # fmt: skip
        _fill(self.preview_table, ["Row", "First", "Last", "Email", "Phone", "Company", "Tags"],
              rows)  # fmt: skip
        _fill(self.preview_rejected, ["Row", "Column", "Value", "Reason"],
              _rejected_rows(preview.rejected))  # fmt: skip
        shown = len(preview.rows) + len(preview.rejected)
        mode = "update existing" if self.update_existing.isChecked() else "create only"
        tags = ", ".join(self.tag_names()) or "none"
        self.preview_label.setText(
            f"First {shown} of {preview.total_rows:,} rows · {mode} · tags for everyone: {tags}"
        )
        self.show_page(PREVIEW)

    def start_import(self) -> None:
        path, mapping = self._path(), self.mapping_table.mapping()
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        update, tags = self.update_existing.isChecked(), self.tag_names()
        relay = self.progress.start("Importing contacts")
        self.show_page(PROGRESS)
        WriteOp(
            self.ctx.ops, self,
            lambda: importer.import_contacts(
                uows, actor, sub_id, path, mapping=mapping, update_existing=update, tags=tags,
                progress=relay.report, cancel=relay.cancelled,
            ),
        ).success(self._imported).failure(self._import_failed).run()  # fmt: skip

    def _imported(self, result: ImportResult) -> None:
        self.progress.finish()
        self.import_result = result
        self.result_label.setText(
            f"{result.created:,} created · {result.updated:,} updated · "
            f"{result.skipped:,} skipped (already there) · {len(result.rejected):,} rejected"
        )
        _fill(self.rejected_table, ["Row", "Column", "Value", "Reason"],
              _rejected_rows(result.rejected))  # fmt: skip
        self.save_rejected_button.setEnabled(bool(result.rejected))
        _fill(self.skipped_table, ["Row", "Reason"],
              [[str(s.row), s.reason] for s in result.skipped_rows])  # fmt: skip
        for part in (self.skipped_label, self.skipped_table):
            part.setVisible(bool(result.skipped_rows))
        self.show_page(RESULT)
        self.finished_import.emit(result)

    def _import_failed(self, error: Exception) -> None:
        self.progress.finish()
        self.show_page(PREVIEW)
        self.show_error(error)

    def ask_where_to_save_rejected(self) -> QFileDialog:
        dialog = QFileDialog(self, "Save rejected rows", "rejected-rows.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda name: self.save_rejected(Path(name)))
        dialog.open()
        return dialog

    def save_rejected(self, path: Path) -> None:
        if self.import_result is None:
            return
        text = importer.rejected_rows_csv(self.import_result.rejected)
        try:
            path.write_text(text, encoding="utf-8-sig", newline="")
        except OSError as exc:
            self.show_error(ValidationError("file", f"cannot write {path}: {exc.strerror}"))
