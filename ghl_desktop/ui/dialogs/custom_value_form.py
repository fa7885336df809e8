"""Create or edit a custom value: a key (used as ``{{custom_values.key}}``), a label and the
text it stands for."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from ghl_desktop.services import custom_values
from ghl_desktop.services.custom_values import CustomValueInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class CustomValueFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: CustomValueInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New custom value" if existing is None else f"Edit {existing.token}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        assert snapshot.sub_account is not None
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.existing = existing
        self.change_topics = ("custom_value",)
        self.key = QLineEdit(existing.key if existing else "")
        self.key.setObjectName("ValueKey")
        self.key.setPlaceholderText("e.g. office_phone")
        self.label = QLineEdit(existing.label if existing else "")
        self.value = QPlainTextEdit(existing.value if existing else "")
        self.value.setObjectName("ValueText")
        self.value.setFixedHeight(90)
        self.add_field("&Key", self.key, "key")
        self.add_field("&Label", self.label, "label")
        self.add_field("&Value", self.value, "value")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        key, label, value = self.key.text().strip(), self.label.text(), self.value.toPlainText()
        existing = self.existing

        def save() -> CustomValueInfo:
            if existing is not None and key != existing.key:
                custom_values.rename_custom_value(uows, actor, sub_id, existing.id, key)
            return custom_values.set_custom_value(
                uows, actor, sub_id, key, value, label=label or None
            )

        return save
