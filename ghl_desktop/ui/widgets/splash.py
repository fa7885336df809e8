"""The first window: painted at once while the database opens (and the demo is created)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


class StartupSplash(QWidget):
    def __init__(self, where: str) -> None:
        super().__init__(None, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("StartupSplash")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFixedSize(420, 170)
        title = QLabel("GHL Desktop")
        title.setProperty("role", "heading")
        self.message = QLabel("Opening your workspace…")
        location = QLabel(where)
        location.setProperty("role", "muted")
        location.setWordWrap(True)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy indicator: opening takes as long as it takes
        bar.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(title)
        layout.addWidget(self.message)
        layout.addWidget(location)
        layout.addStretch(1)
        layout.addWidget(bar)

    def showEvent(self, event: QShowEvent) -> None:
        # No window manager places a splash: centre it on the screen ourselves.
        screen = self.screen().availableGeometry()
        self.move(screen.center() - self.rect().center())
        super().showEvent(event)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
