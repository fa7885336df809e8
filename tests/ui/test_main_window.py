"""The main window: the demo agency in the top bar, switching sub-accounts, the navigation
registry, keyboard navigation and the theme toggle."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.screens.dashboard import DashboardScreen
from ghl_desktop.ui.screens.settings import SettingsScreen
from ghl_desktop.ui.theme import COLOURS, Theme
from tests.ui.conftest import WAIT_MS, OpenWindow


def test_window_shows_the_demo_agency_and_its_sub_accounts(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    bar = owner_window.window.top_bar
    assert bar.agency_name.text() == "Digital Marketing Co"
    combo = bar.sub_account_combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == sorted(demo.sub_accounts)
    assert bar.user_label.text() == f"Signed in as {demo.owner_email}"
    dashboard = owner_window.window.open_screen("dashboard")
    assert isinstance(dashboard, DashboardScreen)
    qtbot.waitUntil(lambda: dashboard.heading.text() == combo.currentText(), timeout=WAIT_MS)
    assert "Digital Marketing Co" in owner_window.window.windowTitle()


def test_navigation_lists_only_existing_screens(owner_window: OpenWindow) -> None:
    assert owner_window.window.nav.keys() == ["dashboard", "settings"]
    titles = [owner_window.window.nav.item(i).text() for i in range(2)]
    assert titles == ["Dashboard", "Settings"]


def test_switching_sub_account_updates_the_dashboard(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    window = owner_window.window
    dashboard = window.open_screen("dashboard")
    assert isinstance(dashboard, DashboardScreen)
    owner_window.settle(qtbot)
    combo = window.top_bar.sub_account_combo
    target = "Restaurant Location B"
    assert combo.currentText() != target
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # keyboard: the next sub-account
    qtbot.waitUntil(
        lambda: (
            owner_window.workspace.snapshot is not None
            and owner_window.workspace.snapshot.sub_account is not None
            and owner_window.workspace.snapshot.sub_account.name == target
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: dashboard.heading.text() == target, timeout=WAIT_MS)
    assert dashboard.timezone_card.value.text() == "America/Chicago"
    assert window.windowTitle().startswith(target)
    # The choice is remembered for the next sign-in.
    user_id = owner_window.workspace.user_id
    assert owner_window.ctx.prefs.last_sub_account(user_id) == demo.sub_accounts[target]


def test_keyboard_shortcuts_move_between_screens(qtbot: QtBot, owner_window: OpenWindow) -> None:
    window = owner_window.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen_key() == "settings", timeout=WAIT_MS)
    assert isinstance(window.stack.currentWidget(), SettingsScreen)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen_key() == "dashboard", timeout=WAIT_MS)
    nav = window.nav
    nav.setFocus()
    qtbot.keyClick(nav, Qt.Key.Key_Down)
    assert window.current_screen_key() == "settings"


def test_theme_toggle_applies_and_persists(qtbot: QtBot, owner_window: OpenWindow) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = owner_window.window
    action = window.dark_theme_action
    assert not action.isChecked()
    light_window = app.palette().color(QPalette.ColorRole.Window).name()
    assert light_window == COLOURS[Theme.LIGHT]["window"]
    action.trigger()
    assert app.palette().color(QPalette.ColorRole.Window).name() == COLOURS[Theme.DARK]["window"]
    assert COLOURS[Theme.DARK]["nav"] in app.styleSheet()
    prefs_file = owner_window.ctx.prefs.file_name
    assert Preferences(Path(prefs_file)).theme == "dark"
    action.trigger()
    assert app.palette().color(QPalette.ColorRole.Window).name() == light_window
    assert owner_window.ctx.prefs.theme == "light"


def test_status_bar_reports_the_database_and_the_event_bus(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    from ghl_desktop.ui.embedded_services import watch_core_services

    watch_core_services(owner_window.ctx)
    status = owner_window.window.status
    qtbot.waitUntil(lambda: status.entry_text("database") != "", timeout=WAIT_MS)
    assert status.entry_text("database") == "Database: SQLite · ghl_desktop.db"
    assert status.entry_text("event_bus") == "Events: running"
