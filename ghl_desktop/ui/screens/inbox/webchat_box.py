"""The webchat part of channel setup: the script tag to paste into any website (or a funnel
page's Custom HTML block), the origins allowed to use it, and the widget's title and greeting."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox import webchat
from ghl_desktop.services.inbox.webchat import WidgetConfig
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp, describe_error
from ghl_desktop.ui.workspace import Workspace


def _load(rt: Runtime, actor: Actor, sub: str) -> WidgetConfig:
    with rt.uows.tenant(actor, sub) as uow:
        config = webchat.widget_settings(uow)  # makes the channel and key on first use
        uow.commit()
        return config


def _save(
    rt: Runtime, actor: Actor, sub: str, origins: list[str], title: str, greeting: str
) -> WidgetConfig:
    with rt.uows.tenant(actor, sub) as uow:
        config = webchat.save_widget_settings(
            uow, allowed_origins=origins, title=title, greeting=greeting
        )
        uow.commit()
        return config


def embed_snippet(base_url: str, key: str) -> str:
    return f'<script src="{base_url.rstrip("/")}/_webchat/widget.js?key={key}" async></script>'


class WebchatBox(QGroupBox):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__("Webchat widget")
        self.ctx, self.workspace = ctx, workspace
        self.snippet = QLineEdit()
        self.snippet.setObjectName("WebchatSnippet")
        self.snippet.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        self.origins = QPlainTextEdit()
        self.origins.setObjectName("WebchatOrigins")
        self.origins.setPlaceholderText("https://www.example.com (one per line)")
        self.origins.setFixedHeight(70)
        self.title_edit, self.greeting = QLineEdit(), QLineEdit()
        self.save_button = QPushButton("Save webchat settings")
        self.result = QLabel()
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.snippet, 1)
        row.addWidget(self.copy_button)
        form = QFormLayout(self)
        form.addRow("Embed code", row)
        form.addRow("Allowed websites", self.origins)
        form.addRow("Title", self.title_edit)
        form.addRow("Greeting", self.greeting)
        form.addRow(self.save_button)
        form.addRow(self.result)
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.snippet.text())
        )
        self.save_button.clicked.connect(self.save)

    def _who(self) -> tuple[Runtime, Actor, str] | None:
        snapshot = self.workspace.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        return self.ctx.runtime, snapshot.actor, snapshot.sub_account.id

    def refresh(self) -> None:
        if (who := self._who()) is not None:
            WriteOp(self.ctx.ops, self, lambda: _load(*who)).success(self.show_config).run()

    def show_config(self, config: WidgetConfig) -> None:
        host = self.ctx.funnel_server
        base = (host.public_url or host.url) if host is not None else None
        self.snippet.setText(embed_snippet(base or "http://127.0.0.1:8787", config.key))
        self.origins.setPlainText("\n".join(config.allowed_origins))
        self.title_edit.setText(config.title)
        self.greeting.setText(config.greeting)

    def save(self) -> None:
        if (who := self._who()) is None:
            return
        origins = self.origins.toPlainText().split()
        title, greeting = self.title_edit.text(), self.greeting.text()
        WriteOp(self.ctx.ops, self, lambda: _save(*who, origins, title, greeting)).success(
            self._saved
        ).failure(lambda error: self.result.setText(f"✗ {describe_error(error)}")).run()

    def _saved(self, config: WidgetConfig) -> None:
        self.show_config(config)
        self.result.setText("✓ Webchat settings saved.")
