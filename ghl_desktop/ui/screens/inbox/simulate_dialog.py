"""Simulate an inbound message on the sandbox channel: from a phone number or email, with a
text. What a real provider would deliver, without one (fresh installs, demos, tests)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)


class SimulateInboundDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, from_address: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Simulate inbound message")
        self.from_address = QLineEdit(from_address)
        self.from_address.setPlaceholderText("+14155550123 or ann@example.com")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("Hi! Do you have availability tomorrow?")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Deliver")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("From", self.from_address)
        form.addRow("Message", self.body)
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        return self.from_address.text().strip(), self.body.toPlainText()
