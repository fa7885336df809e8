"""My account (change password, automatic sign-in) and the dashboard's summary."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ghl_desktop.core.errors import AuthenticationFailed
from ghl_desktop.services import agencies, auth
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.dialogs.change_password import ChangePasswordDialog
from ghl_desktop.ui.models.activity import WHAT, WHO
from ghl_desktop.ui.ops import WriteOp
from ghl_desktop.ui.screens.dashboard import ACTIVITY_ROWS, DashboardScreen
from ghl_desktop.ui.screens.settings_account import AccountPage
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog

NEW_PASSWORD = "harbour-lights-2027"


def _account(qtbot: QtBot, owner_window: OpenWindow) -> AccountPage:
    page = owner_window.window.open_settings_page("account")
    assert isinstance(page, AccountPage)
    qtbot.waitUntil(page.auto_sign_in.isEnabled, timeout=WAIT_MS)
    return page


def test_change_password(qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult) -> None:
    page = _account(qtbot, owner_window)
    click(qtbot, page.change_password_button)
    dialog = find_dialog(qtbot, page, ChangePasswordDialog)
    qtbot.keyClicks(dialog.current, "not-my-password")
    qtbot.keyClicks(dialog.new, NEW_PASSWORD)
    qtbot.keyClicks(dialog.confirm, NEW_PASSWORD)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=WAIT_MS)
    assert dialog.error_label.text() == "Current_password: is wrong"
    assert dialog.current.property("invalid") is True
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, demo.password)
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS):
        click(qtbot, dialog.ok_button)
    uows = owner_window.ctx.uows
    assert auth.sign_in(uows, demo.owner_email, NEW_PASSWORD).label == demo.owner_email
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uows, demo.owner_email, demo.password)


def test_toggle_automatic_sign_in(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _account(qtbot, owner_window)
    uows = owner_window.ctx.uows
    assert not page.auto_sign_in.isChecked()
    assert auth.auto_sign_in(uows) is None
    click(qtbot, page.auto_sign_in)
    qtbot.waitUntil(page.auto_sign_in.isEnabled, timeout=WAIT_MS)
    actor = auth.auto_sign_in(uows)
    assert actor is not None
    assert actor.user_id == owner_window.workspace.actor.user_id
    click(qtbot, page.auto_sign_in)
    qtbot.waitUntil(page.auto_sign_in.isEnabled, timeout=WAIT_MS)
    assert auth.auto_sign_in(uows) is None


def test_dashboard_summarises_the_sub_account_and_follows_changes(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    window = owner_window.window
    dashboard = window.open_screen("dashboard")
    assert isinstance(dashboard, DashboardScreen)
    qtbot.waitUntil(lambda: dashboard.heading.text() == "Restaurant Location A", timeout=WAIT_MS)
    # Owner and admin agency-wide, John and Jane in the sub-account.
    assert dashboard.users_card.value.text() == "4"
    assert dashboard.timezone_card.value.text() == "America/New_York"
    assert dashboard.currency_card.value.text() == "USD"
    assert 0 < dashboard.activity.rowCount() <= ACTIVITY_ROWS  # the demo's latest changes
    # A change made elsewhere (here: a write op like any screen's) shows up.
    ctx, snapshot = owner_window.ctx, owner_window.workspace.snapshot
    assert snapshot is not None
    sub_id = demo.sub_accounts["Restaurant Location A"]
    WriteOp(
        ctx.ops, window,
        lambda: agencies.update_sub_account(ctx.uows, snapshot.actor, sub_id, currency="CAD"),
    ).changes("sub_account", sub_account_id=sub_id).run()  # fmt: skip
    qtbot.waitUntil(lambda: dashboard.currency_card.value.text() == "CAD", timeout=WAIT_MS)
    top = dashboard.activity.item(0)
    assert (top.entity_type, top.action) == ("sub_accounts", "updated")
    assert ("currency", "USD", "CAD") in top.changes
    assert dashboard.activity.index(0, WHAT).data() == "Sub-account updated"
    assert dashboard.activity.index(0, WHO).data() == "Olivia Owner"
