"""The left navigation as a registry: each capability registers the screen it brings.

A screen appears only when it exists (registered) and the signed-in user may see it
(``is_available``). Order follows ``order`` (the product's menu order: Dashboard first,
Settings last, capabilities such as Contacts or Conversations in between).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ghl_desktop.ui.context import UiContext
    from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

ScreenFactory = Callable[["UiContext", "Workspace"], QWidget]
# A navigation badge (a count beside the title, e.g. unread conversations): called once per
# window with a setter; returns the object that keeps the count current (kept alive by the
# window).
BadgeFactory = Callable[["UiContext", "Workspace", Callable[[int], None]], QObject]


def _always(_snapshot: WorkspaceSnapshot) -> bool:
    return True


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    order: int
    factory: ScreenFactory
    is_available: Callable[[WorkspaceSnapshot], bool] = _always
    badge: BadgeFactory | None = None


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


def _can_read_calendars(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("calendars.read")


def _can_read_opportunities(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("opportunities.read")


def _can_read_conversations(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("conversations.read")


def _inbox_badge(ctx: UiContext, workspace: Workspace, setter: Callable[[int], None]) -> QObject:
    from ghl_desktop.ui.screens.inbox.badge import InboxBadge

    return InboxBadge(ctx, workspace, setter)


def _can_read_sites(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("sites.read")


def _can_read_outbox(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("outbox.read")


def _can_read_workflows(snapshot: WorkspaceSnapshot) -> bool:
    return snapshot.sub_account is not None and snapshot.can("workflows.read")


class LazyScreen:
    """A screen factory that imports the screen's module on first use, so the app's first
    paint does not wait for every capability's imports (``warm_up`` imports them later,
    off the Qt thread)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def load(self) -> ScreenFactory:
        factory: ScreenFactory = getattr(importlib.import_module(self.module), self.name)
        return factory

    def __call__(self, ctx: UiContext, workspace: Workspace) -> QWidget:
        return self.load()(ctx, workspace)


def warm_up(registry: ScreenRegistry) -> None:
    """Import every lazily registered screen (call on a worker thread)."""
    for spec in registry.specs():
        if isinstance(spec.factory, LazyScreen):
            spec.factory.load()


def default_screens() -> ScreenRegistry:
    """Every screen the app has today. A new capability adds its line here."""
    from ghl_desktop.ui.screens.dashboard import DashboardScreen

    contacts = "ghl_desktop.ui.screens.contacts"
    registry = ScreenRegistry()
    registry.register(ScreenSpec("dashboard", "Dashboard", 10, DashboardScreen))
    registry.register(
        ScreenSpec(
            "calendars", "Calendars", 60,
            LazyScreen("ghl_desktop.ui.screens.calendars.calendars_screen", "CalendarsScreen"),
            _can_read_calendars,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "contacts", "Contacts", 40,
            LazyScreen(f"{contacts}.contacts_screen", "ContactsScreen"), _can_read_contacts,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "tasks", "Tasks", 45,
            LazyScreen(f"{contacts}.tasks_screen", "TasksScreen"), _can_read_contacts,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "opportunities", "Opportunities", 50,
            LazyScreen("ghl_desktop.ui.screens.pipelines.opportunities_screen",
                       "OpportunitiesScreen"),
            _can_read_opportunities,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "conversations", "Conversations", 50,
            LazyScreen("ghl_desktop.ui.screens.inbox.inbox_screen", "InboxScreen"),
            _can_read_conversations, badge=_inbox_badge,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "automation", "Automation", 85,
            LazyScreen("ghl_desktop.ui.screens.workflows.workflows_screen", "WorkflowsScreen"),
            _can_read_workflows,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "outbox", "Outbox", 88,
            LazyScreen("ghl_desktop.ui.screens.outbox.outbox_screen", "OutboxScreen"),
            _can_read_outbox,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "sites", "Sites", 90,
            LazyScreen("ghl_desktop.ui.screens.sites.sites_screen", "SitesScreen"),
            _can_read_sites,
        )
    )  # fmt: skip
    registry.register(
        ScreenSpec(
            "settings", "Settings", 1000,
            LazyScreen("ghl_desktop.ui.screens.settings", "SettingsScreen"),
        )
    )  # fmt: skip
    return registry
