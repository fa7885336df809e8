"""Sign in with email and password. Wrong passwords and lockouts are explained in the form."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QWidget

from ghl_desktop.services import auth
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog


class SignInDialog(FormDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx, parent, "Sign in · GHL Desktop", "Sign in", heading="Sign in to your agency"
        )
        self.heading.setProperty("role", "heading")
        self.email = QLineEdit(ctx.prefs.last_email)
        self.email.setObjectName("EmailInput")
        self.email.setPlaceholderText("you@agency.com")
        self.password = QLineEdit()
        self.password.setObjectName("PasswordInput")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field("&Email", self.email, "email")
        self.add_field("&Password", self.password, "password")
        (self.password if self.email.text() else self.email).setFocus()

    def operation(self) -> Callable[[], object]:
        uows, email, password = self.ctx.uows, self.email.text().strip(), self.password.text()
        self.ctx.prefs.last_email = email
        return lambda: auth.sign_in(uows, email, password)

    def show_error(self, error: Exception) -> None:
        super().show_error(error)
        self.password.clear()
        self.password.setFocus()
