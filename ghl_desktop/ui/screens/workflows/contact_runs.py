"""A contact's workflow history: every run of every workflow for one contact, newest first, and
the selected run drawn on its version's tree with the path highlighted and the values behind
each if/else (the per-contact execution log; the Executions tab is the per-workflow one).

Opened from the Automation screen ("Contact's runs…"); ``open_for(contact_id)`` lets other
screens (a contact's page) open it on a given contact.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.contact_listing import ContactRow
from ghl_desktop.services.workflows import lookups
from ghl_desktop.services.workflows.engine import queries
from ghl_desktop.services.workflows.engine.queries import ExecutionDetail
from ghl_desktop.services.workflows.fields import REFERENCE_KINDS
from ghl_desktop.services.workflows.lookups import Option
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, describe_error
from ghl_desktop.ui.screens.workflows.executions_path import ExecutionPath
from ghl_desktop.ui.widgets.contact_choice import fill_contacts, find_contacts
from ghl_desktop.ui.widgets.row_table import row_table
from ghl_desktop.ui.workspace import WorkspaceSnapshot

COLUMNS = ("Workflow", "Status", "Version", "Started", "Finished", "Path")


def path_text(detail: ExecutionDetail) -> str:
    return " > ".join(
        s.action_name + (f" [{s.branch}]" if s.branch else "")
        for s in detail.steps
        if s.status != "cancelled"
    )


class ContactRunsDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot) -> None:
        super().__init__(parent)
        self.ctx, self.snapshot = ctx, snapshot
        self.setObjectName("ContactRunsDialog")
        self.setWindowTitle("A contact's workflow runs")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1000, 680)
        self.details: list[ExecutionDetail] = []
        self.names: dict[str, list[Option]] = {}
        self.search = QLineEdit()
        self.search.setObjectName("ContactRunsSearch")
        self.search.setPlaceholderText("Find a contact (name, email, phone) and press Enter")
        self.search.returnPressed.connect(self.find_contacts)
        self.contact = QComboBox()
        self.contact.setObjectName("ContactRunsContact")
        self.contact.setMinimumWidth(320)
        self.contact.activated.connect(lambda _i: self.load_runs())
        self.message = QLabel()
        self.message.setObjectName("ContactRunsMessage")
        self.message.setWordWrap(True)
        self.table = row_table(COLUMNS, "ContactRunsTable")
        self.table.itemSelectionChanged.connect(self._selected)
        self.path = ExecutionPath()
        pick = QHBoxLayout()
        pick.addWidget(self.search, 1)
        pick.addWidget(self.contact, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.path)
        split.setChildrenCollapsible(False)
        split.setSizes([220, 420])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():  # Enter in the search box searches, never closes
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)

    # -- choosing the contact --------------------------------------------------------------
    def _sub(self) -> str:
        return self.snapshot.sub_account.id if self.snapshot.sub_account else ""

    def find_contacts(self) -> None:
        find_contacts(self.ctx, self, self.snapshot.actor, self._sub(), self.search.text(),
                      self._show_contacts)  # fmt: skip

    def _show_contacts(self, rows: list[ContactRow]) -> None:
        fill_contacts(self.contact, rows)
        if rows:
            self.load_runs()
        else:
            self._show_runs(([], {}))
            self.message.setText("No contact matches.")

    def open_for(self, contact_id: str) -> None:
        """Show the runs of this contact (its label comes with them)."""
        self.contact.clear()
        self.contact.addItem("", contact_id)
        self.load_runs()

    # -- its runs --------------------------------------------------------------------------
    def load_runs(self) -> None:
        contact_id = self.contact.currentData()
        if not contact_id:
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self._sub()

        def load() -> tuple[list[ExecutionDetail], dict[str, list[Option]]]:
            details = queries.contact_executions(uows, actor, sub, contact_id)
            with uows.tenant(actor, sub, read_only=True) as uow:
                names = {kind: lookups.options(uow, kind) for kind in REFERENCE_KINDS}
            return details, names

        self.message.setText("Loading…")
        ReadOp(self.ctx.ops, self, load, key="runs").success(self._show_runs).failure(
            lambda exc: self.message.setText(describe_error(exc))
        ).run()  # fmt: skip

    def _show_runs(self, loaded: tuple[list[ExecutionDetail], dict[str, list[Option]]]) -> None:
        self.details, self.names = loaded
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.details))
        for row, d in enumerate(self.details):
            s = d.summary
            cells = (
                s.workflow_name, s.status, f"v{s.workflow_version}",
                s.started_at.strftime("%Y-%m-%d %H:%M"),
                s.finished_at.strftime("%Y-%m-%d %H:%M") if s.finished_at else "",
                path_text(d),
            )  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        if self.details:
            name = self.details[0].summary.contact_name
            if not self.contact.currentText():
                self.contact.setItemText(self.contact.currentIndex(), name)
            self.message.setText(f"{name}: {len(self.details)} run(s), newest first.")
            self.table.selectRow(0)
        else:
            self.path.clear()
            if self.contact.count():
                self.message.setText("This contact has not been in any workflow.")

    def _selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.details):
            self.path.clear()
            return
        detail = self.details[row]
        s = detail.summary
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self._sub()

        def load() -> Any:
            return queries.run_definition(uows, actor, sub, s.workflow_id, s.workflow_version)

        ReadOp(self.ctx.ops, self, load, key="definition").success(
            lambda definition: self.path.show_run(detail, definition, self.names)
        ).run()  # fmt: skip
