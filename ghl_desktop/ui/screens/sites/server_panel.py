"""The funnel server: where visitors reach it, whether it runs, and its settings (saved to
``app_settings``; the server restarts with them)."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.widgets.page_header import PageHeader


class ServerPanel(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = QLabel()
        self.state.setObjectName("ServerState")
        self.state.setWordWrap(True)
        self.host = QLineEdit()
        self.host.setObjectName("ServerHost")
        self.port = QSpinBox()
        self.port.setObjectName("ServerPort")
        self.port.setRange(0, 65535)
        self.public_url = QLineEdit()
        self.public_url.setObjectName("PublicUrl")
        self.public_url.setPlaceholderText("https://pages.example.com (behind a proxy or tunnel)")
        self.proxies = QLineEdit()
        self.proxies.setObjectName("TrustedProxies")
        self.proxies.setPlaceholderText("e.g. 127.0.0.1, 10.0.0.0/8")
        self.fill = QDoubleSpinBox()
        self.fill.setRange(0, 600)
        self.rate = QSpinBox()
        self.rate.setRange(1, 1_000_000)
        self.body = QSpinBox()
        self.body.setRange(1024, 100_000_000)
        form = QFormLayout()
        for label, widget in (
            ("Listen on address", self.host),
            ("Port", self.port),
            ("Public address", self.public_url),
            ("Trusted proxies", self.proxies),
            ("Minimum fill time (s)", self.fill),
            ("Posts per minute per visitor", self.rate),
            ("Largest request (bytes)", self.body),
        ):
            form.addRow(label, widget)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.save_button = QPushButton("Save and restart")
        self.save_button.setObjectName("SaveServer")
        self.save_button.clicked.connect(self.save)
        self.health_button = QPushButton("Open health check")
        self.health_button.clicked.connect(self.open_health)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.health_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Funnel server",
                "Serves your published funnels to visitors. It listens on this computer only "
                "(127.0.0.1) until you put a reverse proxy or tunnel in front and enter its public "
                "address here.",
            )
        )
        layout.addWidget(self.state)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)
        if ctx.funnel_server is not None:
            ctx.funnel_server.changed.connect(self.show_state)

    def refresh(self, can_manage: bool) -> None:
        self.save_button.setEnabled(can_manage)
        self.show_state()
        uows = self.ctx.uows
        ReadOp(self.ctx.ops, self, lambda: server_settings.load(uows)).success(
            self.show_settings
        ).run()

    def show_state(self) -> None:
        host = self.ctx.funnel_server
        if host is None:
            self.state.setText("The funnel server is not part of this window.")
        elif host.is_running:
            self.state.setText(f"Running on {host.url} · visitors use {host.public_url}")
        elif host.error:
            self.state.setText(f"Not running: {host.error}")
        else:
            self.state.setText("Starting…" if host.starting else "Not running")
        self.health_button.setEnabled(host is not None and host.is_running)

    def show_settings(self, settings: ServerSettings) -> None:
        self.host.setText(settings.host)
        self.port.setValue(settings.port)
        self.public_url.setText(settings.public_base_url)
        self.proxies.setText(", ".join(settings.trusted_proxies))
        self.fill.setValue(settings.min_fill_seconds)
        self.rate.setValue(settings.submissions_per_minute)
        self.body.setValue(settings.max_body_bytes)

    def save(self) -> None:
        self.error.clear()
        uows = self.ctx.uows
        changes = {
            "host": self.host.text(),
            "port": self.port.value(),
            "public_base_url": self.public_url.text(),
            "trusted_proxies": self.proxies.text(),
            "min_fill_seconds": self.fill.value(),
            "submissions_per_minute": self.rate.value(),
            "max_body_bytes": self.body.value(),
        }

        def save() -> ServerSettings:
            current = server_settings.load(uows)
            return server_settings.save(uows, current.with_changes(**changes))

        WriteOp(self.ctx.ops, self, save).success(self._saved).failure(
            lambda e: self.error.setText(describe_error(e))
        ).run()

    def _saved(self, settings: ServerSettings) -> None:
        self.show_settings(settings)
        if self.ctx.funnel_server is not None:
            self.ctx.funnel_server.restart()
        self.show_state()

    def open_health(self) -> None:
        host = self.ctx.funnel_server
        if host is not None and host.url:
            QDesktopServices.openUrl(QUrl(f"{host.url}/_health"))
