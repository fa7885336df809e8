"""Create or edit a contact: standard fields, do-not-disturb per channel, tags and the
sub-account's custom fields (an input per field type). Every validation message appears next
to its field. A duplicate email or phone is shown with the contact that has it, to open or
merge it instead, or to save anyway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import Conflict, DomainError, ValidationError
from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.services import contacts, tags
from ghl_desktop.services.contacts import ContactInfo, DuplicateContact
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp, describe_error
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.check_list import CheckList
from ghl_desktop.ui.widgets.custom_field_input import CustomFieldInput
from ghl_desktop.ui.widgets.field_box import FieldBox
from ghl_desktop.ui.widgets.filter_fields import stage_label
from ghl_desktop.ui.workspace import WorkspaceSnapshot

TEXT_FIELDS = (
    ("first_name", "&First name"), ("last_name", "&Last name"), ("email", "&Email"),
    ("phone", "&Phone"), ("company", "C&ompany"), ("address1", "Address"), ("city", "City"),
    ("state", "State"), ("postal_code", "Postal code"), ("country", "Country (2 letters)"),
    ("source", "Source"), ("date_of_birth", "Date of birth"),
)  # fmt: skip
DND_CHANNELS = (("dnd_sms", "SMS"), ("dnd_email", "Email"), ("dnd_whatsapp", "WhatsApp"),
                ("dnd_calls", "Calls"))  # fmt: skip
FIELD_ALIASES = {"name": "first_name"}  # "a contact needs a name..." points at the first name


class ContactFormDialog(QDialog):
    succeeded = Signal(object)  # ContactInfo
    open_existing = Signal(str)  # the contact that has the duplicate email or phone
    merge_requested = Signal(str, str)  # (this contact's id or "", the existing one's id)

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        lookups: CrmLookups, existing: ContactInfo | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx = ctx
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.existing = existing
        self.lookups = lookups
        self.duplicate_of: str | None = None
        self.setWindowTitle("New contact" if existing is None else f"Edit {existing.display_name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(560, 640)
        self.boxes: dict[str, FieldBox] = {}
        self.inputs: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in TEXT_FIELDS:
            line = QLineEdit()
            line.setObjectName(f"Contact_{key}")
            self.inputs[key] = line
            form.addRow(label, self._box(key, line))
        self.inputs["email"].setPlaceholderText("name@example.com")
        self.inputs["phone"].setPlaceholderText("+1 212 555 0147, or a national number")
        self.inputs["date_of_birth"].setPlaceholderText("YYYY-MM-DD")
        self.stage = QComboBox()
        for stage in LifecycleStage:
            self.stage.addItem(stage_label(stage.value), stage.value)
        self.stage.setCurrentIndex(self.stage.findData(LifecycleStage.LEAD.value))
        form.addRow("Lifecycle &stage", self._box("lifecycle_stage", self.stage))
        self.lead_score = QSpinBox()
        self.lead_score.setRange(0, 1_000_000)
        form.addRow("Lead score", self._box("lead_score", self.lead_score))
        self.assignee = QComboBox()
        self.assignee.addItem("Nobody", None)
        for user in lookups.users:
            self.assignee.addItem(user.label, user.id)
        form.addRow("Assigned to", self._box("assigned_user_id", self.assignee))
        self.dnd: dict[str, QCheckBox] = {}
        dnd_row = QHBoxLayout()
        for key, label in DND_CHANNELS:
            self.dnd[key] = QCheckBox(label)
            dnd_row.addWidget(self.dnd[key])
        dnd_row.addStretch(1)
        dnd_widget = QWidget()
        dnd_widget.setLayout(dnd_row)
        form.addRow("Do not disturb", dnd_widget)
        self.tag_list = CheckList(max_visible_rows=5)
        self.tag_list.setObjectName("ContactTags")
        self.tag_list.set_options([(t.name, t.name) for t in lookups.tags])
        self.new_tag = QLineEdit()
        self.new_tag.setPlaceholderText("New tag, then Enter")
        tag_widget = QWidget()
        tag_layout = QVBoxLayout(tag_widget)
        tag_layout.setContentsMargins(0, 0, 0, 0)
        tag_layout.addWidget(self.tag_list)
        tag_layout.addWidget(self.new_tag)
        form.addRow("Tags", self._box("tags", tag_widget))
        self.custom: dict[str, CustomFieldInput] = {}
        if lookups.fields:
            heading = QLabel("Custom fields")
            heading.setProperty("role", "subheading")
            form.addRow(heading)
        for definition in lookups.fields:
            field_input = CustomFieldInput(definition)
            self.custom[definition.key] = field_input
            label = definition.label + (" *" if definition.is_required else "")
            form.addRow(label, self._box(field_input.field, field_input))
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("DuplicateWarning")
        self.duplicate_label.setProperty("role", "error")
        self.duplicate_label.setTextFormat(Qt.TextFormat.PlainText)
        self.duplicate_label.setWordWrap(True)
        self.open_existing_button = QPushButton("Open existing")
        self.merge_button = QPushButton("Merge…")
        self.save_anyway_button = QPushButton("Save anyway")
        dup_row = QHBoxLayout()
        dup_row.addWidget(self.duplicate_label, 1)
        for button in (self.open_existing_button, self.merge_button, self.save_anyway_button):
            dup_row.addWidget(button)
        self.duplicate_bar = QWidget()
        self.duplicate_bar.setLayout(dup_row)
        self.duplicate_bar.setVisible(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("FormError")
        self.error_label.setProperty("role", "error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create contact" if existing is None else "Save")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.duplicate_bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.new_tag.returnPressed.connect(self._add_new_tag)
        self.open_existing_button.clicked.connect(self._open_existing)
        self.merge_button.clicked.connect(self._merge)
        self.save_anyway_button.clicked.connect(lambda: self._save(allow_duplicate=True))
        if existing is not None:
            self._fill(existing)

    def _box(self, field: str, editor: QWidget) -> FieldBox:
        box = FieldBox(editor)
        self.boxes[field] = box
        return box

    def _fill(self, info: ContactInfo) -> None:
        for key, line in self.inputs.items():
            value = getattr(info, key)
            line.setText("" if value is None else str(value))
        self.stage.setCurrentIndex(self.stage.findData(str(info.lifecycle_stage)))
        self.lead_score.setValue(info.lead_score)
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(info.assigned_user_id)))
        for key, box in self.dnd.items():
            box.setChecked(bool(getattr(info, key)))
        for tag in info.tags:
            self.tag_list.add_option(tag.name, tag.name)
        self.tag_list.set_checked([t.name for t in info.tags])
        for key, field_input in self.custom.items():
            field_input.set_value(info.custom_fields.get(key))

    def _add_new_tag(self) -> None:
        name = " ".join(self.new_tag.text().split())
        if name:
            self.tag_list.add_option(name, name)
            self.new_tag.clear()

    # -- reading the form ------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The standard and custom values as the service takes them."""
        values: dict[str, Any] = {k: line.text() for k, line in self.inputs.items()}
        values["date_of_birth"] = values["date_of_birth"].strip() or None
        values["lifecycle_stage"] = self.stage.currentData()
        values["lead_score"] = self.lead_score.value()
        values["assigned_user_id"] = self.assignee.currentData()
        values.update({k: box.isChecked() for k, box in self.dnd.items()})
        values["custom_fields"] = {k: i.value() for k, i in self.custom.items()}
        return values

    def tag_names(self) -> list[str]:
        self._add_new_tag()
        return [str(v) for v in self.tag_list.checked_values()]

    def operation(self, allow_duplicate: bool) -> Callable[[], ContactInfo]:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        values, names = self.values(), self.tag_names()
        if self.existing is None:
            return lambda: contacts.create_contact(
                uows, actor, sub_id, values, tags=names, allow_duplicate=allow_duplicate
            )
        existing = self.existing
        changes = {k: v for k, v in values.items() if k != "custom_fields"}
        changes["custom_fields"] = {
            k: v for k, v in values["custom_fields"].items() if existing.custom_fields.get(k) != v
        }
        before = {t.name for t in existing.tags}
        added = [n for n in names if n not in before]
        removed = [n for n in before if n not in names]

        def save() -> ContactInfo:
            # Fields first: a bad value leaves the tags as they were.
            contacts.update_contact(uows, actor, sub_id, existing.id, changes)
            if added:
                tags.add_tags(uows, actor, sub_id, [existing.id], added)
            if removed:
                tags.remove_tags(uows, actor, sub_id, [existing.id], removed)
            return contacts.get_contact(uows, actor, sub_id, existing.id)

        return save

    # -- running ---------------------------------------------------------------------------
    def accept(self) -> None:
        self._save(allow_duplicate=False)

    def _save(self, *, allow_duplicate: bool) -> None:
        self.clear_errors()
        try:
            call = self.operation(allow_duplicate)
        except DomainError as exc:
            self.show_error(exc)
            return
        self._set_busy(True)
        WriteOp(self.ctx.ops, self, call).success(self._succeeded).failure(self.show_error).run()

    def _succeeded(self, info: ContactInfo) -> None:
        self._set_busy(False)
        self.succeeded.emit(info)
        super().accept()

    def clear_errors(self) -> None:
        for box in self.boxes.values():
            box.clear_error()
        self.error_label.setVisible(False)
        self.duplicate_bar.setVisible(False)
        self.duplicate_of = None

    def show_error(self, error: Exception) -> None:
        self._set_busy(False)
        field = error.field if isinstance(error, ValidationError | Conflict) else None
        box = self.boxes.get(FIELD_ALIASES.get(field or "", field or ""))
        if isinstance(error, DuplicateContact):
            self.duplicate_of = error.existing_id
            who = error.existing_name or "another contact"
            self.duplicate_label.setText(f"{who} already has this {error.field}.")
            # Merging joins two saved contacts: offered when editing one.
            self.merge_button.setVisible(self.existing is not None)
            self.duplicate_bar.setVisible(True)
        if box is not None and isinstance(error, ValidationError | Conflict):
            box.show_error(error.problem[:1].upper() + error.problem[1:])
            box.editor.setFocus()
        else:
            self.error_label.setText(describe_error(error))
            self.error_label.setVisible(True)

    def error_of(self, field: str) -> str:
        """The message shown next to ``field`` ("" when none)."""
        box = self.boxes[field]
        return box.error_label.text() if box.error_label.isVisible() else ""

    def _set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        self.save_anyway_button.setEnabled(not busy)

    def _open_existing(self) -> None:
        if self.duplicate_of is not None:
            self.open_existing.emit(self.duplicate_of)
            self.reject()

    def _merge(self) -> None:
        if self.duplicate_of is not None and self.existing is not None:
            self.merge_requested.emit(self.existing.id, self.duplicate_of)
            self.reject()
