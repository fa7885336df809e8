"""Change the signed-in user's password (the current one is asked again)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QWidget

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services import auth
from ghl_desktop.services.actor import Actor
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog


def _password_input(name: str) -> QLineEdit:
    line = QLineEdit()
    line.setObjectName(name)
    line.setEchoMode(QLineEdit.EchoMode.Password)
    return line


class ChangePasswordDialog(FormDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None, actor: Actor) -> None:
        super().__init__(ctx, parent, "Change password", "Change password")
        self.actor = actor
        self.current = _password_input("CurrentPassword")
        self.new = _password_input("NewPassword")
        self.new.setPlaceholderText("at least 10 characters")
        self.confirm = _password_input("ConfirmPassword")
        self.add_field("&Current password", self.current, "current_password")
        self.add_field("&New password", self.new, "new_password")
        self.add_field("Con&firm new password", self.confirm, "confirm_password")

    def operation(self) -> Callable[[], object]:
        if self.new.text() != self.confirm.text():
            raise ValidationError("confirm_password", "does not match the new password")
        uows, actor, current, new = self.ctx.uows, self.actor, self.current.text(), self.new.text()
        return lambda: auth.change_password(uows, actor, current, new)
