"""Version history: every published version, its tree, and restore into the draft."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.workflows import publishing
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.publishing import VersionInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.workflows.access import read_op, write_op
from ghl_desktop.ui.screens.workflows.editor_data import EditorData
from ghl_desktop.ui.screens.workflows.tree_view import fill_tree, make_tree
from ghl_desktop.ui.widgets.row_table import row_table
from ghl_desktop.ui.workspace import WorkspaceSnapshot

COLUMNS = ("Version", "Published", "By", "Steps", "Note")


class VersionsPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.data: EditorData | None = None
        self.versions: list[VersionInfo] = []
        self.table = row_table(COLUMNS, "VersionTable")
        self.table.itemSelectionChanged.connect(self._selected)
        self.restore_button = QPushButton("Restore into draft")
        self.restore_button.setObjectName("RestoreVersion")
        self.restore_button.setToolTip(
            "Replace the draft with this version; publish it to make it live again"
        )
        self.restore_button.clicked.connect(self.restore)
        self.message = QLabel()
        self.message.setObjectName("VersionMessage")
        self.preview = make_tree("VersionTree")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.message, 1)
        left_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(split)

    def show_data(self, snapshot: WorkspaceSnapshot, data: EditorData) -> None:
        self.snapshot, self.data, self.versions = snapshot, data, list(data.versions)
        self.table.setRowCount(len(self.versions))
        for row, v in enumerate(self.versions):
            live = " (live)" if v.is_live else ""
            cells = (
                f"v{v.version}{live}",
                v.published_at.strftime("%Y-%m-%d %H:%M"),
                v.published_by or "system",
                str(v.step_count),
                v.note,
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.message.setText("" if self.versions else "Not published yet: no versions.")
        self.preview.clear()
        if self.versions:
            self.table.blockSignals(True)
            self.table.selectRow(0)
            self.table.blockSignals(False)
        self._selected()  # the same row may stay selected: show its tree either way

    def current(self) -> VersionInfo | None:
        row = self.table.currentRow()
        return self.versions[row] if 0 <= row < len(self.versions) else None

    def _update_buttons(self) -> None:
        can = self.data is not None and self.data.can_manage
        self.restore_button.setEnabled(can and self.current() is not None)

    def _selected(self) -> None:
        self._update_buttons()
        version, data, snapshot = self.current(), self.data, self.snapshot
        if version is None or data is None or snapshot is None:
            return
        wid, number = data.workflow_id, version.version
        read_op(
            self.ctx,
            self,
            snapshot,
            lambda uow: publishing.version_definition(uow, wid, number),
            key="version",
        ).success(self._show_tree).run()

    def _show_tree(self, definition: WorkflowDefinition) -> None:
        fill_tree(self.preview, definition, options=self.data.options if self.data else None)

    def restore(self) -> None:
        version, data, snapshot = self.current(), self.data, self.snapshot
        if version is None or data is None or snapshot is None:
            return
        wid, number = data.workflow_id, version.version

        def done(_result: object) -> None:
            self.message.setText(f"Version {number} restored into the draft.")
            self.changed.emit()

        write_op(
            self.ctx, self, snapshot, lambda uow: publishing.restore_version(uow, wid, number)
        ).success(done).run()
