"""Settings: a list of pages on the left (Sub-accounts, Users, Roles, My account), each shown
only to users who may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
)

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.contacts.settings_custom_fields import CustomFieldsPage
from ghl_desktop.ui.screens.contacts.settings_custom_values import CustomValuesPage
from ghl_desktop.ui.screens.settings_account import AccountPage
from ghl_desktop.ui.screens.settings_roles import RolesPage
from ghl_desktop.ui.screens.settings_sub_accounts import SubAccountsPage
from ghl_desktop.ui.screens.settings_users import UsersPage
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class SettingsPage:
    key: str
    title: str
    factory: Callable[[UiContext, Workspace], Screen]
    is_available: Callable[[WorkspaceSnapshot], bool]


def _can_see_sub_accounts(s: WorkspaceSnapshot) -> bool:
    return s.is_agency_member or s.can("settings.manage")


def _can_manage_sub_account(s: WorkspaceSnapshot) -> bool:
    return s.sub_account is not None and s.can("settings.manage")


PAGES = (
    SettingsPage("sub_accounts", "Sub-accounts", SubAccountsPage, _can_see_sub_accounts),
    SettingsPage("users", "Users", UsersPage, lambda s: s.can_agency("users.manage")),
    SettingsPage("roles", "Roles", RolesPage, lambda s: s.is_agency_member),
    SettingsPage("custom_fields", "Custom fields", CustomFieldsPage, _can_manage_sub_account),
    SettingsPage("custom_values", "Custom values", CustomValuesPage, _can_manage_sub_account),
    SettingsPage("account", "My account", AccountPage, lambda _s: True),
)


class SettingsScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("SettingsScreen")
        heading = QLabel("Settings")
        heading.setProperty("role", "heading")
        self.page_list = QListWidget()
        self.page_list.setObjectName("SettingsNav")
        self.page_list.setAccessibleName("Settings pages")
        self.page_list.setFixedWidth(180)
        self.stack = QStackedWidget()
        self.pages: dict[str, Screen] = {}
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(heading)
        layout.addLayout(body, 1)
        self.page_list.currentItemChanged.connect(self._page_chosen)
        if workspace.snapshot is not None:
            self.workspace_changed(workspace.snapshot)

    def refresh(self) -> None:
        """The pages refresh themselves when shown."""

    def workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        current = self.current_page_key()
        self.page_list.blockSignals(True)
        self.page_list.clear()
        for page in PAGES:
            if page.is_available(snapshot):
                item = QListWidgetItem(page.title)
                # Explicit height: style-sheet padding alone does not size list rows.
                item.setSizeHint(QSize(0, self.page_list.fontMetrics().height() + 16))
                item.setData(KEY_ROLE, page.key)
                self.page_list.addItem(item)
        self.page_list.blockSignals(False)
        keys = self.page_keys()
        self.open_page(current if current in keys else keys[0])

    def page_keys(self) -> list[str]:
        return [str(self.page_list.item(i).data(KEY_ROLE)) for i in range(self.page_list.count())]

    def current_page_key(self) -> str | None:
        item = self.page_list.currentItem()
        return str(item.data(KEY_ROLE)) if item is not None else None

    def open_page(self, key: str) -> Screen:
        """Show a settings page (created on first use) and return it."""
        keys = self.page_keys()
        if key not in keys:
            raise KeyError(f"settings page {key!r} is not available")
        page = self.pages.get(key)
        if page is None:
            spec = next(p for p in PAGES if p.key == key)
            page = spec.factory(self.ctx, self.workspace)
            self.pages[key] = page
            self.stack.addWidget(page)
        self.page_list.blockSignals(True)
        self.page_list.setCurrentRow(keys.index(key))
        self.page_list.blockSignals(False)
        self.stack.setCurrentWidget(page)
        return page

    def _page_chosen(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.open_page(str(current.data(KEY_ROLE)))
