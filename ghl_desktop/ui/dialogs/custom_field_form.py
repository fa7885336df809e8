"""Create or edit a contact custom field definition: label, key, type, options (select
fields), required, default value and placeholder."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services import custom_field_definitions as definitions
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot

CHOICE_TYPES = (CustomFieldType.SELECT, CustomFieldType.MULTISELECT)


def parse_default(text: str, field_type: CustomFieldType) -> Any:
    """The default value typed in the form, as the service stores it (None when empty)."""
    text = text.strip()
    if not text:
        return None
    if field_type is CustomFieldType.CHECKBOX:
        return text.lower() in ("yes", "true", "1", "on")
    if field_type is CustomFieldType.MULTISELECT:
        return [p.strip() for p in text.split(",") if p.strip()]
    if field_type in (CustomFieldType.NUMBER, CustomFieldType.MONETARY):
        try:
            number = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationError("default_value", f"must be a number, got {text!r}") from None
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValidationError("default_value", f"must be a number, got {text!r}")
        return number
    return text


class CustomFieldFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: CustomFieldInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New custom field" if existing is None else f"Edit {existing.label}"
        super().__init__(ctx, parent, title, "Create field" if existing is None else "Save")
        assert snapshot.sub_account is not None
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.existing = existing
        self.change_topics = ("custom_field",)
        self.label = QLineEdit(existing.label if existing else "")
        self.label.setObjectName("FieldLabel")
        self.key = QLineEdit(existing.key if existing else "")
        self.key.setPlaceholderText("made from the label, e.g. annual_revenue")
        self.field_type = QComboBox()
        for kind in CustomFieldType:
            self.field_type.addItem(kind.value.capitalize(), kind.value)
        if existing is not None:
            self.field_type.setCurrentIndex(self.field_type.findData(existing.field_type.value))
        self.options = QPlainTextEdit("\n".join(existing.options) if existing else "")
        self.options.setPlaceholderText("one option per line")
        self.options.setFixedHeight(90)
        self.required = QCheckBox("Every contact must have a value")
        self.required.setChecked(bool(existing and existing.is_required))
        default = existing.default_value if existing else None
        shown = ", ".join(default) if isinstance(default, list) else default
        self.default = QLineEdit("" if shown is None else str(shown))
        self.placeholder = QLineEdit(existing.placeholder if existing else "")
        self.add_field("&Label", self.label, "label")
        self.add_field("&Key", self.key, "key")
        self.add_field("&Type", self.field_type, "field_type")
        self.add_field("&Options", self.options, "options")
        self.add_field("", self.required, "is_required")
        self.add_field("&Default", self.default, "default_value")
        self.add_field("&Placeholder", self.placeholder, "placeholder")
        self.field_type.currentIndexChanged.connect(self._type_changed)
        self._type_changed()

    def chosen_type(self) -> CustomFieldType:
        return CustomFieldType(self.field_type.currentData())

    def _type_changed(self) -> None:
        self.options.setEnabled(self.chosen_type() in CHOICE_TYPES)

    def operation(self) -> Callable[[], object]:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        kind = self.chosen_type()
        options = [o.strip() for o in self.options.toPlainText().splitlines() if o.strip()]
        options = options if kind in CHOICE_TYPES else []
        values: dict[str, Any] = {
            "label": self.label.text(), "key": self.key.text().strip() or None,
            "field_type": kind.value, "options": options,
            "is_required": self.required.isChecked(),
            "default_value": parse_default(self.default.text(), kind),
            "placeholder": self.placeholder.text(),
        }  # fmt: skip
        if self.existing is None:
            return lambda: definitions.create_custom_field(uows, actor, sub_id, **values)
        field_id = self.existing.id
        return lambda: definitions.update_custom_field(uows, actor, sub_id, field_id, **values)
