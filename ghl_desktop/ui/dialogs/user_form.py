"""Create a user (with a password and a first role), or edit a user's name and email.

A user belongs to an agency through their access, so a new user always gets a first role:
one without any would not be part of the agency (nor listed on the Users page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QLineEdit, QWidget

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services import users
from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.access_picker import AccessPicker
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def _line(name: str, text: str = "", *, secret: bool = False) -> QLineEdit:
    line = QLineEdit(text)
    line.setObjectName(name)
    if secret:
        line.setEchoMode(QLineEdit.EchoMode.Password)
    return line


class UserFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot, *,
        roles: Sequence[RoleInfo] = (), sub_accounts: Sequence[SubAccountInfo] = (),
        existing: UserInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New user" if existing is None else f"Edit {existing.email}"
        super().__init__(ctx, parent, title, "Create user" if existing is None else "Save")
        assert snapshot.agency is not None
        self.agency_id = snapshot.agency.id
        self.actor = snapshot.actor
        self.existing = existing
        self.change_topics = ("user",)
        self.full_name = _line("FullNameInput", existing.full_name if existing else "")
        self.email = _line("EmailInput", existing.email if existing else "")
        self.email.setPlaceholderText("name@example.com")
        self.add_field("Full &name", self.full_name, "full_name")
        self.add_field("&Email", self.email, "email")
        self.access: AccessPicker | None = None
        if existing is None:
            self.password = _line("PasswordInput", secret=True)
            self.password.setPlaceholderText("at least 10 characters")
            self.confirm = _line("ConfirmInput", secret=True)
            self.add_field("&Password", self.password, "password")
            self.add_field("Con&firm password", self.confirm, "confirm_password")
            self.access = AccessPicker(roles, sub_accounts, parent=self)
            if snapshot.sub_account is not None:
                self.access.choose(snapshot.sub_account.id)
            self.add_field("Access &where", self.access.where, "sub_account")
            self.add_field("&Role", self.access.role, "role")

    def operation(self) -> Callable[[], object]:
        uows, actor, agency_id = self.ctx.uows, self.actor, self.agency_id
        full_name, email = self.full_name.text(), self.email.text()
        if self.existing is not None:
            user_id = self.existing.id
            return lambda: users.update_user(
                uows, actor, agency_id, user_id, full_name=full_name, email=email
            )
        assert self.access is not None
        if self.password.text() != self.confirm.text():
            raise ValidationError("confirm_password", "does not match the password")
        password, role = self.password.text(), self.access.role_id() or ""
        sub_id = self.access.sub_account_id()
        return lambda: users.create_user(
            uows, actor, agency_id, email, password,
            full_name=full_name, role=role, sub_account_id=sub_id,
        )  # fmt: skip
