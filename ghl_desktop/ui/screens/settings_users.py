"""Settings → Users: the agency's users with their access; create, edit, deactivate or
reactivate a user; grant a role agency-wide or in a sub-account; revoke access."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import agencies, roles, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.services.users import MembershipInfo, UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.grant_role import GrantRoleDialog
from ghl_desktop.ui.dialogs.user_form import UserFormDialog
from ghl_desktop.ui.models.users import (
    ACCESS,
    EMAIL,
    LAST_SIGN_IN,
    NAME,
    ROLE,
    STATUS,
    WHERE,
    MembershipTableModel,
    UserTableModel,
)
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.workspace import Workspace


@dataclass(frozen=True)
class UsersPageData:
    users: list[UserInfo]
    roles: list[RoleInfo]
    sub_accounts: list[SubAccountInfo]


def load_users_page(uows: UnitOfWorkFactory, actor: Actor, agency_id: str) -> UsersPageData:
    return UsersPageData(
        users.list_users(uows, actor, agency_id),
        roles.list_roles(uows, actor, agency_id),
        agencies.list_sub_accounts(uows, actor, agency_id),
    )


class UsersPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("UsersPage")
        self.data = UsersPageData([], [], [])
        self.model = UserTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=ACCESS,
            widths={NAME: 150, EMAIL: 220, STATUS: 95, LAST_SIGN_IN: 130},
        )  # fmt: skip
        self.table.setObjectName("UserTable")
        self.table.setAccessibleName("Users")
        self.new_button = QPushButton("&New user…")
        self.new_button.setObjectName("NewUser")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setObjectName("EditUser")
        self.active_button = QPushButton("&Deactivate")
        self.active_button.setObjectName("ToggleUserActive")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # The selected user's access, beside the list.
        self.access_title = QLabel("Access")
        self.access_title.setProperty("role", "subheading")
        self.membership_model = MembershipTableModel(self)
        self.membership_table = DataTable(
            self.membership_model, stretch_column=WHERE, widths={ROLE: 220}
        )
        self.membership_table.setObjectName("MembershipTable")
        self.membership_table.setAccessibleName("Access of the selected user")
        self.grant_button = QPushButton("&Grant access…")
        self.grant_button.setObjectName("GrantAccess")
        self.revoke_button = QPushButton("&Revoke")
        self.revoke_button.setObjectName("RevokeAccess")
        access_buttons = QHBoxLayout()
        access_buttons.addWidget(self.grant_button)
        access_buttons.addWidget(self.revoke_button)
        access_buttons.addStretch(1)
        access_panel = QWidget()
        access_layout = QVBoxLayout(access_panel)
        access_layout.setContentsMargins(0, 8, 0, 0)
        access_layout.addWidget(self.access_title)
        access_layout.addLayout(access_buttons)
        access_layout.addWidget(self.membership_table, 1)
        # The access of the selected user below the list: the list keeps the full width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(access_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Users",
                "People who sign in to this agency. Access is a role agency-wide (every "
                "sub-account) or in one sub-account. Users are deactivated, never deleted.",
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._select_id: str | None = None
        self.new_button.clicked.connect(self.new_user)
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button.clicked.connect(self.toggle_active)
        self.grant_button.clicked.connect(self.grant)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.table.item_activated.connect(lambda _item: self.edit_selected())
        self.table.current_item_changed.connect(self._user_selected)
        self.membership_table.current_item_changed.connect(lambda _m: self._update_actions())
        self._user_selected(None)

    def concerns(self, change: Change) -> bool:
        return change.concerns("user", "membership", "role", "sub_account")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None:
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        ReadOp(
            self.ctx.ops, self, lambda: load_users_page(uows, actor, agency_id), key="list"
        ).success(self._show).run()

    def _show(self, data: UsersPageData) -> None:
        keep = self._select_id or getattr(self.table.current_item(), "id", None)
        self.data = data
        self.model.set_items(data.users)
        self._select_id = None
        row = self.model.find_row(lambda u: u.id == keep) if keep else -1
        self.table.select_row(row if row >= 0 else 0)

    def selected_user(self) -> UserInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, UserInfo) else None

    def selected_membership(self) -> MembershipInfo | None:
        item = self.membership_table.current_item()
        return item if isinstance(item, MembershipInfo) else None

    def _user_selected(self, user: object) -> None:
        if isinstance(user, UserInfo):
            self.access_title.setText(f"Access of {user.full_name or user.email}")
            self.membership_model.set_items(user.memberships)
            self.membership_table.select_row(0)
        else:
            self.access_title.setText("Access")
            self.membership_model.set_items([])
        self._update_actions()

    def _update_actions(self) -> None:
        user = self.selected_user()
        can_manage = self.snapshot is not None and self.snapshot.can_agency("users.manage")
        for button in (
            self.new_button, self.edit_button, self.active_button,
            self.grant_button, self.revoke_button,
        ):  # fmt: skip
            button.setVisible(can_manage)
        for button in (self.edit_button, self.active_button, self.grant_button):
            button.setEnabled(user is not None)
        self.active_button.setText("&Activate" if user and not user.is_active else "&Deactivate")
        self.revoke_button.setEnabled(self.selected_membership() is not None)

    # -- actions ---------------------------------------------------------------------------
    def new_user(self) -> UserFormDialog | None:
        if self.snapshot is None or self.snapshot.agency is None:
            return None
        dialog = UserFormDialog(
            self.ctx, self, self.snapshot, roles=self.data.roles,
            sub_accounts=self.data.sub_accounts,
        )  # fmt: skip
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def edit_selected(self) -> UserFormDialog | None:
        user = self.selected_user()
        if self.snapshot is None or user is None or not self.edit_button.isVisible():
            return None
        dialog = UserFormDialog(self.ctx, self, self.snapshot, existing=user)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def grant(self) -> GrantRoleDialog | None:
        user = self.selected_user()
        if self.snapshot is None or user is None:
            return None
        dialog = GrantRoleDialog(
            self.ctx, self, self.snapshot, user, self.data.roles, self.data.sub_accounts
        )
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def toggle_active(self) -> None:
        user = self.selected_user()
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None or user is None:
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        self._select_id = user.id
        WriteOp(
            self.ctx.ops, self,
            lambda: users.set_active(uows, actor, agency_id, user.id, not user.is_active),
        ).changes("user").run()  # fmt: skip

    def revoke_selected(self) -> None:
        user, membership = self.selected_user(), self.selected_membership()
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None or user is None or membership is None:
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        sub_id = membership.target_id if membership.scope == "sub_account" else None
        self._select_id = user.id
        WriteOp(
            self.ctx.ops, self, lambda: users.revoke(uows, actor, agency_id, user.id, sub_id)
        ).changes("user", "membership", sub_account_id=sub_id).run()

    def _remember(self, result: object) -> None:
        if isinstance(result, UserInfo):
            self._select_id = result.id
