"""One input widget per field kind of the workflow registry (``services/workflows/fields``).

Each editor shows a value and reads it back in the shape the services store: None (or an
empty list) means "not set", so the settings keep only what the user filled in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.fields import CONTACT_ATTRIBUTES, FieldSpec, Kind
from ghl_desktop.services.workflows.lookups import Option
from ghl_desktop.ui.screens.workflows.conditions_editor import ConditionsEditor

Options = Mapping[str, Sequence[Option]]


class FieldEditor:
    """A widget plus the conversion between it and a stored value."""

    def __init__(self, spec: FieldSpec, widget: QWidget) -> None:
        self.spec = spec
        self.widget = widget
        widget.setObjectName(f"Setting_{spec.key}")
        widget.setAccessibleName(spec.label)
        if spec.help:
            widget.setToolTip(spec.help)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError


class TextEditor(FieldEditor):
    def __init__(self, spec: FieldSpec) -> None:
        self.edit = QLineEdit()
        placeholders = {
            Kind.TIME: "HH:MM",
            Kind.DATETIME: "2026-01-31T09:00:00+00:00",
            Kind.URL: "https://…",
        }
        self.edit.setPlaceholderText(placeholders.get(spec.kind, spec.help))
        super().__init__(spec, self.edit)

    def value(self) -> Any:
        return self.edit.text().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


class IntegerEditor(TextEditor):
    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.edit.setValidator(QIntValidator(-1_000_000_000, 1_000_000_000, self.edit))

    def value(self) -> Any:
        text = self.edit.text().strip()
        return int(text) if text not in ("", "-", "+") else None


class MultilineEditor(FieldEditor):
    def __init__(self, spec: FieldSpec) -> None:
        self.edit = QPlainTextEdit()
        self.edit.setFixedHeight(90)
        super().__init__(spec, self.edit)

    def value(self) -> Any:
        return self.edit.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))


class MappingEditor(MultilineEditor):
    """A JSON object (headers, event filters)."""

    def value(self) -> Any:
        text = self.edit.toPlainText().strip()
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(self.spec.key, f"is not valid JSON ({exc.msg})") from None
        if not isinstance(parsed, dict):
            raise ValidationError(self.spec.key, 'must be a JSON object like {"name": "value"}')
        return parsed or None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText(json.dumps(value, indent=1) if value else "")


class BoolEditor(FieldEditor):
    def __init__(self, spec: FieldSpec) -> None:
        self.box = QCheckBox(spec.label)
        super().__init__(spec, self.box)

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))


class ChoiceEditor(FieldEditor):
    """A drop-down of (value, label) pairs; a stored value no longer offered stays visible,
    marked missing, so a broken reference is seen rather than silently replaced."""

    def __init__(self, spec: FieldSpec, choices: Sequence[tuple[str, str]]) -> None:
        self.combo = QComboBox()
        self.combo.addItem("— not set —", None)
        for value, label in choices:
            self.combo.addItem(label, value)
        super().__init__(spec, self.combo)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        if value is None or value == "":
            self.combo.setCurrentIndex(0)
            return
        index = self.combo.findData(value)
        if index < 0:
            self.combo.addItem(f"⚠ {value} (missing)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


class ChoicesEditor(FieldEditor):
    def __init__(self, spec: FieldSpec) -> None:
        self.list = QListWidget()
        self.list.setFixedHeight(24 * min(len(spec.options), 4) + 8)
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(True)
        for option in spec.options:
            item = QListWidgetItem(option)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        super().__init__(spec, self.list)

    def value(self) -> Any:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def set_value(self, value: Any) -> None:
        chosen = set(value or ())
        for i in range(self.list.count()):
            item = self.list.item(i)
            checked = item.text() in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class ConditionsField(FieldEditor):
    def __init__(self, spec: FieldSpec, options: Options) -> None:
        self.editor = ConditionsEditor(
            _operands(options), [o.value for o in options.get(Kind.TAG, ())]
        )
        super().__init__(spec, self.editor)

    def value(self) -> Any:
        return self.editor.conditions()

    def set_value(self, value: Any) -> None:
        self.editor.set_conditions(value if isinstance(value, list) else [])


def _operands(options: Options) -> list[str]:
    custom = [f"custom_fields.{o.value}" for o in options.get(Kind.CUSTOM_FIELD, ())]
    contact = [f"contact.{name}" for name in CONTACT_ATTRIBUTES]
    return ["tags", *contact, *custom, "context.opened_email", "context.clicked"]


def _choices(spec: FieldSpec, options: Options) -> list[tuple[str, str]]:
    if spec.kind == Kind.CHOICE:
        return [(o, o) for o in spec.options]
    if spec.kind in (Kind.CONTACT_FIELD, Kind.DATE_FIELD):
        names = ["date_of_birth"] if spec.kind == Kind.DATE_FIELD else list(CONTACT_ATTRIBUTES)
        custom = [(f"custom_fields.{o.value}", o.label) for o in options.get(Kind.CUSTOM_FIELD, ())]
        return [(n, n) for n in names] + custom
    if spec.kind == Kind.TRIGGER_TYPE:
        return [(t.type, t.label) for t in registry.trigger_specs() if t.event_names]
    keywords = [(k, k.replace("_", " ")) for k in spec.keywords]
    return keywords + [(o.value, o.label) for o in options.get(spec.kind, ())]


def make_editor(spec: FieldSpec, options: Options) -> FieldEditor:
    kind = spec.kind
    if kind == Kind.INTEGER:
        return IntegerEditor(spec)
    if kind == Kind.MULTILINE:
        return MultilineEditor(spec)
    if kind == Kind.MAPPING:
        return MappingEditor(spec)
    if kind == Kind.BOOLEAN:
        return BoolEditor(spec)
    if kind == Kind.CHOICES:
        return ChoicesEditor(spec)
    if kind == Kind.CONDITIONS:
        return ConditionsField(spec, options)
    if kind in (Kind.TEXT, Kind.URL, Kind.DATETIME, Kind.TIME):
        return TextEditor(spec)
    return ChoiceEditor(spec, _choices(spec, options))
