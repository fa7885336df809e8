"""Hold reads back until a list's first rows are painted (see ``PaintGate``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

T = TypeVar("T")

FALLBACK_MS = 250  # opens the gate if no paint comes (a view hidden meanwhile)
WAIT_LIMIT_S = 1.0  # a reader never waits longer, whatever happens on the Qt side


class PaintGate(QObject):
    """A gate the reads that follow a list's first rows (its count, the tabs' counts, the
    lookups) pass on their reader thread: ``arm()`` when the rows arrive, and the gate opens
    once the widget (the table's viewport) has painted them. Started at once, those reads
    would compete with Qt for the interpreter while it lays out and paints; waiting here they
    hold no lock, and the operations still count as running (so "idle" keeps its meaning).
    A hidden widget never holds anything back."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._open = threading.Event()
        self._open.set()
        self._armed = False
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(FALLBACK_MS)
        self._fallback.timeout.connect(self._let_through)
        widget.installEventFilter(self)

    def arm(self) -> None:
        """Close the gate until the next paint (Qt thread)."""
        if not self._widget.isVisible():
            return
        self._armed = True
        self._open.clear()
        self._fallback.start()

    def wait(self) -> None:
        """Block until the gate is open (reader threads)."""
        self._open.wait(WAIT_LIMIT_S)

    def after_paint(self, read: Callable[[], T]) -> Callable[[], T]:
        """``read`` to run on a reader thread once the gate is open."""

        def gated() -> T:
            self.wait()
            return read()

        return gated

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if self._armed and event.type() == QEvent.Type.Paint:
            self._armed = False
            QTimer.singleShot(0, self._let_through)  # once this paint is done
        return False

    def _let_through(self) -> None:
        self._armed = False
        self._fallback.stop()
        self._open.set()
