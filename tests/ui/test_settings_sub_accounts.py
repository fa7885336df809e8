"""Settings → Sub-accounts: create (with inline validation errors), edit, archive and
unarchive; the switcher follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.ui.dialogs.sub_account_form import SubAccountFormDialog
from ghl_desktop.ui.models.sub_accounts import STATUS, TIMEZONE
from ghl_desktop.ui.screens.settings_sub_accounts import SubAccountsPage
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog


def _page(qtbot: QtBot, owner_window: OpenWindow) -> SubAccountsPage:
    page = owner_window.window.open_settings_page("sub_accounts")
    assert isinstance(page, SubAccountsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    return page


def _switcher_names(owner_window: OpenWindow) -> list[str]:
    combo = owner_window.window.top_bar.sub_account_combo
    return [combo.itemText(i) for i in range(combo.count())]


def _row(page: SubAccountsPage, name: str) -> int:
    return page.model.find_row(lambda s: s.name == name)


def test_create_sub_account(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, SubAccountFormDialog)
    qtbot.keyClicks(dialog.name, "Bakery Downtown")
    dialog.timezone.setCurrentText("Europe/Paris")
    dialog.country.setCurrentText("fr")
    dialog.currency.setCurrentText("eur")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: _row(page, "Bakery Downtown") >= 0, timeout=WAIT_MS)
    created = page.model.item(_row(page, "Bakery Downtown"))
    assert (created.timezone, created.country, created.currency) == ("Europe/Paris", "FR", "EUR")
    assert page.table.current_item() == created  # the new row is selected
    qtbot.waitUntil(lambda: "Bakery Downtown" in _switcher_names(owner_window), timeout=WAIT_MS)


def test_bad_input_is_shown_in_the_form_naming_the_field(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    page = _page(qtbot, owner_window)
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, SubAccountFormDialog)
    click(qtbot, dialog.ok_button)  # no name
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=WAIT_MS)
    assert dialog.error_label.text() == "Name: is required"
    assert dialog.name.property("invalid") is True
    qtbot.keyClicks(dialog.name, "Restaurant Location A")  # taken
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "already has" in dialog.error_label.text(), timeout=WAIT_MS)
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Somewhere New")
    dialog.timezone.setCurrentText("Mars/Olympus_Mons")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "Timezone" in dialog.error_label.text(), timeout=WAIT_MS)
    assert dialog.isVisible()
    assert dialog.timezone.property("invalid") is True
    assert page.model.rowCount() == 2


def test_edit_sub_account(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    page.table.select_row(_row(page, "Restaurant Location B"))
    click(qtbot, page.edit_button)
    dialog = find_dialog(qtbot, page, SubAccountFormDialog)
    assert dialog.name.text() == "Restaurant Location B"
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Restaurant Location B (Uptown)")
    dialog.timezone.setCurrentText("America/Denver")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Enter submits the form
    row = "Restaurant Location B (Uptown)"
    qtbot.waitUntil(lambda: _row(page, row) >= 0, timeout=WAIT_MS)
    index = page.model.index(_row(page, row), TIMEZONE)
    assert index.data() == "America/Denver"
    qtbot.waitUntil(lambda: row in _switcher_names(owner_window), timeout=WAIT_MS)


def test_archive_and_unarchive(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = _page(qtbot, owner_window)
    name = "Restaurant Location B"
    page.table.select_row(_row(page, name))
    assert page.archive_button.text() == "&Archive"
    click(qtbot, page.archive_button)
    qtbot.waitUntil(
        lambda: page.model.index(_row(page, name), STATUS).data() == "Archived", timeout=WAIT_MS
    )
    assert page.model.rowCount() == 2  # archived ones stay listed here
    assert page.table.current_item().name == name
    assert page.archive_button.text() == "Un&archive"
    qtbot.waitUntil(lambda: name not in _switcher_names(owner_window), timeout=WAIT_MS)
    click(qtbot, page.archive_button)
    qtbot.waitUntil(
        lambda: page.model.index(_row(page, name), STATUS).data() == "Active", timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: name in _switcher_names(owner_window), timeout=WAIT_MS)
