"""The reply box: channel picker, subject (email), snippets, attachments (email), an SMS
character and segment counter, "internal note" mode, and Send (Ctrl+Return)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.inbox.segments import count_segments

CHANNELS = (("sms", "SMS"), ("email", "Email"), ("whatsapp", "WhatsApp"),
            ("webchat", "Webchat"), ("sandbox", "Sandbox"))  # fmt: skip
SEGMENTED = {"sms", "sandbox", "whatsapp"}


@dataclass(frozen=True)
class Draft:
    channel: str
    body: str
    subject: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    is_note: bool = False


class Composer(QWidget):
    send_requested = Signal(object)  # Draft
    snippet_requested = Signal(str)  # snippet body to render for this contact

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.channel = QComboBox()
        self.channel.setAccessibleName("Channel")
        for key, label in CHANNELS:
            self.channel.addItem(label, key)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("Subject")
        self.subject.setAccessibleName("Subject")
        self.body = QPlainTextEdit()
        self.body.setObjectName("ComposerBody")
        self.body.setAccessibleName("Message")
        self.body.setPlaceholderText("Type a reply… (Ctrl+Enter sends)")
        self.body.setFixedHeight(90)
        self.counter = QLabel()
        self.counter.setObjectName("SegmentCounter")
        self.note = QCheckBox("Internal note")
        self.note.setToolTip("Seen by your team only; never sent to the contact")
        self.snippets_button = QPushButton("Snippets")
        self.snippets_menu = QMenu(self)
        self.snippets_button.setMenu(self.snippets_menu)
        self.attach_button = QPushButton("Attach…")
        self.attachments_label = QLabel()
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("SendButton")
        self.send_button.setDefault(True)
        self.attachments: list[dict[str, Any]] = []
        top = QHBoxLayout()
        top.addWidget(self.channel)
        top.addWidget(self.subject, 1)
        bottom = QHBoxLayout()
        for left in (self.snippets_button, self.attach_button, self.attachments_label):
            bottom.addWidget(left)
        bottom.addStretch(1)
        for right in (self.counter, self.note, self.send_button):
            bottom.addWidget(right)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.body)
        layout.addLayout(bottom)
        self.channel.currentIndexChanged.connect(self._update)
        self.body.textChanged.connect(self._update)
        self.note.toggled.connect(self._update)
        self.attach_button.clicked.connect(self.choose_attachments)
        self.send_button.clicked.connect(self.submit)
        QShortcut(QKeySequence("Ctrl+Return"), self.body, self.submit)
        self._update()

    # -- state -----------------------------------------------------------------------------
    def current_channel(self) -> str:
        return str(self.channel.currentData())

    def set_channel(self, key: str) -> None:
        index = self.channel.findData(key)
        if index >= 0:
            self.channel.setCurrentIndex(index)

    def set_snippets(self, snippets: list[tuple[str, str]]) -> None:
        self.snippets_menu.clear()
        for name, body in snippets:
            action = self.snippets_menu.addAction(name)
            action.triggered.connect(lambda _c=False, b=body: self.snippet_requested.emit(b))
        self.snippets_button.setEnabled(bool(snippets))

    def insert_text(self, text: str) -> None:
        self.body.insertPlainText(text)
        self.body.setFocus()

    def add_attachment(self, path: Path) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.attachments.append({"name": path.name, "path": str(path), "content_type": kind,
                                 "size": path.stat().st_size})  # fmt: skip
        self._update()

    def choose_attachments(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        for path in paths:
            self.add_attachment(Path(path))

    def clear(self) -> None:
        self.body.clear()
        self.subject.clear()
        self.attachments = []
        self.note.setChecked(False)
        self._update()

    def _update(self) -> None:
        channel = self.current_channel()
        is_note = self.note.isChecked()
        self.subject.setVisible(channel == "email" and not is_note)
        self.attach_button.setVisible(channel == "email" and not is_note)
        names = ", ".join(a["name"] for a in self.attachments)
        self.attachments_label.setText(f"Attached: {names}" if names and channel == "email" else "")
        text = self.body.toPlainText()
        if channel in SEGMENTED and not is_note:
            count = count_segments(text)
            unit = "segment" if count.segments == 1 else "segments"
            self.counter.setText(f"{len(text)} chars · {count.segments} {unit} · {count.encoding}")
        else:
            self.counter.setText(f"{len(text)} chars" if text else "")
        self.send_button.setText("Add note" if is_note else "Send")

    def submit(self) -> None:
        body = self.body.toPlainText()
        if not body.strip() and not self.attachments:
            self.body.setFocus()
            return
        channel = self.current_channel()
        self.send_requested.emit(
            Draft(
                channel=channel, body=body,
                subject=self.subject.text().strip() if channel == "email" else "",
                attachments=list(self.attachments) if channel == "email" else [],
                is_note=self.note.isChecked(),
            )
        )  # fmt: skip

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.channel, self.subject, self.body, self.send_button, self.note):
            widget.setEnabled(enabled)
        self.body.setFocusPolicy(Qt.FocusPolicy.StrongFocus if enabled else Qt.FocusPolicy.NoFocus)
