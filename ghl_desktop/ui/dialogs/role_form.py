"""Create a custom role or edit one: name, where it applies, and its permissions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from ghl_desktop.core.permissions import PERMISSIONS
from ghl_desktop.services import roles
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.models.roles import SCOPE_LABELS
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.widgets.permission_checklist import PermissionChecklist
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class RoleFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: RoleInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New role" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create role" if existing is None else "Save")
        assert snapshot.agency is not None
        self.agency_id = snapshot.agency.id
        self.actor = snapshot.actor
        self.existing = existing
        self.change_topics = ("role",)
        self.setMinimumSize(620, 640)
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("NameInput")
        self.scope = QComboBox()
        self.scope.setObjectName("ScopeInput")
        for value, label in SCOPE_LABELS.items():
            self.scope.addItem(label, value)
        scope = existing.scope if existing else "sub_account"
        self.scope.setCurrentIndex(self.scope.findData(scope))
        self.scope.setEnabled(existing is None)  # a granted role cannot change its kind
        self.description = QLineEdit(existing.description if existing else "")
        self.description.setObjectName("DescriptionInput")
        self.permissions = PermissionChecklist()
        if existing is not None:
            self.permissions.set_checked(existing.permissions)
        select_all = QPushButton("Select &all")
        select_none = QPushButton("Select n&one")
        select_all.clicked.connect(lambda: self.permissions.set_checked(PERMISSIONS))
        select_none.clicked.connect(lambda: self.permissions.set_checked(()))
        shortcuts = QHBoxLayout()
        shortcuts.addWidget(select_all)
        shortcuts.addWidget(select_none)
        shortcuts.addStretch(1)
        self.add_field("&Name", self.name, "name")
        self.add_field("Applies &to", self.scope, "scope")
        self.add_field("&Description", self.description, "description")
        self.form.addRow(shortcuts)
        self.add_field("&Permissions", self.permissions, "permissions")

    def operation(self) -> Callable[[], object]:
        uows, actor, agency_id = self.ctx.uows, self.actor, self.agency_id
        name, description = self.name.text(), self.description.text()
        keys = self.permissions.checked_keys()
        if self.existing is None:
            scope = str(self.scope.currentData())
            return lambda: roles.create_role(uows, actor, agency_id, name, scope, keys, description)
        role_id = self.existing.id
        return lambda: roles.update_role(
            uows, actor, agency_id, role_id, name=name, permissions=keys, description=description
        )
