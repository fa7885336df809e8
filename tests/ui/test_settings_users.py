"""Settings → Users: create a user with a password and a role, edit, grant and revoke access,
deactivate and reactivate."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.services import auth
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.dialogs.grant_role import GrantRoleDialog
from ghl_desktop.ui.dialogs.user_form import UserFormDialog
from ghl_desktop.ui.models.users import ACCESS, STATUS
from ghl_desktop.ui.screens.settings_users import UsersPage
from ghl_desktop.ui.widgets.access_picker import AGENCY_WIDE
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog

NEW_EMAIL = "maria@restaurant.com"
NEW_PASSWORD = "tortilla-sunrise-42"


def _page(qtbot: QtBot, owner_window: OpenWindow) -> UsersPage:
    page = owner_window.window.open_settings_page("users")
    assert isinstance(page, UsersPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 5, timeout=WAIT_MS)
    return page


def _row(page: UsersPage, email: str) -> int:
    return page.model.find_row(lambda u: u.email == email)


def _memberships(page: UsersPage) -> list[tuple[str, str]]:
    return [
        (m.role_name, "agency" if m.scope == "agency" else m.target_name)
        for m in page.membership_model.items()
    ]


def _create(qtbot: QtBot, page: UsersPage, where: str, role: str) -> None:
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, UserFormDialog)
    qtbot.keyClicks(dialog.full_name, "Maria Lopez")
    qtbot.keyClicks(dialog.email, NEW_EMAIL)
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.confirm, NEW_PASSWORD)
    assert dialog.access is not None
    dialog.access.choose(where)
    dialog.access.role.setCurrentText(role)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: _row(page, NEW_EMAIL) >= 0, timeout=WAIT_MS)


def test_create_user_with_password_and_role(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    page = _page(qtbot, owner_window)
    location_a = demo.sub_accounts["Restaurant Location A"]
    _create(qtbot, page, location_a, "Staff")
    assert page.selected_user() is not None
    assert page.selected_user().email == NEW_EMAIL
    assert page.model.index(_row(page, NEW_EMAIL), ACCESS).data() == (
        "Staff · Restaurant Location A"
    )
    assert _memberships(page) == [("Staff", "Restaurant Location A")]
    # The password works.
    assert auth.sign_in(owner_window.ctx.uows, NEW_EMAIL, NEW_PASSWORD).label == NEW_EMAIL


def test_create_user_reports_a_mismatched_password(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, UserFormDialog)
    qtbot.keyClicks(dialog.email, NEW_EMAIL)
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.confirm, "something-else-42")
    click(qtbot, dialog.ok_button)
    assert dialog.error_label.text() == "Confirm_password: does not match the password"
    assert dialog.confirm.property("invalid") is True
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, NEW_PASSWORD)
    dialog.password.clear()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.confirm, "short")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "at least 10" in dialog.error_label.text(), timeout=WAIT_MS)
    assert dialog.password.property("invalid") is True
    assert _row(page, NEW_EMAIL) == -1


def test_grant_and_revoke_roles(qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult) -> None:
    page = _page(qtbot, owner_window)
    _create(qtbot, page, demo.sub_accounts["Restaurant Location B"], "Staff")
    assert _memberships(page) == [("Staff", "Restaurant Location B")]

    # A sub-account role where the user has one replaces it...
    click(qtbot, page.grant_button)
    dialog = find_dialog(qtbot, page, GrantRoleDialog)
    dialog.access.choose(demo.sub_accounts["Restaurant Location B"])
    dialog.access.role.setCurrentText("Manager")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: _memberships(page) == [("Manager", "Restaurant Location B")], timeout=WAIT_MS
    )
    # ...and an agency-wide one (only agency roles are offered there).
    click(qtbot, page.grant_button)
    dialog = find_dialog(qtbot, page, GrantRoleDialog)
    dialog.access.choose(AGENCY_WIDE)
    offered = [dialog.access.role.itemText(i) for i in range(dialog.access.role.count())]
    assert offered == ["Agency Admin", "Agency Owner"]
    dialog.access.role.setCurrentText("Agency Admin")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: len(_memberships(page)) == 2, timeout=WAIT_MS)
    assert ("Agency Admin", "agency") in _memberships(page)

    # Revoke the agency-wide access.
    agency_row = page.membership_model.find_row(lambda m: m.scope == "agency")
    page.membership_table.select_row(agency_row)
    click(qtbot, page.revoke_button)
    qtbot.waitUntil(
        lambda: _memberships(page) == [("Manager", "Restaurant Location B")], timeout=WAIT_MS
    )
    assert page.selected_user() is not None
    assert page.selected_user().email == NEW_EMAIL


def test_edit_deactivate_and_activate(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    page.table.select_row(_row(page, "jane@restaurant.com"))
    click(qtbot, page.edit_button)
    dialog = find_dialog(qtbot, page, UserFormDialog)
    assert dialog.access is None  # access is changed with grant/revoke, not here
    dialog.full_name.clear()
    qtbot.keyClicks(dialog.full_name, "Jane Miller-Smith")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: page.model.item(_row(page, "jane@restaurant.com")).full_name == "Jane Miller-Smith",
        timeout=WAIT_MS,
    )
    assert page.active_button.text() == "&Deactivate"
    click(qtbot, page.active_button)

    def status() -> str:
        return str(page.model.index(_row(page, "jane@restaurant.com"), STATUS).data())

    qtbot.waitUntil(lambda: status() == "Deactivated", timeout=WAIT_MS)
    assert page.active_button.text() == "&Activate"
    click(qtbot, page.active_button)
    qtbot.waitUntil(lambda: status() == "Active", timeout=WAIT_MS)


def test_the_last_owner_cannot_deactivate_themselves(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    from PySide6.QtWidgets import QMessageBox

    page = _page(qtbot, owner_window)
    page.table.select_row(_row(page, demo.owner_email))
    click(qtbot, page.active_button)
    box = find_dialog(qtbot, page, QMessageBox)
    assert box.text() == "User: you cannot deactivate yourself"
    box.close()
    assert page.model.index(_row(page, demo.owner_email), STATUS).data() == "Active"
