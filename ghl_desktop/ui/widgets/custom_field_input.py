"""An input for one custom field, chosen by its type: a line, a text box, a number, money, a
date, a choice, several choices, a check box. ``value()`` gives what the service expects (money
in minor units, dates as YYYY-MM-DD, None when empty); the service validates it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.ui.screens.contacts.lookups import FieldDefinition
from ghl_desktop.ui.widgets.check_list import CheckList

EMPTY_DATE = QDate(1900, 1, 1)  # shown blank: a QDateEdit cannot hold "no date"


class CustomFieldInput(QWidget):
    def __init__(self, definition: FieldDefinition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition = definition
        self.field_type = CustomFieldType(definition.field_type)
        self.field = f"custom_fields.{definition.key}"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor = self._make_editor()
        self.editor.setObjectName(f"CustomField_{definition.key}")
        self.editor.setAccessibleName(definition.label)
        layout.addWidget(self.editor)

    def _make_editor(self) -> QWidget:
        kind, d = self.field_type, self.definition
        if kind is CustomFieldType.TEXTAREA:
            box = QPlainTextEdit()
            box.setPlaceholderText(d.placeholder)
            box.setFixedHeight(70)
            return box
        if kind is CustomFieldType.DATE:
            edit = QDateEdit()
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumDate(EMPTY_DATE)
            edit.setSpecialValueText(" ")
            edit.setDate(EMPTY_DATE)
            return edit
        if kind is CustomFieldType.SELECT:
            combo = QComboBox()
            combo.addItem("", None)
            for option in d.options or ():
                combo.addItem(str(option), str(option))
            return combo
        if kind is CustomFieldType.MULTISELECT:
            checks = CheckList(max_visible_rows=4)
            checks.set_options([(str(o), str(o)) for o in d.options or ()])
            return checks
        if kind is CustomFieldType.CHECKBOX:
            return QCheckBox(d.label)
        line = QLineEdit()
        line.setPlaceholderText(d.placeholder or _hint(kind))
        return line

    def value(self) -> Any:
        """The value to send, None when empty; a money amount that is not a number raises."""
        editor, kind = self.editor, self.field_type
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText() or None
        if isinstance(editor, QDateEdit):
            day = editor.date()
            return None if day == EMPTY_DATE else day.toString("yyyy-MM-dd")
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, CheckList):
            return editor.checked_values() or None
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        if not text:
            return None
        if kind is CustomFieldType.MONETARY:
            try:
                amount = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValidationError(self.field, f"must be an amount, got {text!r}") from None
            if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
                raise ValidationError(self.field, f"must be an amount with cents, got {text!r}")
            return int(amount * 100)
        return text

    def set_value(self, value: Any) -> None:
        editor, kind = self.editor, self.field_type
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QDateEdit):
            day = QDate.fromString(str(value), "yyyy-MM-dd") if value else EMPTY_DATE
            editor.setDate(day if day.isValid() else EMPTY_DATE)
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, CheckList):
            editor.set_checked(value or [])
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QLineEdit):
            if value is None:
                editor.clear()
            elif kind is CustomFieldType.MONETARY and isinstance(value, int):
                editor.setText(f"{Decimal(value) / 100:.2f}")
            else:
                editor.setText(str(value))


def _hint(kind: CustomFieldType) -> str:
    return {
        CustomFieldType.NUMBER: "a number",
        CustomFieldType.MONETARY: "an amount, e.g. 1250.00",
        CustomFieldType.PHONE: "a phone number",
        CustomFieldType.EMAIL: "name@example.com",
        CustomFieldType.URL: "https://…",
    }.get(kind, "")
