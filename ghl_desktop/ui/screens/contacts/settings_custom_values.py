"""Settings → Custom values: a sub-account's merge variables (``{{custom_values.key}}``) that
templates, pages and workflows fill in - an office phone, a booking link, a signature."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout

from ghl_desktop.services import custom_values
from ghl_desktop.services.custom_values import CustomValueInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.custom_value_form import CustomValueFormDialog
from ghl_desktop.ui.models.custom_values import LABEL, TOKEN, VALUE, CustomValueTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.workspace import Workspace


class CustomValuesPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("CustomValuesPage")
        self.model = CustomValueTableModel(self)
        self.table = DataTable(self.model, stretch_column=VALUE, widths={TOKEN: 260, LABEL: 160})
        self.table.setObjectName("CustomValueTable")
        self.table.setAccessibleName("Custom values")
        self.new_button = QPushButton("&New value…")
        self.edit_button = QPushButton("&Edit…")
        self.delete_button = QPushButton("&Delete…")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Custom values",
                "Text this sub-account fills into emails, SMS, pages and workflows wherever "
                "{{custom_values.key}} appears.",
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.new_button.clicked.connect(self.new_value)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.item_activated.connect(lambda _i: self.edit_selected())
        self.table.current_item_changed.connect(lambda _i: self._update_actions())

    def concerns(self, change: Change) -> bool:
        return change.concerns("custom_value")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            self.model.set_items([])
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self, lambda: custom_values.list_custom_values(uows, actor, sub_id),
            key="list",
        ).success(self._show).run()  # fmt: skip

    def _show(self, items: list[CustomValueInfo]) -> None:
        keep = getattr(self.selected(), "id", None)
        self.model.set_items(items)
        row = self.model.find_row(lambda v: v.id == keep) if keep else 0
        self.table.select_row(max(row, 0))
        self._update_actions()

    def selected(self) -> CustomValueInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, CustomValueInfo) else None

    def _update_actions(self) -> None:
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(self.selected() is not None)

    def new_value(self) -> CustomValueFormDialog | None:
        if self.snapshot is None or self.snapshot.sub_account is None:
            return None
        dialog = CustomValueFormDialog(self.ctx, self, self.snapshot)
        dialog.open()
        return dialog

    def edit_selected(self) -> CustomValueFormDialog | None:
        value = self.selected()
        if self.snapshot is None or value is None:
            return None
        dialog = CustomValueFormDialog(self.ctx, self, self.snapshot, value)
        dialog.open()
        return dialog

    def delete_selected(self) -> QMessageBox | None:
        value, snapshot = self.selected(), self.snapshot
        if value is None or snapshot is None or snapshot.sub_account is None:
            return None
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete custom value",
            f"Delete {value.token}? Templates that use it will show it empty.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(
            lambda: WriteOp(
                self.ctx.ops, self,
                lambda: custom_values.delete_custom_value(uows, actor, sub_id, value.id),
            ).changes("custom_value", sub_account_id=sub_id).run()
        )  # fmt: skip
        box.open()
        return box
