"""Python's cyclic garbage collector, run on the Qt thread only.

Left alone, the collector runs in whichever thread happens to allocate when a generation's
threshold is crossed: a reader-pool thread, the scheduler's, the funnel server's. If the cycle it
frees holds a Qt widget (a closure connected to a signal that captures its dialog is enough), the
widget's C++ destructor then runs off the GUI thread and the process crashes at random, long after
the code that made the cycle. So automatic collection is switched off and a timer on the Qt
thread does the same generational work (Anki does the same for the same reason).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1_000


def collect_on_this_thread() -> int:
    """Collect the oldest generation whose threshold is crossed, as the automatic collector
    would; returns the generation collected, or -1 when none was due."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return generation
    return -1


class MainThreadGarbageCollector(QObject):
    """Owns the switch: ``start()`` disables automatic collection and starts the timer,
    ``stop()`` collects once more and gives automatic collection back."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(collect_on_this_thread)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        gc.enable()
