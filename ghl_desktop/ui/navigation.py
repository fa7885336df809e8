"""The left navigation as a registry: each capability registers the screen it brings.

A screen appears only when it exists (registered) and the signed-in user may see it
(``is_available``). Order follows ``order`` (the product's menu order: Dashboard first,
Settings last, capabilities such as Contacts or Conversations in between).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ghl_desktop.ui.context import UiContext
    from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

ScreenFactory = Callable[["UiContext", "Workspace"], QWidget]


def _always(_snapshot: WorkspaceSnapshot) -> bool:
    return True


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    order: int
    factory: ScreenFactory
    is_available: Callable[[WorkspaceSnapshot], bool] = _always


class ScreenRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, ScreenSpec] = {}

    def register(self, spec: ScreenSpec) -> None:
        if spec.key in self._specs:
            raise ValueError(f"screen {spec.key!r} is already registered")
        self._specs[spec.key] = spec

    def specs(self) -> list[ScreenSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.order, s.title))

    def available(self, snapshot: WorkspaceSnapshot) -> list[ScreenSpec]:
        return [s for s in self.specs() if s.is_available(snapshot)]

    def get(self, key: str) -> ScreenSpec:
        return self._specs[key]


def _can_read_contacts(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("contacts.read")


def default_screens() -> ScreenRegistry:
    """Every screen the app has today. A new capability adds its line here."""
    from ghl_desktop.ui.screens.contacts.contacts_screen import ContactsScreen
    from ghl_desktop.ui.screens.contacts.tasks_screen import TasksScreen
    from ghl_desktop.ui.screens.dashboard import DashboardScreen
    from ghl_desktop.ui.screens.settings import SettingsScreen

    registry = ScreenRegistry()
    registry.register(ScreenSpec("dashboard", "Dashboard", 10, DashboardScreen))
    registry.register(ScreenSpec("contacts", "Contacts", 40, ContactsScreen, _can_read_contacts))
    registry.register(ScreenSpec("tasks", "Tasks", 45, TasksScreen, _can_read_contacts))
    registry.register(ScreenSpec("settings", "Settings", 1000, SettingsScreen))
    return registry
