"""The editor's "Dry run" tab: pick a contact, rehearse the published version on a virtual
clock (nothing is written or sent) and read the timeline - what would be sent, when, and why."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows.engine.dry_run import DryRunReport, dry_run
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, describe_error
from ghl_desktop.ui.screens.workflows.editor import register_extra_tab
from ghl_desktop.ui.widgets.contact_choice import fill_contacts, find_contacts
from ghl_desktop.ui.workspace import WorkspaceSnapshot

COLUMNS = ("When", "Step", "Status", "Would send", "Why")
SENDS, WHY = COLUMNS.index("Would send"), COLUMNS.index("Why")
MAX_WIDTHS = {0: 140, 1: 220, 2: 100}  # by column; "Would send" and "Why" share the rest


def sends_text(sends: tuple[dict[str, Any], ...]) -> str:
    parts = []
    for s in sends:
        target = s.get("to") or s.get("url") or ""
        what = s.get("subject") or s.get("body") or ""
        parts.append(f"{s.get('channel')} to {target}: {what}")
    return "; ".join(parts)


class DryRunPanel(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.workflow_id: str | None = None
        self.report: DryRunReport | None = None
        self.search = QLineEdit()
        self.search.setObjectName("DryRunSearch")
        self.search.setPlaceholderText("Find a contact (name, email, phone)")
        self.search.returnPressed.connect(self.find_contacts)
        self.contact = QComboBox()
        self.contact.setObjectName("DryRunContact")
        self.contact.setMinimumWidth(260)
        self.opened = QCheckBox("Treat the emails as opened")
        self.opened.setObjectName("DryRunOpened")
        self.context = QLineEdit()
        self.context.setObjectName("DryRunContext")
        self.context.setPlaceholderText('More context as JSON, e.g. {"click_count": 2}')
        self.run_button = QPushButton("Run dry run")
        self.run_button.setObjectName("DryRunButton")
        self.run_button.clicked.connect(self.run)
        self.outcome = QLabel("Nothing is written or sent: waits collapse on a virtual clock.")
        self.outcome.setObjectName("DryRunOutcome")
        self.outcome.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("DryRunTimeline")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        # "Would send" and "Why" share the width the other columns leave and wrap: they are
        # the point of the tab, so they must never sit beyond a horizontal scroll bar.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in (SENDS, WHY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        pick = QHBoxLayout()
        pick.addWidget(self.search, 1)
        pick.addWidget(self.contact, 1)
        options = QHBoxLayout()
        options.addWidget(self.opened)
        options.addWidget(self.context, 1)
        options.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(pick)
        layout.addLayout(options)
        layout.addWidget(self.outcome)
        layout.addWidget(self.table, 1)

    def show_workflow(self, snapshot: WorkspaceSnapshot, workflow_id: str | None) -> None:
        changed = workflow_id != self.workflow_id
        self.snapshot, self.workflow_id = snapshot, workflow_id
        if changed:
            self.table.setRowCount(0)
            self.report = None
        self.run_button.setEnabled(workflow_id is not None)
        if self.isVisible() and self.contact.count() == 0:
            self.find_contacts()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.contact.count() == 0:  # the contacts are read when the tab is first shown
            self.find_contacts()

    def find_contacts(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        find_contacts(self.ctx, self, snapshot.actor, snapshot.sub_account.id, self.search.text(),
                      lambda rows: fill_contacts(self.contact, rows))  # fmt: skip

    def seed_context(self) -> dict[str, Any]:
        text = self.context.text().strip()
        seed: dict[str, Any] = {}
        if text:
            try:
                seed = json.loads(text)
            except ValueError as exc:
                raise ValidationError("context", f"is not JSON: {exc}") from None
            if not isinstance(seed, dict):
                raise ValidationError("context", "must be a JSON object")
        if self.opened.isChecked():
            seed["opened_email"] = True
        return seed

    def run(self) -> None:
        snapshot, wid = self.snapshot, self.workflow_id
        contact_id = self.contact.currentData()
        if snapshot is None or snapshot.sub_account is None or wid is None:
            return
        if not contact_id:
            self.outcome.setText("Choose a contact first.")
            return
        try:
            seed = self.seed_context()
        except ValidationError as exc:
            self.outcome.setText(describe_error(exc))
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        self.outcome.setText("Running…")
        ReadOp(
            self.ctx.ops, self,
            lambda: dry_run(uows, actor, sub, wid, contact_id, context=seed), key="dry-run",
        ).success(self._show_report).failure(
            lambda exc: self.outcome.setText(describe_error(exc))
        ).run()  # fmt: skip

    def _show_report(self, report: DryRunReport) -> None:
        self.report = report
        self.table.setRowCount(len(report.entries))
        for row, e in enumerate(report.entries):
            cells = (e.at.strftime("%Y-%m-%d %H:%M"), e.name, e.status, sends_text(e.sends), e.why)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        # Long step names are cut (the full text is the tooltip).
        for column, widest in MAX_WIDTHS.items():
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        self.table.resizeRowsToContents()
        sends = len(report.sends)
        self.outcome.setText(
            f"v{report.version}: {report.outcome}"
            + (f" ({report.reason})" if report.reason else "")
            + f" - {len(report.entries)} step(s), {sends} message(s) would be sent."
        )


register_extra_tab("Dry run", DryRunPanel)
