"""One contact: its fields and tags, and what can be done to it - edit, archive or unarchive,
delete or restore. Every value is shown as plain text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import contacts
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.task_form import TaskFormDialog
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.screens.contacts.lookups import EMPTY_LOOKUPS, CrmLookups
from ghl_desktop.ui.screens.workflows.contact_runs import ContactRunsDialog
from ghl_desktop.ui.widgets.filter_fields import stage_label
from ghl_desktop.ui.widgets.plain_label import PlainLabel
from ghl_desktop.ui.widgets.timeline_panel import TimelinePanel
from ghl_desktop.ui.workspace import Workspace

DETAIL_ROWS = (
    ("email", "Email"), ("phone", "Phone"), ("company", "Company"), ("address", "Address"),
    ("lifecycle_stage", "Stage"), ("lead_score", "Lead score"), ("assigned", "Assigned to"),
    ("source", "Source"), ("dnd", "Do not disturb"), ("tags", "Tags"), ("created", "Created"),
)  # fmt: skip


def detail_values(info: ContactInfo, lookups: CrmLookups) -> dict[str, str]:
    """The text of each detail row (custom fields keyed ``custom_fields.<key>``)."""
    dnd = [name for key, name in (("dnd_sms", "SMS"), ("dnd_email", "Email"),
           ("dnd_whatsapp", "WhatsApp"), ("dnd_calls", "Calls")) if getattr(info, key)]  # fmt: skip
    where = ", ".join(p for p in (info.address1, info.city, info.state, info.postal_code) if p)
    values = {
        "email": info.email or "",
        "phone": info.phone or "",
        "company": info.company,
        "address": " ".join(p for p in (where, info.country or "") if p),
        "lifecycle_stage": stage_label(str(info.lifecycle_stage)),
        "lead_score": str(info.lead_score),
        "assigned": lookups.user_label(info.assigned_user_id) or "Nobody",
        "source": info.source,
        "dnd": ", ".join(dnd) or "None",
        "tags": ", ".join(t.name for t in info.tags) or "None",
        "created": info.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
    }
    for definition in lookups.fields:
        value = info.custom_fields.get(definition.key)
        text = ", ".join(map(str, value)) if isinstance(value, list) else value
        values[f"custom_fields.{definition.key}"] = "" if text is None else str(text)
    return values


class ContactDetailPanel(QWidget):
    back_requested = Signal()
    edit_requested = Signal(object)  # ContactInfo

    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__()
        self.ctx = ctx
        self.workspace = workspace
        self.lookups: CrmLookups = EMPTY_LOOKUPS
        self.contact: ContactInfo | None = None
        self.contact_id: str | None = None
        self.back_button = QPushButton("← Contacts")
        self.back_button.setObjectName("BackToContacts")
        self.name_label = PlainLabel()
        self.name_label.setObjectName("ContactName")
        self.name_label.setProperty("role", "heading")
        self.name_label.setWordWrap(False)
        self.status_label = PlainLabel()
        self.status_label.setProperty("role", "muted")
        self.edit_button = QPushButton("&Edit…")
        self.archive_button = QPushButton("Archive")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("DeleteContact")
        self.runs_button = QPushButton("Workflow runs…")
        self.runs_button.setObjectName("ContactWorkflowRuns")
        self.runs_button.setToolTip("Every workflow this contact went through, with its path")
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(12)
        top.addWidget(self.name_label)
        top.addWidget(self.status_label)
        top.addStretch(1)
        for button in (self.runs_button, self.edit_button, self.archive_button, self.delete_button):
            top.addWidget(button)
        self.fields_form = QFormLayout()
        self.fields_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.value_labels: dict[str, PlainLabel] = {}
        fields_box = QWidget()
        fields_box.setLayout(self.fields_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(fields_box)
        scroll.setMinimumWidth(380)
        self.timeline = TimelinePanel(ctx, workspace)
        self.side = QWidget()
        self.side_layout = QVBoxLayout(self.side)
        self.side_layout.setContentsMargins(8, 0, 0, 0)
        self.side_layout.addWidget(self.timeline)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.back_button.clicked.connect(self.back_requested)
        self.edit_button.clicked.connect(self._edit)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.delete_button.clicked.connect(self.delete_or_restore)
        self.runs_button.clicked.connect(self.open_workflow_runs)
        self.timeline.add_task_requested.connect(self.add_task)

    # -- loading ---------------------------------------------------------------------------
    def show_contact(self, contact_id: str, lookups: CrmLookups) -> None:
        if contact_id != self.contact_id:
            self.contact = None
            self.name_label.setText("Loading…")
        self.contact_id = contact_id
        self.lookups = lookups
        self.reload()

    def reload(self) -> None:
        snapshot, contact_id = self.workspace.snapshot, self.contact_id
        if snapshot is None or snapshot.sub_account is None or contact_id is None:
            return
        self.timeline.show_contact(contact_id, can_write=snapshot.can("contacts.write"))
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self,
            lambda: contacts.get_contact(uows, actor, sub_id, contact_id, include_deleted=True),
            key="contact",
        ).success(self._show).run()  # fmt: skip

    def _show(self, info: ContactInfo) -> None:
        if info.id != self.contact_id:
            return
        self.contact = info
        snapshot = self.workspace.snapshot
        self.name_label.setText(info.display_name)
        state = "Deleted" if info.deleted_at else "Archived" if info.archived_at else ""
        self.status_label.setText(f"({state})" if state else "")
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        self.value_labels = {}
        values = detail_values(info, self.lookups)
        rows = [*DETAIL_ROWS, *((f"custom_fields.{d.key}", d.label) for d in self.lookups.fields)]
        for key, title in rows:
            label = PlainLabel(values.get(key, ""))
            label.setObjectName(f"Detail_{key}")
            self.value_labels[key] = label
            self.fields_form.addRow(title, label)
        can_write = snapshot is not None and snapshot.can("contacts.write")
        can_delete = snapshot is not None and snapshot.can("contacts.delete")
        self.edit_button.setVisible(can_write and info.deleted_at is None)
        self.archive_button.setVisible(can_write and info.deleted_at is None)
        self.archive_button.setText("Unarchive" if info.archived_at else "Archive")
        self.delete_button.setVisible(can_delete)
        self.runs_button.setVisible(snapshot is not None and snapshot.can("workflows.read"))
        self.delete_button.setText("Restore" if info.deleted_at else "Delete…")

    # -- actions ---------------------------------------------------------------------------
    def add_task(self) -> TaskFormDialog | None:
        snapshot = self.workspace.snapshot
        if snapshot is None or snapshot.sub_account is None or self.contact_id is None:
            return None
        dialog = TaskFormDialog(self.ctx, self, snapshot, self.lookups, contact_id=self.contact_id)
        dialog.succeeded.connect(lambda _task: self.timeline.reload())
        dialog.open()
        return dialog

    def open_workflow_runs(self) -> ContactRunsDialog | None:
        snapshot = self.workspace.snapshot
        if snapshot is None or snapshot.sub_account is None or self.contact_id is None:
            return None
        dialog = ContactRunsDialog(self.ctx, self, snapshot)
        dialog.open_for(self.contact_id)
        dialog.open()
        return dialog

    def _edit(self) -> None:
        if self.contact is not None:
            self.edit_requested.emit(self.contact)

    def _write(self, call: Callable[[], object]) -> None:
        WriteOp(self.ctx.ops, self, call).success(lambda _r: self.reload()).run()

    def toggle_archived(self) -> None:
        snapshot, info = self.workspace.snapshot, self.contact
        if snapshot is None or snapshot.sub_account is None or info is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        archive = info.archived_at is None
        self._write(lambda: contacts.set_archived(uows, actor, sub_id, info.id, archive))

    def delete_or_restore(self) -> QMessageBox | None:
        snapshot, info = self.workspace.snapshot, self.contact
        if snapshot is None or snapshot.sub_account is None or info is None:
            return None
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        if info.deleted_at is not None:
            self._write(lambda: contacts.restore_contact(uows, actor, sub_id, info.id))
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete contact",
            f"Delete {info.display_name}? You can restore the contact later.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(
            lambda: self._write(lambda: contacts.delete_contact(uows, actor, sub_id, info.id))
        )
        box.open()
        return box
