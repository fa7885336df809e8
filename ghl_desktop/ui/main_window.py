"""The main window: top bar (agency and sub-account switchers), left navigation built from the
screen registry, the current screen, and the service status bar."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.change_password import ChangePasswordDialog
from ghl_desktop.ui.navigation import ScreenRegistry
from ghl_desktop.ui.theme import Theme, apply_theme, current_theme
from ghl_desktop.ui.widgets.nav_bar import NavBar
from ghl_desktop.ui.widgets.service_status_bar import ServiceStatusBar
from ghl_desktop.ui.widgets.top_bar import TopBar
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot


class MainWindow(QMainWindow):
    sign_out_requested = Signal()

    def __init__(self, ctx: UiContext, workspace: Workspace, registry: ScreenRegistry) -> None:
        super().__init__()
        self.ctx = ctx
        self.workspace = workspace
        self.registry = registry
        self.setObjectName("MainWindow")
        self.setWindowTitle("GHL Desktop")
        self.setMinimumSize(960, 600)
        self.resize(1280, 800)
        if (geometry := ctx.prefs.window_geometry) is not None:
            self.restoreGeometry(geometry)
        self.top_bar = TopBar()
        self.nav = NavBar()
        self.stack = QStackedWidget()
        self.stack.setObjectName("ScreenStack")
        self.screens: dict[str, QWidget] = {}
        self.badges: dict[str, object] = {}  # screen key -> the object keeping its badge current
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top_bar)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)
        self.status = ServiceStatusBar(ctx.status, ctx.ops)
        self.setStatusBar(self.status)
        self._build_menus()
        self.top_bar.agency_chosen.connect(workspace.switch_agency)
        self.top_bar.sub_account_chosen.connect(workspace.switch_sub_account)
        self.nav.screen_chosen.connect(self.open_screen)
        workspace.changed.connect(self._workspace_changed)
        if workspace.snapshot is not None:
            self._workspace_changed(workspace.snapshot)

    # -- menus -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.go_menu: QMenu = self.menuBar().addMenu("&Go")
        self.switch_action = QAction("&Switch sub-account…", self)
        self.switch_action.setShortcut(QKeySequence("Ctrl+K"))
        self.switch_action.triggered.connect(self.focus_sub_account_switcher)
        view_menu = self.menuBar().addMenu("&View")
        self.dark_theme_action = QAction("&Dark theme", self)
        self.dark_theme_action.setCheckable(True)
        self.dark_theme_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.dark_theme_action.setChecked(self._app_theme() is Theme.DARK)
        self.dark_theme_action.toggled.connect(self.set_dark_theme)
        view_menu.addAction(self.dark_theme_action)
        account_menu = self.menuBar().addMenu("&Account")
        my_account = QAction("&My account", self)
        my_account.triggered.connect(lambda: self.open_settings_page("account"))
        change_password = QAction("&Change password…", self)
        change_password.triggered.connect(self.change_password)
        account_menu.addAction(my_account)
        account_menu.addAction(change_password)
        account_menu.addSeparator()
        account_menu.addAction(self.sign_out_action)

    def _rebuild_go_menu(self) -> None:
        self.go_menu.clear()
        # Settings keeps Ctrl+, (the usual preferences key) however many screens come before
        # it; the others take Ctrl+1..9 in menu order.
        keys: list[str] = self.nav.keys()
        numbered = [k for k in keys if k != "settings"]
        for key in keys:
            action = QAction(self.registry.get(key).title, self.go_menu)
            if key == "settings":
                action.setShortcut(QKeySequence("Ctrl+,"))
            elif (position := numbered.index(key) + 1) <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+{position}"))
            action.triggered.connect(lambda _checked=False, k=key: self.nav.select(k))
            self.go_menu.addAction(action)
        self.go_menu.addSeparator()
        self.go_menu.addAction(self.switch_action)

    # -- screens ---------------------------------------------------------------------------
    def open_screen(self, key: str) -> QWidget:
        """Show a screen (created on first use) and return it."""
        screen = self.screens.get(key)
        if screen is None:
            screen = self.registry.get(key).factory(self.ctx, self.workspace)
            self.screens[key] = screen
            self.stack.addWidget(screen)
        if self.nav.current_key() != key:
            self.nav.select(key)
        self.stack.setCurrentWidget(screen)
        return screen

    def current_screen_key(self) -> str | None:
        return self.nav.current_key()

    def open_settings_page(self, page: str) -> QWidget:
        from ghl_desktop.ui.screens.settings import SettingsScreen

        settings = self.open_screen("settings")
        assert isinstance(settings, SettingsScreen)
        return settings.open_page(page)

    def _workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        self.top_bar.show_snapshot(snapshot)
        available = self.registry.available(snapshot)
        self.nav.set_screens(available)
        for spec in available:
            if spec.badge is not None and spec.key not in self.badges:
                setter = lambda n, k=spec.key: self.nav.set_badge(k, n)  # noqa: E731
                self.badges[spec.key] = spec.badge(self.ctx, self.workspace, setter)
        shown = set(self.nav.keys())
        for key in list(self.screens):
            if key not in shown:
                gone = self.screens.pop(key)
                self.stack.removeWidget(gone)
                gone.deleteLater()
        self._rebuild_go_menu()
        where = [s.name for s in (snapshot.sub_account, snapshot.agency) if s is not None]
        self.setWindowTitle(" · ".join([*where, "GHL Desktop"]))

    def focus_sub_account_switcher(self) -> None:
        combo = self.top_bar.sub_account_combo
        combo.setFocus()
        if combo.isEnabled():
            combo.showPopup()

    # -- account and view ------------------------------------------------------------------
    def change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.ctx, self, self.workspace.actor)
        dialog.open()
        return dialog

    @staticmethod
    def _app_theme() -> Theme:
        app = QApplication.instance()
        return current_theme(app) if isinstance(app, QApplication) else Theme.LIGHT

    def set_dark_theme(self, dark: bool) -> None:
        theme = Theme.DARK if dark else Theme.LIGHT
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        self.ctx.prefs.theme = theme.value
        if self.dark_theme_action.isChecked() != dark:
            self.dark_theme_action.setChecked(dark)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.prefs.window_geometry = self.saveGeometry()
        super().closeEvent(event)
