"""The editor's "Executions" tab: the workflow's execution log; the selected run's path on the
tree with the values behind each if/else; pause, resume and cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.workflows import lookups
from ghl_desktop.services.workflows.engine import control, queries
from ghl_desktop.services.workflows.engine.queries import ExecutionDetail, ExecutionSummary
from ghl_desktop.services.workflows.fields import REFERENCE_KINDS
from ghl_desktop.services.workflows.lookups import Option
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.screens.workflows.editor import register_extra_tab
from ghl_desktop.ui.screens.workflows.executions_path import ExecutionPath
from ghl_desktop.ui.widgets.row_table import row_table
from ghl_desktop.ui.workspace import WorkspaceSnapshot

COLUMNS = ("Contact", "Status", "Version", "Started", "Finished", "Via", "Error")
LIVE = ("running", "waiting", "paused")
NO_RUNS = "No runs yet."


def load_run(ctx: UiContext, snapshot: WorkspaceSnapshot, execution_id: str) -> Any:
    """(detail, definition) of one run, read on a worker thread."""
    sub = snapshot.sub_account.id if snapshot.sub_account else ""
    detail = queries.execution_detail(ctx.uows, snapshot.actor, sub, execution_id)
    s = detail.summary
    definition = queries.run_definition(
        ctx.uows, snapshot.actor, sub, s.workflow_id, s.workflow_version
    )
    # The records trigger filters name (forms, stages, calendars…), to show them by name.
    with ctx.uows.tenant(snapshot.actor, sub, read_only=True) as uow:
        names = {kind: lookups.options(uow, kind) for kind in REFERENCE_KINDS}
    return detail, definition, names


class ExecutionsPanel(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.workflow_id: str | None = None
        self.runs: list[ExecutionSummary] = []
        self.stale = False
        self.table = row_table(COLUMNS, "ExecutionTable")
        self.table.itemSelectionChanged.connect(self._selected)
        self.path = ExecutionPath()
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, label in (("pause", "Pause"), ("resume", "Resume"), ("cancel", "Cancel run")):
            button = QPushButton(label)
            button.setObjectName(f"Execution{name.capitalize()}")
            button.clicked.connect(lambda _=False, n=name: self.control(n))
            row.addWidget(button)
            self.buttons[name] = button
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("ExecutionRefresh")
        self.refresh_button.clicked.connect(self.reload)
        row.addWidget(self.refresh_button)
        self.message = QLabel()
        self.message.setObjectName("ExecutionMessage")
        row.addWidget(self.message, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.path)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(split)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------
    def show_workflow(self, snapshot: WorkspaceSnapshot, workflow_id: str | None) -> None:
        self.snapshot, self.workflow_id = snapshot, workflow_id
        # Read only while the tab is shown: selecting workflows in the list stays cheap.
        self.stale = not self.isVisible()
        if not self.stale:
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.stale = False
            self.reload()

    def reload(self) -> None:
        snapshot, wid = self.snapshot, self.workflow_id
        if snapshot is None or wid is None or snapshot.sub_account is None:
            self._show_runs([])
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self, lambda: queries.workflow_executions(uows, actor, sub, wid),
            key="executions",
        ).success(self._show_runs).run()  # fmt: skip

    def _show_runs(self, runs: list[ExecutionSummary]) -> None:
        selected = self.current()
        self.runs = list(runs)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.runs))
        for row, r in enumerate(self.runs):
            cells = (
                r.contact_name, r.status, f"v{r.workflow_version}",
                r.started_at.strftime("%Y-%m-%d %H:%M"),
                r.finished_at.strftime("%Y-%m-%d %H:%M") if r.finished_at else "",
                r.enrolled_via, r.error or "",
            )  # fmt: skip
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        # A command's outcome ("Run of Ada: paused.") stays until the next command: the
        # reload that follows the command must not wipe it.
        if not self.runs:
            self.message.setText(NO_RUNS)
        elif self.message.text() == NO_RUNS:
            self.message.setText("")
        ids = [r.id for r in self.runs]
        if selected is not None and selected.id in ids:
            self.table.selectRow(ids.index(selected.id))
        elif self.runs:
            self.table.selectRow(0)
        else:
            self.path.clear()
        self._update_buttons()

    def current(self) -> ExecutionSummary | None:
        row = self.table.currentRow()
        return self.runs[row] if 0 <= row < len(self.runs) else None

    def _selected(self) -> None:
        self._update_buttons()
        run, snapshot = self.current(), self.snapshot
        if run is None or snapshot is None:
            self.path.clear()
            return
        ReadOp(self.ctx.ops, self, lambda: load_run(self.ctx, snapshot, run.id),
               key="execution").success(self._show_path).run()  # fmt: skip

    def _show_path(self, loaded: tuple[ExecutionDetail, Any, dict[str, list[Option]]]) -> None:
        detail, definition, names = loaded
        self.path.show_run(detail, definition, names)

    # -- commands --------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        run = self.current()
        can = self.snapshot is not None and self.snapshot.can("workflows.manage")
        status = run.status if run is not None else ""
        self.buttons["pause"].setEnabled(can and status in ("running", "waiting"))
        self.buttons["resume"].setEnabled(can and status == "paused")
        self.buttons["cancel"].setEnabled(can and status in LIVE)

    def control(self, name: str) -> None:
        run, snapshot = self.current(), self.snapshot
        if run is None or snapshot is None or snapshot.sub_account is None:
            return
        commands: dict[str, Callable[..., str]] = {
            "pause": control.pause_execution, "resume": control.resume_execution,
            "cancel": control.cancel_execution,
        }  # fmt: skip
        command, uows, actor, sub = (
            commands[name],
            self.ctx.uows,
            snapshot.actor,
            snapshot.sub_account.id,
        )

        def done(status: str) -> None:
            self.message.setText(f"Run of {run.contact_name}: {status}.")
            self.reload()

        WriteOp(self.ctx.ops, self, lambda: command(uows, actor, sub, run.id)).changes(
            "workflow", sub_account_id=sub
        ).success(done).run()


register_extra_tab("Executions", ExecutionsPanel)
