"""Progress of long work run as a background op (an import, a bulk action): a bar, a line of
text and a Cancel button.

``ProgressRelay`` is what the service gets: ``report(done, total)`` and ``cancelled()`` are
called on the worker thread; the report reaches the bar through a queued signal, and Cancel
sets an event the service polls between chunks.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class ProgressRelay(QObject):
    progressed = Signal(int, int)  # done, total

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()

    def report(self, done: int, total: int) -> None:
        """Called by the service on the worker thread."""
        self.progressed.emit(done, total)

    def cancelled(self) -> bool:
        """Polled by the service on the worker thread."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class JobProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobProgress")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(200)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("CancelJob")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar, 2)
        layout.addWidget(self.cancel_button)
        self.relay: ProgressRelay | None = None
        self.cancel_button.clicked.connect(self.cancel)

    def start(self, text: str) -> ProgressRelay:
        """Show the bar for a new job and return the relay to hand to the service."""
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self.show_progress)
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first report
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.setVisible(True)
        return self.relay

    def show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self.bar.setFormat(f"{done:,} of {total:,}")

    def cancel(self) -> None:
        if self.relay is not None:
            self.relay.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self.cancel_requested.emit()

    def finish(self) -> None:
        self.relay = None
        self.setVisible(False)
