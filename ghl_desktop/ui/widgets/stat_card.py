"""A small card with a title, a value and an optional caption (dashboard figures)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class StatCard(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setMinimumWidth(170)
        self.title = QLabel(title)
        self.title.setProperty("role", "card-title")
        self.value = QLabel("—")
        self.value.setProperty("role", "card-value")
        self.value.setTextInteractionFlags(self.value.textInteractionFlags())
        self.caption = QLabel()
        self.caption.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, value: str, caption: str = "") -> None:
        # The caption keeps its line even when empty, so values line up across cards.
        self.value.setText(value)
        self.caption.setText(caption or " ")
