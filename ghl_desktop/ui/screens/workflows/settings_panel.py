"""The settings of the selected trigger or step, generated from its registry spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows.fields import FieldSpec, is_blank
from ghl_desktop.ui.screens.workflows.field_editors import (
    ChoiceEditor,
    FieldEditor,
    Options,
    make_editor,
)


class SettingsPanel(QWidget):
    """Emits ``save_requested(item_kind, item_id, payload)``: for a step the payload is
    ``{"name": ..., "settings": {...}}``, for a trigger ``{"conditions": {...},
    "is_active": bool}``."""

    save_requested = Signal(str, str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item_kind = ""
        self.item_id = ""
        self.editors: dict[str, FieldEditor] = {}
        self.title = QLabel("Select a trigger or a step")
        self.title.setObjectName("SettingsTitle")
        self.title.setProperty("role", "subheading")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setProperty("role", "muted")
        self.error = QLabel()
        self.error.setObjectName("SettingsError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.name = QLineEdit()
        self.name.setObjectName("StepName")
        self.name.setPlaceholderText("shown in the tree; the step type when empty")
        self.active = QCheckBox("Active")
        self.active.setObjectName("TriggerActive")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)
        self.save_button = QPushButton("Save settings")
        self.save_button.setObjectName("SaveSettings")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.save_button)
        self.clear()

    def clear(self) -> None:
        self.item_kind = self.item_id = ""
        self._reset_form()
        self.title.setText("Select a trigger or a step")
        self.description.setText("Its settings appear here.")
        self.save_button.setVisible(False)

    def _reset_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)  # deletes the row's widgets (never name/active: re-made)
        self.editors = {}
        self.error.setVisible(False)

    def show_item(
        self,
        item_kind: str,
        item_id: str,
        title: str,
        description: str,
        fields: tuple[FieldSpec, ...],
        values: Mapping[str, Any],
        options: Options,
        *,
        name: str | None = None,
        active: bool | None = None,
        editable: bool = True,
        problems: Mapping[str, str] | None = None,
    ) -> None:
        self._reset_form()
        self.item_kind, self.item_id = item_kind, item_id
        self.title.setText(title)
        self.description.setText(description)
        if name is not None:
            self.name = QLineEdit(name)
            self.name.setObjectName("StepName")
            self.name.setPlaceholderText("shown in the tree; the step type when empty")
            self.form.addRow("Step name", self.name)
        if active is not None:
            self.active = QCheckBox("Active")
            self.active.setObjectName("TriggerActive")
            self.active.setChecked(active)
            self.form.addRow("", self.active)
        for spec in fields:
            editor = make_editor(spec, options)
            editor.set_value(values.get(spec.key, spec.default))
            label = spec.label + (" *" if spec.required else "")
            self.form.addRow(label, editor.widget)
            self.editors[spec.key] = editor
            problem = (problems or {}).get(spec.key)
            if problem:
                editor.widget.setToolTip(problem)
                editor.widget.setProperty("invalid", True)
        if not fields:
            self.form.addRow(QLabel("This one has no settings."))
        controllers = {key for spec in fields for key in spec.shown_when}
        for key in controllers:
            controller = self.editors.get(key)
            if isinstance(controller, ChoiceEditor):
                controller.combo.currentIndexChanged.connect(self._update_visibility)
        self._update_visibility()
        self.save_button.setVisible(editable)
        self.form_host.setEnabled(editable)

    def _controlling_values(self) -> dict[str, Any]:
        keys = {key for editor in self.editors.values() for key in editor.spec.shown_when}
        return {key: self.editors[key].value() for key in keys if key in self.editors}

    def _update_visibility(self) -> None:
        """Show only the settings that apply (a wait "for a duration" has no time of day)."""
        current = self._controlling_values()
        for editor in self.editors.values():
            if editor.spec.shown_when:
                self.form.setRowVisible(editor.widget, editor.spec.is_shown(current))

    def is_shown(self, key: str) -> bool:
        editor = self.editors[key]
        return editor.spec.is_shown(self._controlling_values())

    def values(self) -> dict[str, Any]:
        """The filled-in values (unset ones left out). Raises ValidationError for input that
        cannot even be read (bad JSON)."""
        found: dict[str, Any] = {}
        current = self._controlling_values()
        for key, editor in self.editors.items():
            if not editor.spec.is_shown(current):
                continue  # a hidden setting does not apply: it is not kept
            value = editor.value()
            if not is_blank(value) and not (value is False and editor.spec.default is None):
                found[key] = value
        return found

    def save(self) -> None:
        self.error.setVisible(False)
        try:
            values = self.values()
        except ValidationError as exc:
            self.show_error(str(exc))
            return
        if self.item_kind == "action":
            payload: dict[str, Any] = {"name": self.name.text(), "settings": values}
        else:
            payload = {"conditions": values, "is_active": self.active.isChecked()}
        self.save_requested.emit(self.item_kind, self.item_id, payload)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
