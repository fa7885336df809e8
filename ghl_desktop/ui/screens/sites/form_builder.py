"""The form builder: a form's name, its fields (table) and what happens on success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from ghl_desktop.services.sites import forms
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.sites.field_table import FieldTable
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot

STARTER_FIELDS: list[dict[str, Any]] = [
    {"key": "full_name", "label": "Full name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
    {"key": "phone", "label": "Phone", "type": "phone"},
]
SUCCESS = (("Show a thank-you message", "message"), ("Go to another address", "redirect"),
           ("Go to the funnel's next step", "next_step"))  # fmt: skip


def field_buttons(table: FieldTable) -> QWidget:
    """Add, remove, up and down under a field table."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for text, name, action in (
        ("Add field", "AddField", lambda: table.add_row()),
        ("Remove", "RemoveField", table.remove_current),
        ("Up", "FieldUp", lambda: table.move_current(-1)),
        ("Down", "FieldDown", lambda: table.move_current(1)),
    ):
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(action)
        row.addWidget(button)
    row.addStretch(1)
    return box


def success_combo(current: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("OnSuccess")
    for label, value in SUCCESS:
        combo.addItem(label, value)
    values = [v for _, v in SUCCESS]
    combo.setCurrentIndex(values.index(current) if current in values else 0)
    return combo


class FormBuilder(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: FormInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New form" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        self.setMinimumWidth(900)
        self.snapshot = snapshot
        self.existing = existing
        self.change_topics = ("sites",)
        settings = existing.settings if existing else {}
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("FormName")
        self.table = FieldTable()
        self.table.setObjectName("FieldTable")
        self.table.setMinimumHeight(220)
        self.table.set_fields(existing.fields if existing else STARTER_FIELDS)
        self.on_success = success_combo(settings.get("on_success", "message"))
        self.thanks = QLineEdit(settings.get("thank_you_message", ""))
        self.thanks.setObjectName("ThankYou")
        self.thanks.setPlaceholderText("Thank you! We received your details.")
        self.redirect = QLineEdit(settings.get("redirect_url", ""))
        self.redirect.setObjectName("RedirectUrl")
        self.redirect.setPlaceholderText("https://… or /funnel/step")
        self.submit_label = QLineEdit(settings.get("submit_label", "Submit"))
        self.tags = QLineEdit(", ".join(settings.get("tags") or []))
        self.tags.setObjectName("FormTags")
        self.tags.setPlaceholderText("tags added to the contact, comma-separated")
        self.add_field("Name", self.name, "name")
        self.add_field("Fields", self.table, "fields")
        self.add_field("", field_buttons(self.table))
        self.add_field("On success", self.on_success, "settings.on_success")
        self.add_field("Thank-you message", self.thanks, "settings.thank_you_message")
        self.add_field("Redirect to", self.redirect, "settings.redirect_url")
        self.add_field("Button label", self.submit_label, "settings.submit_label")
        self.add_field("Tags", self.tags, "settings.tags")

    def settings(self) -> dict[str, object]:
        return {
            "on_success": self.on_success.currentData(),
            "thank_you_message": self.thanks.text(), "redirect_url": self.redirect.text(),
            "submit_label": self.submit_label.text(),
            "tags": [t.strip() for t in self.tags.text().split(",") if t.strip()],
        }  # fmt: skip

    def operation(self) -> Callable[[], object]:
        uows, actor = self.ctx.uows, self.snapshot.actor
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        name, fields, settings = self.name.text(), self.table.fields(), self.settings()
        if self.existing is None:
            return lambda: forms.create_form(uows, actor, sub, name, fields, settings)
        form_id = self.existing.id
        changes = {"name": name, "fields": fields, "settings": settings}
        return lambda: forms.update_form(uows, actor, sub, form_id, changes)
