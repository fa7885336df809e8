"""Settings → Roles: built-in roles are shown read-only; custom roles are created with the
permission checklist, edited and deleted (after a confirmation)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ghl_desktop.core.permissions import PERMISSIONS
from ghl_desktop.ui.dialogs.role_form import RoleFormDialog
from ghl_desktop.ui.models.roles import KIND, SCOPE
from ghl_desktop.ui.models.roles import PERMISSIONS as PERMISSION_COUNT
from ghl_desktop.ui.screens.settings_roles import RolesPage
from ghl_desktop.ui.widgets.permission_checklist import KEY_ROLE
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog

BUILTIN_COUNT = 5


def _page(qtbot: QtBot, owner_window: OpenWindow) -> RolesPage:
    page = owner_window.window.open_settings_page("roles")
    assert isinstance(page, RolesPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == BUILTIN_COUNT, timeout=WAIT_MS)
    return page


def _row(page: RolesPage, name: str) -> int:
    return page.model.find_row(lambda r: r.name == name)


def _create_front_desk(qtbot: QtBot, page: RolesPage) -> None:
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, RoleFormDialog)
    qtbot.keyClicks(dialog.name, "Front Desk")
    qtbot.keyClicks(dialog.description, "Greets guests and books tables")
    assert dialog.scope.currentData() == "sub_account"
    for key in ("contacts.read", "contacts.write", "calendars.manage"):
        dialog.permissions.set_key_checked(key, True)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: _row(page, "Front Desk") >= 0, timeout=WAIT_MS)


def test_builtin_roles_are_listed_read_only(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    page.table.select_row(_row(page, "Staff"))
    assert page.model.index(_row(page, "Staff"), KIND).data() == "Built-in"
    assert not page.edit_button.isEnabled()
    assert not page.delete_button.isEnabled()
    assert "contacts.read" in page.permissions.checked_keys()
    assert "payments.refund" not in page.permissions.checked_keys()
    area = page.permissions.topLevelItem(0)
    assert area is not None
    item = area.child(0)
    assert not item.flags() & Qt.ItemFlag.ItemIsUserCheckable


def test_create_custom_role_with_the_checklist(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    _create_front_desk(qtbot, page)
    row = _row(page, "Front Desk")
    assert page.model.index(row, KIND).data() == "Custom"
    assert page.model.index(row, SCOPE).data() == "Sub-account"
    assert page.model.index(row, PERMISSION_COUNT).data() == "3"
    assert page.selected_role() is not None
    assert page.selected_role().name == "Front Desk"
    assert page.permissions.checked_keys() == [
        "calendars.manage",
        "contacts.read",
        "contacts.write",
    ]
    assert page.edit_button.isEnabled()


def test_a_role_needs_a_permission(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, RoleFormDialog)
    qtbot.keyClicks(dialog.name, "Nobody")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=WAIT_MS)
    assert dialog.error_label.text() == "Permissions: choose at least one permission"
    # "Select all" ticks every permission of the catalogue.
    select_all = next(b for b in dialog.findChildren(type(dialog.ok_button)) if "all" in b.text())
    click(qtbot, select_all)
    assert dialog.permissions.checked_keys() == sorted(PERMISSIONS)


def test_edit_and_delete_custom_role(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    _create_front_desk(qtbot, page)
    click(qtbot, page.edit_button)
    dialog = find_dialog(qtbot, page, RoleFormDialog)
    assert not dialog.scope.isEnabled()
    dialog.permissions.set_key_checked("contacts.write", False)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: page.model.index(_row(page, "Front Desk"), PERMISSION_COUNT).data() == "2",
        timeout=WAIT_MS,
    )
    click(qtbot, page.delete_button)
    box = find_dialog(qtbot, page, QMessageBox)
    assert "Front Desk" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: _row(page, "Front Desk") == -1, timeout=WAIT_MS)
    assert page.model.rowCount() == BUILTIN_COUNT


def test_checklist_groups_permissions_by_area(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    checklist = page.permissions
    areas = [checklist.topLevelItem(i).text(0) for i in range(checklist.topLevelItemCount())]
    assert areas[:3] == ["Contacts", "Conversations", "Opportunities"]
    assert "AI" in areas
    keys = [
        checklist.topLevelItem(i).child(j).data(0, KEY_ROLE)
        for i in range(checklist.topLevelItemCount())
        for j in range(checklist.topLevelItem(i).childCount())
    ]
    assert sorted(keys) == sorted(PERMISSIONS)
