"""Channel setup: email (SMTP out, IMAP in, inbound-parse webhook token) and Twilio (SMS and
WhatsApp), each with a test button that says what is wrong in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.providers.email_smtp import send_test
from ghl_desktop.providers.twilio_sms import send_test as twilio_send_test
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox import email_imap, email_settings, twilio_settings
from ghl_desktop.services.inbox.email_settings import EmailChannel
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.screens.inbox.webchat_box import WebchatBox
from ghl_desktop.ui.workspace import Workspace


def _load(rt: Runtime, actor: Actor, sub: str) -> EmailChannel | None:
    with rt.uows.tenant(actor, sub, read_only=True) as uow:
        return email_settings.get_email_channel(uow)


def _save(rt: Runtime, actor: Actor, sub: str, values: dict[str, Any]) -> str:
    with rt.uows.tenant(actor, sub) as uow:
        channel_id = email_settings.save_email_channel(uow, rt.secrets, **values)
        uow.commit()
        return channel_id


def _rotate(rt: Runtime, actor: Actor, sub: str) -> str:
    with rt.uows.tenant(actor, sub) as uow:
        token = email_settings.rotate_inbound_token(uow)
        uow.commit()
        return token


def _choose(combo: QComboBox, key: str) -> None:
    combo.setCurrentIndex(max(0, combo.findData(key)))


def _password(field: QLineEdit) -> QLineEdit:
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText("unchanged")
    return field


class ChannelsTab(QScrollArea):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__()
        self.setObjectName("ChannelsTab")
        self.ctx, self.workspace = ctx, workspace
        self.channel: EmailChannel | None = None
        self.smtp_host, self.smtp_port, self.smtp_user = QLineEdit(), QLineEdit(), QLineEdit()
        self.smtp_security = QComboBox()
        for key, label in (("starttls", "STARTTLS (587)"), ("tls", "TLS (465)"), ("none", "None")):
            self.smtp_security.addItem(label, key)
        self.smtp_password = _password(QLineEdit())
        self.from_address, self.from_name = QLineEdit(), QLineEdit()
        self.imap_enabled = QCheckBox("Fetch replies by IMAP")
        self.imap_host, self.imap_port, self.imap_user = QLineEdit(), QLineEdit(), QLineEdit()
        self.imap_security = QComboBox()
        for key, label in (("tls", "TLS (993)"), ("starttls", "STARTTLS (143)"), ("none", "None")):
            self.imap_security.addItem(label, key)
        self.imap_password = _password(QLineEdit())
        self.mailboxes = QLineEdit("INBOX")
        self.test_to = QLineEdit()
        self.test_to.setPlaceholderText("send the test to…")
        self.save_button = QPushButton("Save email settings")
        self.save_button.setObjectName("SaveEmail")
        self.test_smtp_button = QPushButton("Send test email")
        self.test_smtp_button.setObjectName("TestSmtp")
        self.test_imap_button = QPushButton("Test IMAP")
        self.token_button = QPushButton("New inbound-parse token")
        self.result = QLabel()
        self.result.setObjectName("ChannelResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        smtp = QGroupBox("Email: sending (SMTP)")
        form = QFormLayout(smtp)
        smtp_rows = (
            ("Server", self.smtp_host), ("Port", self.smtp_port),
            ("Security", self.smtp_security), ("User name", self.smtp_user),
            ("Password", self.smtp_password), ("From address", self.from_address),
            ("From name", self.from_name),
        )  # fmt: skip
        for label, field in smtp_rows:
            form.addRow(label, field)
        imap = QGroupBox("Email: receiving (IMAP)")
        imap_form = QFormLayout(imap)
        imap_form.addRow(self.imap_enabled)
        imap_rows = (
            ("Server", self.imap_host), ("Port", self.imap_port),
            ("Security", self.imap_security), ("User name", self.imap_user),
            ("Password", self.imap_password), ("Mailboxes", self.mailboxes),
        )  # fmt: skip
        for label, field in imap_rows:
            imap_form.addRow(label, field)
        buttons = QHBoxLayout()
        for widget in (self.save_button, self.test_to, self.test_smtp_button,
                       self.test_imap_button, self.token_button):  # fmt: skip
            buttons.addWidget(widget)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(smtp)
        layout.addWidget(imap)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        self.webchat = WebchatBox(ctx, workspace)
        layout.addWidget(self.webchat)
        layout.addWidget(self._twilio_box())
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.save_button.clicked.connect(self.save)
        self.test_smtp_button.clicked.connect(self.test_smtp)
        self.test_imap_button.clicked.connect(self.test_imap)
        self.token_button.clicked.connect(self.rotate_token)

    def _twilio_box(self) -> QGroupBox:
        box = QGroupBox("SMS and WhatsApp (Twilio)")
        self.twilio_channel = QComboBox()
        self.twilio_channel.addItem("SMS", "sms")
        self.twilio_channel.addItem("WhatsApp", "whatsapp")
        self.twilio_sid, self.twilio_from, self.twilio_service = (
            QLineEdit(),
            QLineEdit(),
            QLineEdit(),
        )
        self.twilio_token = _password(QLineEdit())
        self.twilio_sid.setPlaceholderText("AC…")
        self.twilio_from.setPlaceholderText("+14155550100")
        self.twilio_service.setPlaceholderText("MG… (instead of a number)")
        self.twilio_save = QPushButton("Save Twilio settings")
        self.twilio_test_to = QLineEdit()
        self.twilio_test_to.setPlaceholderText("send a test to… (+14155550123)")
        self.twilio_test = QPushButton("Send test message")
        self.twilio_result = QLabel()
        self.twilio_result.setWordWrap(True)
        form = QFormLayout(box)
        twilio_rows = (
            ("Channel", self.twilio_channel), ("Account SID", self.twilio_sid),
            ("Auth token", self.twilio_token), ("From number", self.twilio_from),
            ("Messaging service", self.twilio_service),
        )  # fmt: skip
        for label, field in twilio_rows:
            form.addRow(label, field)
        test_row = QHBoxLayout()
        test_row.addWidget(self.twilio_save)
        test_row.addWidget(self.twilio_test_to, 1)
        test_row.addWidget(self.twilio_test)
        form.addRow(test_row)
        form.addRow(self.twilio_result)
        self.twilio_save.clicked.connect(self.save_twilio)
        self.twilio_test.clicked.connect(self.test_twilio)
        return box

    # -- loading ---------------------------------------------------------------------------
    def _who(self) -> tuple[Runtime, Actor, str] | None:
        snapshot = self.workspace.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        return self.ctx.runtime, snapshot.actor, snapshot.sub_account.id

    def refresh(self) -> None:
        if (who := self._who()) is not None:
            self.webchat.refresh()
            ReadOp(self.ctx.ops, self, lambda: _load(*who), key="email-channel").success(
                self._show
            ).run()

    def _show(self, channel: EmailChannel | None) -> None:
        self.channel = channel
        smtp = channel.smtp if channel else None
        imap = channel.imap if channel else None
        self.smtp_host.setText(smtp.host if smtp else "")
        self.smtp_port.setText(str(smtp.port) if smtp else "")
        _choose(self.smtp_security, smtp.security if smtp else "starttls")
        self.smtp_user.setText(smtp.username if smtp else "")
        self.from_address.setText(smtp.from_address if smtp else "")
        self.from_name.setText(smtp.from_name if smtp else "")
        self.imap_enabled.setChecked(bool(imap and imap.is_enabled))
        self.imap_host.setText(imap.host if imap else "")
        self.imap_port.setText(str(imap.port) if imap else "")
        _choose(self.imap_security, imap.security if imap else "tls")
        self.imap_user.setText(imap.username if imap else "")
        self.mailboxes.setText(", ".join(imap.mailboxes) if imap else "INBOX")
        if channel is None:
            self.result.setText("Email uses the sandbox until SMTP is set up.")

    # -- actions ---------------------------------------------------------------------------
    def _smtp_values(self) -> dict[str, Any]:
        return {
            "host": self.smtp_host.text(), "port": self.smtp_port.text() or None,
            "security": self.smtp_security.currentData(), "username": self.smtp_user.text(),
            "from_address": self.from_address.text(), "from_name": self.from_name.text(),
        }  # fmt: skip

    def _imap_values(self) -> dict[str, Any] | None:
        if not self.imap_host.text().strip():
            return None
        return {
            "host": self.imap_host.text(), "port": self.imap_port.text() or None,
            "security": self.imap_security.currentData(), "username": self.imap_user.text(),
            "mailboxes": self.mailboxes.text(), "is_enabled": self.imap_enabled.isChecked(),
        }  # fmt: skip

    def _report(self, text: str, ok: bool) -> None:
        self.result.setProperty("role", "success" if ok else "error")
        self.result.setText(("✓ " if ok else "✗ ") + text)

    def _fail(self, error: Exception) -> None:
        self._report(describe_error(error), False)

    def save(self) -> None:
        if (who := self._who()) is None:
            return
        values = {
            "smtp": self._smtp_values(), "imap": self._imap_values(),
            "smtp_password": self.smtp_password.text() or None,
            "imap_password": self.imap_password.text() or None,
        }  # fmt: skip
        WriteOp(self.ctx.ops, self, lambda: _save(*who, values)).success(self._saved).failure(
            self._fail
        ).changes("channel", sub_account_id=who[2]).run()

    def _saved(self, _channel_id: str) -> None:
        self._report("Email settings saved.", True)
        self.refresh()

    def test_smtp(self) -> None:
        if (who := self._who()) is None:
            return
        rt = who[0]
        smtp, typed, to = (
            self._smtp_values(),
            self.smtp_password.text(),
            self.test_to.text().strip(),
        )
        channel_id = self.channel.channel_id if self.channel else None

        def run() -> str:
            settings = email_settings.validate_smtp(smtp)
            key = email_settings.smtp_password_key(channel_id) if channel_id else None
            stored = rt.secrets.get(key) if key else None
            to_address = to or settings.from_address
            return send_test(settings, typed or stored, to_address, clock=rt.clock)

        ReadOp(self.ctx.ops, self, run).success(
            lambda mid: self._report(f"Test email accepted by the server ({mid}).", True)
        ).failure(self._fail).run()

    def test_imap(self) -> None:
        if (who := self._who()) is None:
            return
        rt, values, typed = who[0], self._imap_values(), self.imap_password.text()
        channel_id = self.channel.channel_id if self.channel else None

        def run() -> str:
            settings = email_settings.validate_imap(values or {})
            key = email_settings.imap_password_key(channel_id) if channel_id else None
            stored = rt.secrets.get(key) if key else None
            return email_imap.check_connection(settings, typed or stored)

        ReadOp(self.ctx.ops, self, run).success(
            lambda summary: self._report(f"IMAP works: {summary}", True)
        ).failure(self._fail).run()

    def rotate_token(self) -> None:
        if (who := self._who()) is None:
            return
        host = self.ctx.funnel_server
        base = (host.public_url or host.url) if host is not None else None
        base = base or "http://<funnel server address>"
        WriteOp(self.ctx.ops, self, lambda: _rotate(*who)).success(
            lambda token: self._report(
                f"Inbound-parse address (shown once): {base}/_email/inbound/{who[2]}"
                f"  with header  Authorization: Bearer {token}",
                True,
            )
        ).failure(self._fail).run()

    def save_twilio(self) -> None:
        if (who := self._who()) is None:
            return
        rt, actor, sub = who
        values = {
            "channel": self.twilio_channel.currentData(), "account_sid": self.twilio_sid.text(),
            "auth_token": self.twilio_token.text(), "from_number": self.twilio_from.text() or None,
            "messaging_service_sid": self.twilio_service.text() or None,
        }  # fmt: skip
        WriteOp(self.ctx.ops, self, lambda: twilio_settings.configure_twilio(
            rt.uows, rt.secrets, actor, sub, **values)).success(
            lambda _c: self.twilio_result.setText("✓ Twilio settings saved.")
        ).failure(lambda e: self.twilio_result.setText(f"✗ {describe_error(e)}")).run()  # fmt: skip

    def test_twilio(self) -> None:
        if (who := self._who()) is None:
            return
        rt, _actor, sub = who
        kind, to = ChannelType(str(self.twilio_channel.currentData())), self.twilio_test_to.text()

        def run() -> str:
            channel = twilio_settings.active_twilio_channel(rt.uows, rt.secrets, sub, kind)
            if channel is None:
                raise ValidationError("channel", f"save the Twilio settings for {kind} first")
            return twilio_send_test(channel, to.strip())

        ReadOp(self.ctx.ops, self, run).success(
            lambda sid: self.twilio_result.setText(f"✓ Twilio accepted the test message ({sid}).")
        ).failure(lambda e: self.twilio_result.setText(f"✗ {describe_error(e)}")).run()
