"""Settings → Custom fields: the contact fields a sub-account adds (typed, validated on every
write, shown on the contact form and usable in filters). Create, edit, reorder, delete."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout

from ghl_desktop.services import custom_field_definitions as definitions
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.custom_field_form import CustomFieldFormDialog
from ghl_desktop.ui.models.custom_fields import KEY, LABEL, OPTIONS, TYPE, CustomFieldTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.workspace import Workspace


class CustomFieldsPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("CustomFieldsPage")
        self.model = CustomFieldTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=OPTIONS, widths={LABEL: 200, KEY: 170, TYPE: 110}
        )
        self.table.setObjectName("CustomFieldTable")
        self.table.setAccessibleName("Custom fields")
        self.new_button = QPushButton("&New field…")
        self.edit_button = QPushButton("&Edit…")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move &down")
        self.delete_button = QPushButton("&Delete…")
        buttons = QHBoxLayout()
        for button in (
            self.new_button, self.edit_button, self.up_button, self.down_button,
            self.delete_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Custom fields",
                "Fields of your own on every contact of this sub-account, checked by type on "
                "every save; they appear on the contact form, in columns and in filters.",
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._select_id: str | None = None
        self.new_button.clicked.connect(self.new_field)
        self.edit_button.clicked.connect(self.edit_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.item_activated.connect(lambda _item: self.edit_selected())
        self.table.current_item_changed.connect(lambda _item: self._update_actions())

    def concerns(self, change: Change) -> bool:
        return change.concerns("custom_field")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            self.model.set_items([])
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self, lambda: definitions.list_custom_fields(uows, actor, sub_id),
            key="list",
        ).success(self._show).run()  # fmt: skip

    def _show(self, fields: list[CustomFieldInfo]) -> None:
        keep = self._select_id or getattr(self.selected(), "id", None)
        self.model.set_items(fields)
        self._select_id = None
        row = self.model.find_row(lambda f: f.id == keep) if keep else -1
        self.table.select_row(row if row >= 0 else 0)
        self._update_actions()

    def selected(self) -> CustomFieldInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, CustomFieldInfo) else None

    def _update_actions(self) -> None:
        field = self.selected()
        for button in (self.edit_button, self.up_button, self.down_button, self.delete_button):
            button.setEnabled(field is not None)

    # -- actions ---------------------------------------------------------------------------
    def new_field(self) -> CustomFieldFormDialog | None:
        if self.snapshot is None or self.snapshot.sub_account is None:
            return None
        dialog = CustomFieldFormDialog(self.ctx, self, self.snapshot)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def edit_selected(self) -> CustomFieldFormDialog | None:
        field = self.selected()
        if self.snapshot is None or field is None:
            return None
        dialog = CustomFieldFormDialog(self.ctx, self, self.snapshot, field)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def _remember(self, result: object) -> None:
        if isinstance(result, CustomFieldInfo):
            self._select_id = result.id

    def _write(self, call: Callable[[], object]) -> None:
        WriteOp(self.ctx.ops, self, call).changes(
            "custom_field", sub_account_id=self.snapshot.sub_account.id
            if self.snapshot and self.snapshot.sub_account else None,
        ).run()  # fmt: skip

    def move_selected(self, step: int) -> None:
        field, snapshot = self.selected(), self.snapshot
        if field is None or snapshot is None or snapshot.sub_account is None:
            return
        ids = [f.id for f in self.model.items()]
        row = ids.index(field.id)
        target = row + step
        if not 0 <= target < len(ids):
            return
        ids[row], ids[target] = ids[target], ids[row]
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        self._select_id = field.id
        self._write(lambda: definitions.reorder_custom_fields(uows, actor, sub_id, ids))

    def delete_selected(self) -> QMessageBox | None:
        field, snapshot = self.selected(), self.snapshot
        if field is None or snapshot is None or snapshot.sub_account is None:
            return None
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete custom field",
            f"Delete the field “{field.label}”? The values contacts hold in it are removed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(
            lambda: self._write(
                lambda: definitions.delete_custom_field(
                    uows, actor, sub_id, field.id, remove_values=True
                )
            )
        )
        box.open()
        return box
