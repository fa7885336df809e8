"""``ghl-desktop`` without a command: the desktop app.

Only light modules are imported here, so the splash paints at once; the database layer and
the screens are imported on the writer thread while it shows (see ``shell``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ghl_desktop.ui.main_thread_gc import MainThreadGarbageCollector
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.shell import AppShell
from ghl_desktop.ui.theme import Theme, apply_theme

# Set to 1 to print "first-paint <unix time>" when the main window first paints with the
# workspace loaded, then quit (benchmarks/gui_first_paint.py).
EXIT_AFTER_FIRST_PAINT_ENV = "GHL_DESKTOP_EXIT_AFTER_FIRST_PAINT"


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C in the terminal or a TERM from the session quits cleanly (threads stopped,
    database closed). Python runs signal handlers only between bytecodes, so a timer wakes
    the interpreter while Qt's event loop waits."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def run_app(data_dir: str | None, database_url: str | None) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("GHL Desktop")
    app.setOrganizationName("ghl-desktop")
    prefs = Preferences()
    apply_theme(app, Theme.parse(prefs.theme))
    shell = AppShell(
        app, Path(data_dir).expanduser() if data_dir else None, database_url, prefs,
        exit_after_first_paint=os.environ.get(EXIT_AFTER_FIRST_PAINT_ENV) == "1",
    )  # fmt: skip
    _quit_on_signals(app)
    collector = MainThreadGarbageCollector(app)
    collector.start()
    shell.start()
    try:
        code = app.exec()
    finally:
        shell.shutdown()
        collector.stop()
    return code or shell.exit_code
