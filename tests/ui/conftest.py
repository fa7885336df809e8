"""UI fixtures: a fresh runtime per test (the demo agency copied from a template made once per
session), a UI context whose threads are shut down after the test, and helpers that open the
main window for a user and wait for background operations."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services import auth
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.demo import DemoResult, create_demo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.main_window import MainWindow
from ghl_desktop.ui.navigation import default_screens
from ghl_desktop.ui.ops import OpRunner
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.qt_bridge import QtBridge
from ghl_desktop.ui.service_status import ServiceStatusRegistry
from ghl_desktop.ui.theme import Theme, apply_theme
from ghl_desktop.ui.workspace import Workspace

WAIT_MS = 10_000


def _build(data_dir: Path, clock: FixedClock) -> Runtime:
    secrets = EncryptedFileSecretStore(data_dir / "secrets" / "secrets.enc")
    return build_runtime(data_dir, None, clock=clock, secrets=secrets)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    """A migrated data directory holding the demo agency, made once (argon2 hashing for every
    demo user makes the demo slow to create)."""
    folder = tmp_path_factory.mktemp("demo-template") / "data"
    runtime = _build(folder, FixedClock())
    try:
        result = create_demo(runtime.uows)
    finally:
        runtime.close()
    return folder, result


@pytest.fixture
def demo(demo_template: tuple[Path, DemoResult]) -> DemoResult:
    return demo_template[1]


@pytest.fixture
def demo_runtime(
    demo_template: tuple[Path, DemoResult], tmp_path: Path, clock: FixedClock
) -> Iterator[Runtime]:
    folder = tmp_path / "data"
    shutil.copytree(demo_template[0], folder)
    runtime = _build(folder, clock)
    yield runtime
    runtime.close()


def make_ctx(runtime: Runtime, prefs_path: Path) -> UiContext:
    bridge = QtBridge(runtime.bus)
    return UiContext(
        runtime, OpRunner(bridge), bridge, ServiceStatusRegistry(), Preferences(prefs_path)
    )


def close_ctx(ctx: UiContext) -> None:
    ctx.ops.shutdown()
    ctx.bridge.close()


@pytest.fixture
def ctx(demo_runtime: Runtime, tmp_path: Path, qapp: object) -> Iterator[UiContext]:
    """The UI context over the demo runtime; its threads stop before the runtime closes."""
    context = make_ctx(demo_runtime, tmp_path / "prefs.ini")
    yield context
    close_ctx(context)


@pytest.fixture
def plain_ctx(runtime: Runtime, tmp_path: Path, qapp: object) -> Iterator[UiContext]:
    """The UI context over an empty migrated runtime (no demo: for the plumbing tests)."""
    context = make_ctx(runtime, tmp_path / "prefs.ini")
    yield context
    close_ctx(context)


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_qt_thread() -> Iterator[None]:
    """As in the app (``ui.main_thread_gc``): no automatic collection while a test runs, so a
    reader thread never frees a cycle holding a widget; the test's garbage is collected here,
    on the Qt thread, after its widgets are closed and its threads stopped (this fixture is
    set up first, so it is torn down last)."""
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture(autouse=True)
def _light_theme(qapp: object) -> Iterator[None]:
    """Every test starts (and leaves the app) in the light theme, with no message box open."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.LIGHT)
    yield
    apply_theme(app, Theme.LIGHT)
    # A message box left open by a failed test must not show up in the next one.
    # (Deleted, not closed: closing the startup error box would ask the app to exit.)
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox):
            widget.deleteLater()


def wait_idle(qtbot: QtBot, ctx: UiContext) -> None:
    """Wait until every background operation has reported back."""
    qtbot.waitUntil(lambda: ctx.ops.idle, timeout=WAIT_MS)


D = TypeVar("D", bound=QWidget)


def find_dialog(qtbot: QtBot, parent: QWidget, cls: type[D]) -> D:
    """The visible dialog of ``cls`` opened on top of ``parent`` (dialogs open with open())."""
    found: list[D] = []

    def visible() -> bool:
        found[:] = [d for d in parent.findChildren(cls) if d.isVisible()]
        return len(found) == 1

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible(), f"{button.text()!r} is hidden"
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def sign_in(ctx: UiContext, email: str, password: str) -> Actor:
    return auth.sign_in(ctx.uows, email, password)


@dataclass
class OpenWindow:
    window: MainWindow
    workspace: Workspace
    ctx: UiContext

    def settle(self, qtbot: QtBot) -> None:
        wait_idle(qtbot, self.ctx)


@pytest.fixture
def open_window(qtbot: QtBot, ctx: UiContext) -> Callable[[Actor], OpenWindow]:
    """Open the main window for an actor and wait until its workspace has loaded."""
    opened: list[OpenWindow] = []

    def _open(actor: Actor) -> OpenWindow:
        workspace = Workspace(ctx, actor)
        window = MainWindow(ctx, workspace, default_screens())
        qtbot.addWidget(window)
        window.show()
        workspace.load()
        qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=WAIT_MS)
        wait_idle(qtbot, ctx)
        result = OpenWindow(window, workspace, ctx)
        opened.append(result)
        return result

    return _open


@pytest.fixture
def owner_window(
    open_window: Callable[[Actor], OpenWindow], ctx: UiContext, demo: DemoResult
) -> OpenWindow:
    """The main window signed in as the demo agency's owner."""
    return open_window(sign_in(ctx, demo.owner_email, demo.password))
