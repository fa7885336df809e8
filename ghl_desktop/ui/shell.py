"""The app's lifecycle: splash → open the database → sign in (or automatic sign-in) → main
window; sign out back to the sign-in dialog; shut the threads and the database down at exit."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ghl_desktop.ui.ops import OpRunner, ReadOp, WriteOp, describe_error
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.widgets.splash import StartupSplash

# The modules below pull in SQLAlchemy, Alembic and every model: they are imported on the
# writer thread (``_open``) while the splash paints, and only then here.
if TYPE_CHECKING:
    from ghl_desktop.services.actor import Actor
    from ghl_desktop.ui.context import UiContext
    from ghl_desktop.ui.dialogs.sign_in import SignInDialog
    from ghl_desktop.ui.main_window import MainWindow
    from ghl_desktop.ui.navigation import ScreenRegistry
    from ghl_desktop.ui.startup import Startup
    from ghl_desktop.ui.workspace import Workspace


class AppShell(QObject):
    def __init__(
        self, app: QApplication, data_dir: Path | None, database_url: str | None,
        prefs: Preferences,
        registry: ScreenRegistry | None = None, *, exit_after_first_paint: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        self.app = app
        self.data_dir = data_dir
        self.database_url = database_url
        self.prefs = prefs
        self.registry = registry
        self.exit_after_first_paint = exit_after_first_paint
        self.ops = OpRunner()
        self.ctx: UiContext | None = None
        self.startup: Startup | None = None
        self.splash: StartupSplash | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.window: MainWindow | None = None
        self.workspace: Workspace | None = None
        self.exit_code = 0
        self.error_box: QMessageBox | None = None
        self._stopping = False

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        where = self.database_url or str(self.data_dir or "the default data folder")
        self.splash = StartupSplash(where)
        self.splash.show()
        data_dir, url = self.data_dir, self.database_url
        progress = _Progress(self.splash)
        progress.message.connect(self.splash.set_message, Qt.ConnectionType.QueuedConnection)
        WriteOp(self.ops, self.splash, lambda: _open(data_dir, url, progress.message.emit)).success(
            self._ready
        ).failure(self._startup_failed).run()

    def _ready(self, startup: Startup) -> None:
        from ghl_desktop.ui.context import UiContext
        from ghl_desktop.ui.embedded_services import start_funnel_server, watch_core_services
        from ghl_desktop.ui.navigation import default_screens
        from ghl_desktop.ui.qt_bridge import QtBridge
        from ghl_desktop.ui.service_status import ServiceStatusRegistry

        self.startup = startup
        if self.registry is None:
            self.registry = default_screens()
        bridge = QtBridge(startup.runtime.bus)
        self.ops.bridge = bridge
        self.ctx = UiContext(startup.runtime, self.ops, bridge, ServiceStatusRegistry(), self.prefs)
        watch_core_services(self.ctx)
        start_funnel_server(self.ctx)
        from ghl_desktop.ui.scheduler_host import start_scheduler

        start_scheduler(self.ctx)
        if startup.auto_actor is not None:
            self.open_main_window(startup.auto_actor)
        else:
            self.ask_sign_in()

    def _startup_failed(self, error: Exception) -> None:
        self.exit_code = 1
        box = QMessageBox(
            QMessageBox.Icon.Critical, "GHL Desktop cannot start",
            f"The workspace could not be opened.\n\n{describe_error(error)}",
        )  # fmt: skip
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: None if self._stopping else self.app.exit(1))
        self.error_box = box  # a window without a parent lives as long as a reference to it
        box.open()
        self._close_splash()

    def _close_splash(self) -> None:
        if self.splash is not None:
            self.splash.close()
            self.splash.deleteLater()
            self.splash = None

    # -- signing in and out ----------------------------------------------------------------
    def ask_sign_in(self) -> SignInDialog:
        from ghl_desktop.ui.dialogs.sign_in import SignInDialog

        assert self.ctx is not None
        dialog = SignInDialog(self.ctx)
        dialog.succeeded.connect(self._signed_in)
        dialog.rejected.connect(self._sign_in_cancelled)
        self.sign_in_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self._close_splash()
        return dialog

    def _signed_in(self, actor: object) -> None:
        from ghl_desktop.services.actor import Actor

        assert isinstance(actor, Actor)
        self.sign_in_dialog = None
        self.open_main_window(actor)

    def _sign_in_cancelled(self) -> None:
        self.sign_in_dialog = None
        if self.window is None and not self._stopping:
            self.app.quit()

    def open_main_window(self, actor: Actor) -> MainWindow:
        from ghl_desktop.ui.main_window import MainWindow
        from ghl_desktop.ui.navigation import warm_up
        from ghl_desktop.ui.workspace import Workspace

        assert self.ctx is not None
        assert self.registry is not None
        self.workspace = Workspace(self.ctx, actor)
        self.window = MainWindow(self.ctx, self.workspace, self.registry)
        self.window.sign_out_requested.connect(self.sign_out)
        if self.exit_after_first_paint:
            self.app.installEventFilter(_FirstPaintProbe(self.app, self.window, self.workspace))
        self.window.show()
        self._close_splash()
        self.workspace.load()
        # The other screens' modules load in the background, ready when first opened.
        registry = self.registry
        ReadOp(self.ops, self.window, lambda: warm_up(registry)).run()
        return self.window

    def sign_out(self) -> SignInDialog:
        """Back to the sign-in dialog (shown first, so closing the window does not quit)."""
        dialog = self.ask_sign_in()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace.deleteLater()
            self.workspace = None
        if self.window is not None:
            window, self.window = self.window, None
            window.close()
            window.deleteLater()
        return dialog

    # -- stop ------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Wait for running operations, then close the database. Safe to call twice."""
        self._stopping = True
        self.ops.shutdown()
        if self.ctx is not None and self.ctx.scheduler is not None:
            self.ctx.scheduler.stop()  # waits for running jobs, hands the lease on
        if self.ctx is not None and self.ctx.funnel_server is not None:
            self.ctx.funnel_server.stop()  # finishes requests in flight, writes queued views
        if self.ctx is not None:
            self.ctx.bridge.close()
        if self.startup is not None:
            self.startup.runtime.close()


class _Progress(QObject):
    """Carries startup messages from the writer thread to the splash."""

    message = Signal(str)


def _open(
    data_dir: Path | None, database_url: str | None, progress: Callable[[str], None]
) -> Startup:
    """On the writer thread: import the heavy modules, then open the workspace."""
    import ghl_desktop.ui.main_window  # noqa: F401 (warms the import cache for the Qt thread)
    from ghl_desktop.ui.startup import prepare

    return prepare(data_dir, database_url, progress)


class _FirstPaintProbe(QObject):
    """Benchmark mode: print when the main window first paints with the workspace loaded,
    then quit."""

    def __init__(self, app: QApplication, window: QWidget, workspace: Workspace) -> None:
        super().__init__(app)
        self._app = app
        self._window = window
        self._workspace = workspace
        self._done = False
        workspace.changed.connect(lambda _s: window.update())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self._done
            and event.type() == QEvent.Type.Paint
            and self._workspace.snapshot is not None
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        ):
            self._done = True
            print(f"first-paint {time.time():.6f}", file=sys.stdout, flush=True)
            QTimer.singleShot(0, self._app.quit)
        return False
