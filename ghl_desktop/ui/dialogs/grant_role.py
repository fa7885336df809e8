"""Grant a user a role agency-wide or in one sub-account (replacing the role held there)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QLabel, QWidget

from ghl_desktop.services import users
from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.access_picker import AccessPicker
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class GrantRoleDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        user: UserInfo, roles: Sequence[RoleInfo], sub_accounts: Sequence[SubAccountInfo],
    ) -> None:  # fmt: skip
        super().__init__(ctx, parent, f"Grant access to {user.email}", "Grant")
        assert snapshot.agency is not None
        self.agency_id = snapshot.agency.id
        self.actor = snapshot.actor
        self.user = user
        self.change_topics = ("user", "membership")
        note = QLabel("A role granted where the user already has one replaces it.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.access = AccessPicker(roles, sub_accounts, parent=self)
        self.add_field("&Where", self.access.where, "sub_account")
        self.add_field("&Role", self.access.role, "role")

    def operation(self) -> Callable[[], object]:
        uows, actor, agency_id, user_id = self.ctx.uows, self.actor, self.agency_id, self.user.id
        role, sub_id = self.access.role_id() or "", self.access.sub_account_id()
        return lambda: users.grant(uows, actor, agency_id, user_id, role, sub_id)
