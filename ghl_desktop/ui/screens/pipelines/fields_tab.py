"""Pipeline settings' "Opportunity fields" tab: the typed custom fields every opportunity of
the sub-account has (shown in the opportunity form) - add one, delete one (stored values
stay)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.services.pipelines import fields
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.widgets.form_dialog import FormDialog

CHOICES = (CustomFieldType.SELECT, CustomFieldType.MULTISELECT)


class OpportunityFieldForm(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, actor: Actor, sub_account_id: str
    ) -> None:
        super().__init__(ctx, parent, "New opportunity field", "Add field")
        self.setObjectName("OpportunityFieldForm")
        self.actor, self.sub_account_id = actor, sub_account_id
        self.label = QLineEdit()
        self.label.setObjectName("FieldLabel")
        self.field_type = QComboBox()
        for kind in CustomFieldType:
            self.field_type.addItem(kind.value.capitalize(), kind.value)
        self.options = QLineEdit()
        self.options.setPlaceholderText("Comma-separated, for select fields")
        self.required = QCheckBox("Required")
        self.add_field("&Label", self.label, "label")
        self.add_field("&Type", self.field_type, "field_type")
        self.add_field("&Options", self.options, "options")
        self.add_field("", self.required, "is_required")
        self.field_type.currentIndexChanged.connect(lambda _i: self._type_changed())
        self._type_changed()

    def _type_changed(self) -> None:
        self.options.setEnabled(CustomFieldType(self.field_type.currentData()) in CHOICES)

    def operation(self) -> Callable[[], object]:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        label, kind = self.label.text(), CustomFieldType(self.field_type.currentData())
        options = [o.strip() for o in self.options.text().split(",") if o.strip()]
        options = options if kind in CHOICES else []
        required = self.required.isChecked()
        return lambda: fields.create_opportunity_field(
            uows, actor, sub, label, kind, options=options, is_required=required
        )


class FieldsTab(QWidget):
    def __init__(self, ctx: UiContext, actor: Actor, sub_account_id: str) -> None:
        super().__init__()
        self.ctx, self.actor, self.sub_account_id = ctx, actor, sub_account_id
        self.list = QListWidget()
        self.list.setObjectName("OpportunityFields")
        self.add_button = QPushButton("&Add field…")
        self.add_button.setObjectName("AddOpportunityField")
        self.delete_button = QPushButton("&Delete field")
        self.delete_button.setObjectName("DeleteOpportunityField")
        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.delete_button)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(side)
        self.add_button.clicked.connect(lambda: self.add_field())
        self.delete_button.clicked.connect(self.delete_selected)
        self.reload()

    def reload(self) -> None:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        ReadOp(self.ctx.ops, self, lambda: fields.list_opportunity_fields(uows, actor, sub),
               key="fields").success(self._show).run()  # fmt: skip

    def _show(self, found: list[CustomFieldInfo]) -> None:
        self.list.clear()
        for field in found:
            extra = f": {', '.join(field.options)}" if field.options else ""
            required = " (required)" if field.is_required else ""
            item = QListWidgetItem(f"{field.label} · {field.field_type.value}{extra}{required}")
            item.setData(Qt.ItemDataRole.UserRole, field.id)
            self.list.addItem(item)
        self.delete_button.setEnabled(bool(found))

    def add_field(self) -> OpportunityFieldForm:
        dialog = OpportunityFieldForm(self.ctx, self, self.actor, self.sub_account_id)
        dialog.change_topics = ("pipeline",)
        dialog.succeeded.connect(lambda _f: self.reload())
        dialog.open()
        return dialog

    def delete_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        uows, actor, sub, field_id = (
            self.ctx.uows,
            self.actor,
            self.sub_account_id,
            item.data(Qt.ItemDataRole.UserRole),
        )
        WriteOp(self.ctx.ops, self,
                lambda: fields.delete_opportunity_field(uows, actor, sub, field_id)
                ).changes("pipeline", sub_account_id=sub).success(
                    lambda _r: self.reload()).run()  # fmt: skip
