"""The app's lifecycle end to end: first start creates the demo agency and signs its owner in;
sign out and in again; a later start without automatic sign-in asks for a password."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ghl_desktop.services import auth
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.services.demo.context import AGENCY_NAME, DEMO_PASSWORD, OWNER_EMAIL
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.shell import AppShell

START_MS = 60_000  # the first start migrates a new database and creates the demo


@pytest.fixture
def make_shell(qapp: QApplication, tmp_path: Path) -> Iterator[type[AppShell]]:
    shells: list[AppShell] = []

    def _make(data_dir: Path | None, database_url: str | None = None) -> AppShell:
        shell = AppShell(qapp, data_dir, database_url, Preferences(tmp_path / "prefs.ini"))
        shells.append(shell)
        return shell

    yield _make  # type: ignore[misc]
    for shell in shells:
        shell.shutdown()  # first: closing its windows afterwards must not quit the app
        for window in (shell.window, shell.sign_in_dialog, shell.error_box):
            if window is not None and shiboken6.isValid(window):
                window.close()


def test_first_start_creates_the_demo_and_signs_its_owner_in(
    qtbot: QtBot, make_shell: type[AppShell], tmp_path: Path
) -> None:
    shell = make_shell(tmp_path / "fresh", None)
    shell.start()
    assert shell.splash is not None
    assert shell.splash.isVisible()
    qtbot.waitUntil(
        lambda: shell.workspace is not None and shell.workspace.snapshot is not None,
        timeout=START_MS,
    )
    assert shell.startup is not None
    assert shell.startup.demo_created
    assert shell.splash is None
    window = shell.window
    assert window is not None
    assert window.isVisible()
    assert window.top_bar.agency_name.text() == AGENCY_NAME
    assert window.top_bar.user_label.text() == f"Signed in as {OWNER_EMAIL}"
    assert auth.auto_sign_in(shell.startup.runtime.uows) is not None
    assert window.status.entry_text("database") == "Database: SQLite · ghl_desktop.db"

    # Sign out: the window goes, the sign-in dialog comes; signing in opens a new window.
    dialog = shell.sign_out()
    assert shell.window is None
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.email, OWNER_EMAIL)
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: shell.workspace is not None and shell.workspace.snapshot is not None,
        timeout=START_MS,
    )
    assert shell.window is not None
    assert shell.window.isVisible()


def test_later_start_without_automatic_sign_in_asks_for_a_password(
    qtbot: QtBot,
    make_shell: type[AppShell],
    demo_template: tuple[Path, DemoResult],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "existing"
    shutil.copytree(demo_template[0], folder)
    shell = make_shell(folder, None)
    shell.start()
    qtbot.waitUntil(lambda: shell.sign_in_dialog is not None, timeout=START_MS)
    assert shell.startup is not None
    assert not shell.startup.demo_created
    assert shell.window is None
    assert shell.sign_in_dialog is not None
    assert shell.sign_in_dialog.isVisible()


def test_a_database_that_cannot_open_is_reported(
    qtbot: QtBot, make_shell: type[AppShell], tmp_path: Path
) -> None:
    shell = make_shell(tmp_path / "bad", "mysql://nobody@localhost/nothing")
    shell.start()
    qtbot.waitUntil(lambda: shell.exit_code == 1, timeout=START_MS)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert len(boxes) == 1
    assert "unsupported database URL scheme" in boxes[0].text()
    assert shell.window is None
    assert shell.splash is None
