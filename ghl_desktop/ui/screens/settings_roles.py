"""Settings → Roles: built-in and custom roles with their permissions; create, edit and delete
custom roles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import roles
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.role_form import RoleFormDialog
from ghl_desktop.ui.models.roles import (
    DESCRIPTION,
    KIND,
    NAME,
    PERMISSIONS,
    SCOPE,
    RoleTableModel,
)
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.widgets.permission_checklist import PermissionChecklist
from ghl_desktop.ui.workspace import Workspace


class RolesPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("RolesPage")
        self.model = RoleTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=NAME, widths={SCOPE: 100, KIND: 80, PERMISSIONS: 95}
        )
        self.table.setColumnHidden(DESCRIPTION, True)  # shown beside, with the permissions
        self.table.setObjectName("RoleTable")
        self.table.setAccessibleName("Roles")
        self.new_button = QPushButton("&New role…")
        self.new_button.setObjectName("NewRole")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setObjectName("EditRole")
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setObjectName("DeleteRole")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.detail_title = QLabel("Permissions")
        self.detail_title.setProperty("role", "subheading")
        self.detail_description = QLabel()
        self.detail_description.setProperty("role", "muted")
        self.detail_description.setWordWrap(True)
        self.permissions = PermissionChecklist()
        self.permissions.set_read_only(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail_description)
        detail_layout.addWidget(self.permissions, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Roles",
                "A role is a set of permissions granted to a user agency-wide or in one "
                "sub-account. Built-in roles cannot be changed; custom roles belong to this "
                "agency.",
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._select_id: str | None = None
        self.new_button.clicked.connect(self.new_role)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.item_activated.connect(lambda _item: self.edit_selected())
        self.table.current_item_changed.connect(self._role_selected)
        self._role_selected(None)

    def concerns(self, change: Change) -> bool:
        return change.concerns("role")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None:
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        ReadOp(
            self.ctx.ops, self, lambda: roles.list_roles(uows, actor, agency_id), key="list"
        ).success(self._show).run()

    def _show(self, items: list[RoleInfo]) -> None:
        keep = self._select_id or getattr(self.table.current_item(), "id", None)
        self.model.set_items(items)
        self._select_id = None
        row = self.model.find_row(lambda r: r.id == keep) if keep else -1
        self.table.select_row(row if row >= 0 else 0)

    def selected_role(self) -> RoleInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, RoleInfo) else None

    def _role_selected(self, role: object) -> None:
        if isinstance(role, RoleInfo):
            kind = "built-in" if role.is_builtin else "custom"
            self.detail_title.setText(f"{role.name} ({kind})")
            self.detail_description.setText(role.description or "No description.")
            self.permissions.set_checked(role.permissions)
        else:
            self.detail_title.setText("Permissions")
            self.detail_description.clear()
            self.permissions.set_checked(())
        can_manage = self.snapshot is not None and self.snapshot.can_agency("users.manage")
        custom = isinstance(role, RoleInfo) and not role.is_builtin
        for button in (self.new_button, self.edit_button, self.delete_button):
            button.setVisible(can_manage)
        self.edit_button.setEnabled(custom)
        self.delete_button.setEnabled(custom)

    def new_role(self) -> RoleFormDialog | None:
        if self.snapshot is None or self.snapshot.agency is None:
            return None
        dialog = RoleFormDialog(self.ctx, self, self.snapshot)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def edit_selected(self) -> RoleFormDialog | None:
        role = self.selected_role()
        if self.snapshot is None or role is None or not self.edit_button.isEnabled():
            return None
        dialog = RoleFormDialog(self.ctx, self, self.snapshot, role)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def delete_selected(self) -> QMessageBox | None:
        """Ask first (deleting cannot be undone); the box does not block the event loop."""
        role = self.selected_role()
        if self.snapshot is None or role is None or role.is_builtin:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete role",
            f"Delete the role {role.name!r}? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self,
        )  # fmt: skip
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self._delete(role))
        box.open()
        return box

    def _delete(self, role: RoleInfo) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None:
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        WriteOp(
            self.ctx.ops, self, lambda: roles.delete_role(uows, actor, agency_id, role.id)
        ).changes("role").run()

    def _remember(self, result: object) -> None:
        if isinstance(result, RoleInfo):
            self._select_id = result.id
