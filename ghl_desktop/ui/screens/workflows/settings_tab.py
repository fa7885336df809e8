"""Workflow settings: description, re-entry and loop protection, the inbound-webhook URL."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.workflows import TriggerType
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import authoring
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import describe_error
from ghl_desktop.ui.screens.workflows.access import write_op
from ghl_desktop.ui.screens.workflows.editor_data import EditorData
from ghl_desktop.ui.workspace import WorkspaceSnapshot

# The runtime serves this path (services/workflows/engine/hooks.py PATH_PREFIX).
WEBHOOK_PATH = "/_hooks/workflows/"


class WorkflowSettingsTab(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.data: EditorData | None = None
        self.description = QPlainTextEdit()
        self.description.setObjectName("WorkflowDescription")
        self.description.setFixedHeight(70)
        self.reentry = QCheckBox("A contact may go through this workflow more than once")
        self.reentry.setObjectName("AllowReentry")
        self.max_enrolments = QSpinBox()
        self.max_enrolments.setObjectName("MaxEnrolments")
        self.max_enrolments.setRange(1, 1000)
        self.window_minutes = QSpinBox()
        self.window_minutes.setObjectName("EnrolmentWindow")
        self.window_minutes.setRange(1, 525_600)
        self.window_minutes.setSuffix(" minutes")
        self.webhook = QLineEdit()
        self.webhook.setObjectName("WebhookPath")
        self.webhook.setReadOnly(True)
        self.webhook_button = QPushButton("New webhook URL")
        self.webhook_button.setObjectName("NewWebhookUrl")
        self.webhook_button.clicked.connect(self.new_webhook)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("SaveWorkflowSettings")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setObjectName("WorkflowSettingsMessage")
        form = QFormLayout()
        form.addRow("Description", self.description)
        form.addRow("Re-entry", self.reentry)
        # One sentence on one row: "at most [3] enrolments of a contact within [60 minutes]".
        self.max_enrolments.setSuffix(" enrolments of a contact")
        loop = QHBoxLayout()
        loop.addWidget(QLabel("at most"))
        loop.addWidget(self.max_enrolments)
        loop.addWidget(QLabel("within"))
        loop.addWidget(self.window_minutes)
        loop.addStretch(1)
        form.addRow("Loop protection", loop)
        form.addRow("Inbound webhook path", self.webhook)
        form.addRow("", self.webhook_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(form)
        for widget in (self.max_enrolments, self.window_minutes, self.webhook_button):
            widget.setMaximumWidth(200)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)
        layout.addLayout(save_row)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def show_data(self, snapshot: WorkspaceSnapshot, data: EditorData) -> None:
        self.snapshot, self.data = snapshot, data
        s = data.settings
        self.description.setPlainText(s.description)
        self.reentry.setChecked(s.allow_reentry)
        self.max_enrolments.setValue(s.max_enrolments)
        self.window_minutes.setValue(s.enrolment_window_minutes)
        has_hook = any(t.type == TriggerType.INBOUND_WEBHOOK for t in data.draft.triggers)
        self.webhook.setText(
            WEBHOOK_PATH + s.webhook_token
            if s.webhook_token
            else (
                "made when the workflow is published" if has_hook else "no inbound webhook trigger"
            )
        )
        self.webhook_button.setEnabled(data.can_manage and has_hook)
        self.save_button.setEnabled(data.can_manage)
        self.message.clear()

    def _write(self, fn: Callable[[UnitOfWork], object], text: str) -> None:
        if self.snapshot is None:
            return

        def done(_result: object) -> None:
            self.message.setText(text)
            self.changed.emit()

        write_op(self.ctx, self, self.snapshot, fn).success(done).failure(
            lambda e: self.message.setText(describe_error(e))
        ).run()

    def save(self) -> None:
        if self.data is None:
            return
        wid = self.data.workflow_id
        description, reentry = self.description.toPlainText(), self.reentry.isChecked()
        most, minutes = self.max_enrolments.value(), self.window_minutes.value()
        self._write(
            lambda uow: authoring.update_settings(
                uow,
                wid,
                description=description,
                allow_reentry=reentry,
                max_enrolments=most,
                enrolment_window_minutes=minutes,
            ),
            "Saved.",
        )

    def new_webhook(self) -> None:
        if self.data is None:
            return
        wid = self.data.workflow_id
        self._write(
            lambda uow: authoring.webhook_token(uow, wid, regenerate=True),
            "A new webhook URL was made; the old one no longer works.",
        )
