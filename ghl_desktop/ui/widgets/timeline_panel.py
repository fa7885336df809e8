"""A contact's timeline with a box to add a note and a button to add a task."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import contact_timeline, notes_tasks
from ghl_desktop.services.contact_timeline import TimelineEntry
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.models.timeline import DETAIL, KIND, WHAT, WHEN, TimelineTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import Workspace

TIMELINE_ROWS = 200


class TimelinePanel(QWidget):
    add_task_requested = Signal()

    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__()
        self.ctx = ctx
        self.workspace = workspace
        self.contact_id: str | None = None
        title = QLabel("Timeline")
        title.setProperty("role", "subheading")
        self.note_edit = QPlainTextEdit()
        self.note_edit.setObjectName("NoteEdit")
        self.note_edit.setPlaceholderText("Write a note about this contact…")
        self.note_edit.setFixedHeight(64)
        self.add_note_button = QPushButton("Add &note")
        self.add_note_button.setObjectName("AddNote")
        self.add_task_button = QPushButton("Add &task…")
        self.add_task_button.setObjectName("AddTask")
        self.error_label = QLabel()
        self.error_label.setProperty("role", "error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_note_button)
        buttons.addWidget(self.add_task_button)
        buttons.addWidget(self.error_label, 1)
        self.model = TimelineTableModel(self)
        self.table = DataTable(self.model, stretch_column=DETAIL, widths={WHEN: 130, KIND: 95,
                               WHAT: 200})  # fmt: skip
        self.table.setObjectName("Timeline")
        self.table.setAccessibleName("Timeline")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.note_edit)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.add_note_button.clicked.connect(self.add_note)
        self.add_task_button.clicked.connect(self.add_task_requested)

    def show_contact(self, contact_id: str | None, *, can_write: bool) -> None:
        if contact_id != self.contact_id:
            self.model.set_items([])
            self.note_edit.clear()
        self.contact_id = contact_id
        for widget in (self.note_edit, self.add_note_button, self.add_task_button):
            widget.setVisible(can_write)
        self.reload()

    def reload(self) -> None:
        snapshot, contact_id = self.workspace.snapshot, self.contact_id
        if snapshot is None or snapshot.sub_account is None or contact_id is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self,
            lambda: contact_timeline.contact_timeline(
                uows, actor, sub_id, contact_id, limit=TIMELINE_ROWS
            ),
            key="timeline",
        ).success(self._show).run()  # fmt: skip

    def _show(self, entries: list[TimelineEntry]) -> None:
        self.model.set_items(entries)

    def add_note(self) -> None:
        snapshot, contact_id = self.workspace.snapshot, self.contact_id
        body = self.note_edit.toPlainText()
        if snapshot is None or snapshot.sub_account is None or contact_id is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        self.error_label.setVisible(False)
        self.add_note_button.setEnabled(False)
        WriteOp(
            self.ctx.ops, self,
            lambda: notes_tasks.add_note(uows, actor, sub_id, contact_id, body),
        ).success(self._note_added).failure(self._failed).run()  # fmt: skip

    def _note_added(self, _note: object) -> None:
        self.add_note_button.setEnabled(True)
        self.note_edit.clear()
        self.reload()

    def _failed(self, error: Exception) -> None:
        self.add_note_button.setEnabled(True)
        self.error_label.setText(describe_error(error))
        self.error_label.setVisible(True)
