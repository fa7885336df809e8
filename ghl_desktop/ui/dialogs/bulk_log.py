"""The bulk-actions log: what was done to many contacts at once, by whom and when, and Undo
for an action that changed contacts (completed or cancelled part-way)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import bulk_actions
from ghl_desktop.services.bulk_actions import BulkActionInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.models.bulk_actions import CONTACTS, STATUS, WHAT, WHEN, BulkActionTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class BulkLogDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot) -> None:
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx = ctx
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.setWindowTitle("Bulk actions")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 420)
        self.model = BulkActionTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=WHAT, widths={WHEN: 140, STATUS: 100, CONTACTS: 140}
        )
        self.table.setObjectName("BulkLog")
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setObjectName("UndoBulkAction")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        row.addWidget(self.undo_button)
        row.addWidget(self.status, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.undo_button.clicked.connect(self.undo_selected)
        self.table.current_item_changed.connect(lambda _i: self._update())
        ctx.bridge.data_changed.connect(self._changed)
        self.refresh()

    def _changed(self, change: Change) -> None:
        if change.concerns("bulk_action"):
            self.refresh()

    def refresh(self) -> None:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        ReadOp(
            self.ctx.ops, self, lambda: bulk_actions.list_bulk_actions(uows, actor, sub_id),
            key="log",
        ).success(self._show).run()  # fmt: skip

    def _show(self, items: list[BulkActionInfo]) -> None:
        keep = getattr(self.selected(), "id", None)
        self.model.set_items(items)
        row = self.model.find_row(lambda a: a.id == keep) if keep else 0
        self.table.select_row(max(row, 0))
        self._update()

    def selected(self) -> BulkActionInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, BulkActionInfo) else None

    def _update(self) -> None:
        action = self.selected()
        self.undo_button.setEnabled(action is not None and action.can_undo)

    def undo_selected(self) -> None:
        action = self.selected()
        if action is None or not action.can_undo:
            return
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        self.undo_button.setEnabled(False)
        self.status.setText(f"Undoing “{action.description}”…")
        WriteOp(
            self.ctx.ops, self,
            lambda: bulk_actions.undo_bulk_action(uows, actor, sub_id, action.id),
        ).changes("bulk_action", "contact", sub_account_id=sub_id).success(
            lambda done: self._undone(done)
        ).failure(self._failed).run()  # fmt: skip

    def _undone(self, done: BulkActionInfo) -> None:
        self.status.setText(f"Undone: {done.description}")
        self.refresh()

    def _failed(self, error: Exception) -> None:
        from ghl_desktop.ui.ops import describe_error

        self.status.setText(describe_error(error))
        self._update()
