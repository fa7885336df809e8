"""The GUI hides what the signed-in user may not do (the services still refuse it)."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from ghl_desktop.services import roles, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.settings import PAGES, SettingsScreen
from ghl_desktop.ui.screens.settings_roles import RolesPage
from ghl_desktop.ui.screens.settings_sub_accounts import SubAccountsPage
from tests.ui.conftest import WAIT_MS, OpenWindow, sign_in


def _settings(window: OpenWindow) -> SettingsScreen:
    screen = window.window.open_screen("settings")
    assert isinstance(screen, SettingsScreen)
    return screen


def test_staff_sees_only_their_sub_account_and_their_own_account_page(
    open_window: Callable[[Actor], OpenWindow], ctx: UiContext, demo: DemoResult
) -> None:
    window = open_window(sign_in(ctx, "jane@restaurant.com", demo.password))
    combo = window.window.top_bar.sub_account_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Restaurant Location A"]
    assert window.window.nav.keys()[0] == "dashboard"
    assert window.window.nav.keys()[-1] == "settings"
    assert _settings(window).page_keys() == ["account"]


def test_agency_admin_sees_every_settings_page(
    open_window: Callable[[Actor], OpenWindow], ctx: UiContext, demo: DemoResult
) -> None:
    window = open_window(sign_in(ctx, "admin@digitalmarketing.com", demo.password))
    keys = _settings(window).page_keys()
    assert keys == [page.key for page in PAGES]  # every page, in the declared order
    assert {"sub_accounts", "users", "roles", "account"} <= set(keys)


def test_actions_without_permission_are_hidden(
    qtbot: QtBot,
    open_window: Callable[[Actor], OpenWindow],
    ctx: UiContext,
    demo: DemoResult,
) -> None:
    """A custom agency role that may only read: the pages show, their actions do not."""
    owner = sign_in(ctx, demo.owner_email, demo.password)
    roles.create_role(ctx.uows, owner, demo.agency_id, "Auditor", "agency", ["reporting.read"])
    users.create_user(
        ctx.uows, owner, demo.agency_id, "audit@digitalmarketing.com", "ledger-lantern-77",
        role="Auditor",
    )  # fmt: skip
    window = open_window(sign_in(ctx, "audit@digitalmarketing.com", "ledger-lantern-77"))
    assert window.window.top_bar.agency_name.text() == demo.agency_name
    settings = _settings(window)
    assert "users" not in settings.page_keys()
    assert {"sub_accounts", "roles", "account"} <= set(settings.page_keys())
    sub_page = settings.open_page("sub_accounts")
    assert isinstance(sub_page, SubAccountsPage)
    qtbot.waitUntil(lambda: sub_page.model.rowCount() == 2, timeout=WAIT_MS)
    assert not sub_page.new_button.isVisible()
    assert not sub_page.archive_button.isVisible()
    assert not sub_page.edit_button.isVisible()
    roles_page = settings.open_page("roles")
    assert isinstance(roles_page, RolesPage)
    qtbot.waitUntil(lambda: roles_page.model.rowCount() == 6, timeout=WAIT_MS)
    assert not roles_page.new_button.isVisible()
    assert not roles_page.delete_button.isVisible()
