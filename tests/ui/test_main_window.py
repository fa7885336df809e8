"""The main window: the demo agency in the top bar, switching sub-accounts, the navigation
registry, keyboard navigation and the theme toggle."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.main_window import MainWindow
from ghl_desktop.ui.navigation import ScreenSpec, default_screens
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.screens.dashboard import DashboardScreen
from ghl_desktop.ui.screens.settings import SettingsScreen
from ghl_desktop.ui.theme import COLOURS, Theme
from ghl_desktop.ui.workspace import Workspace
from tests.ui.conftest import WAIT_MS, OpenWindow, sign_in


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


def test_navigation_lists_the_registered_screens_in_order(owner_window: OpenWindow) -> None:
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    available = default_screens().available(snapshot)
    nav = owner_window.window.nav
    assert nav.keys() == [spec.key for spec in available]
    assert [nav.item(i).text() for i in range(nav.count())] == [s.title for s in available]
    assert nav.keys()[0] == "dashboard"
    assert nav.keys()[-1] == "settings"


def test_a_registered_screen_appears_in_the_navigation(
    qtbot: QtBot, ctx: UiContext, demo: DemoResult
) -> None:
    """Capabilities add screens by registering them; only registered screens are listed."""

    def reports(_ctx: UiContext, _workspace: Workspace) -> QWidget:
        return QLabel("Reporting")

    registry = default_screens()
    registry.register(ScreenSpec("reporting", "Reporting", 900, reports))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ScreenSpec("reporting", "Reporting", 900, reports))
    workspace = Workspace(ctx, sign_in(ctx, demo.owner_email, demo.password))
    window = MainWindow(ctx, workspace, registry)
    qtbot.addWidget(window)
    window.show()
    workspace.load()
    qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=WAIT_MS)
    assert window.nav.keys()[-2:] == ["reporting", "settings"]
    screen = window.open_screen("reporting")
    assert isinstance(screen, QLabel)
    assert window.stack.currentWidget() is screen


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
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen_key() == "settings", timeout=WAIT_MS)
    assert isinstance(window.stack.currentWidget(), SettingsScreen)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_screen_key() == "dashboard", timeout=WAIT_MS)
    nav = window.nav
    nav.setFocus()
    qtbot.keyClick(nav, Qt.Key.Key_End)
    assert window.current_screen_key() == "settings"
    qtbot.keyClick(nav, Qt.Key.Key_Home)
    assert window.current_screen_key() == "dashboard"


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
