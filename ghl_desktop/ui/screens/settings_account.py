"""Settings → My account: who is signed in, change password, automatic sign-in."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QPushButton, QVBoxLayout

from ghl_desktop.services import auth
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.change_password import ChangePasswordDialog
from ghl_desktop.ui.ops import ReadOp, WriteOp, show_error
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.workspace import Workspace


class AccountPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("AccountPage")
        self.email = QLabel(workspace.actor.label)
        self.email.setObjectName("AccountEmail")
        self.change_password_button = QPushButton("&Change password…")
        self.change_password_button.setObjectName("ChangePassword")
        self.auto_sign_in = QCheckBox(
            "Sign me in &automatically when GHL Desktop starts on this computer"
        )
        self.auto_sign_in.setObjectName("AutoSignIn")
        self.auto_sign_in.setEnabled(False)  # until the current value is known
        note = QLabel(
            "Only turn this on if nobody else uses your account on this computer: anyone who "
            "opens the app gets your access."
        )
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Signed in as", self.email)
        form.addRow("Password", self.change_password_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(PageHeader("My account", "Your sign-in on this computer."))
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addWidget(self.auto_sign_in)
        layout.addWidget(note)
        layout.addStretch(1)
        self.change_password_button.clicked.connect(self.change_password)
        self.auto_sign_in.toggled.connect(self._auto_sign_in_toggled)

    def refresh(self) -> None:
        uows, actor = self.ctx.uows, self.workspace.actor
        ReadOp(
            self.ctx.ops, self, lambda: auth.auto_sign_in_enabled(uows, actor), key="auto"
        ).success(self._show_auto_sign_in).run()

    def _show_auto_sign_in(self, enabled: bool) -> None:
        self.auto_sign_in.blockSignals(True)
        self.auto_sign_in.setChecked(enabled)
        self.auto_sign_in.blockSignals(False)
        self.auto_sign_in.setEnabled(True)

    def _auto_sign_in_toggled(self, enabled: bool) -> None:
        uows, actor = self.ctx.uows, self.workspace.actor
        self.auto_sign_in.setEnabled(False)
        WriteOp(self.ctx.ops, self, lambda: auth.set_auto_sign_in(uows, actor, enabled)).success(
            lambda _r: self.auto_sign_in.setEnabled(True)
        ).failure(self._auto_sign_in_failed).run()

    def _auto_sign_in_failed(self, error: Exception) -> None:
        show_error(self, error)
        self.refresh()

    def change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.ctx, self, self.workspace.actor)
        dialog.open()
        return dialog
