"""The contacts list in the main window: the demo's contacts load, search narrows the list as
you type, smart-list tabs show their counts, the filter builder filters and saves a smart list,
columns can be chosen, and a row opens with Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.services import contact_listing
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.services.demo.crm import SMART_LISTS
from ghl_desktop.services.smart_lists import service as smart_lists
from ghl_desktop.services.smart_lists.filters import Condition, Group
from ghl_desktop.ui.dialogs.column_chooser import ColumnChooserDialog
from ghl_desktop.ui.dialogs.filter_builder import FilterBuilderDialog
from ghl_desktop.ui.screens.contacts.contacts_screen import ContactsScreen
from ghl_desktop.ui.widgets.smart_list_tabs import ALL
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle


def open_contacts(qtbot: QtBot, owner_window: OpenWindow) -> ContactsScreen:
    screen = owner_window.window.open_screen("contacts")
    assert isinstance(screen, ContactsScreen)
    panel = screen.list_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    return screen


def _total(owner_window: OpenWindow, demo: DemoResult, **kw: object) -> int:
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    return contact_listing.count(
        owner_window.ctx.uows,
        snapshot.actor,
        snapshot.sub_account.id,
        **kw,  # type: ignore[arg-type]
    )


def test_the_list_shows_the_sub_accounts_contacts(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    total = _total(owner_window, demo)
    assert panel.model.rowCount() == total
    assert panel.count_label.text() == f"{total:,} contacts"
    assert panel.tabs.tabText(0) == f"All contacts · {total:,}"
    headers = [panel.model.headerData(i, Qt.Orientation.Horizontal) for i in range(7)]
    assert headers == ["Name", "Email", "Phone", "Company", "Stage", "Tags", "Created"]
    # Newest first by default; the first block came with the count.
    first = panel.model.record(0)
    assert first is not None
    assert panel.model.index(0, 1).data() == (first.email or "")


def test_search_narrows_the_list_as_you_type(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    total = panel.model.rowCount()
    qtbot.keyClicks(panel.search, "john.d")
    qtbot.waitUntil(lambda: panel.model.rowCount() < total, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    names = {panel.model.index(r, 0).data() for r in range(panel.model.rowCount())}
    assert "John Doe" in names
    assert panel.model.rowCount() == _total(owner_window, demo, search="john.d")
    assert "match “john.d”" in panel.count_label.text()
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.model.rowCount() == total, timeout=WAIT_MS)


def test_sorting_by_a_column_reloads_in_that_order(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    column = panel.model.column_of("email")
    panel.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: panel.query.sort_key == "email", timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    emails = [panel.model.index(r, column).data() for r in range(20)]
    assert emails == sorted(emails)
    assert not panel.query.descending


def test_smart_list_tabs_show_counts_and_filter_the_list(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    vip = {"op": "and", "conditions": [
        {"field": "tags", "operator": "has_any", "value": ["VIP Customer"]}]}  # fmt: skip
    created = smart_lists.create_smart_list(
        owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id, "VIPs", vip,
        is_shared=True,
    )  # fmt: skip
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    expected = _total(owner_window, demo, filter=vip)
    assert 0 < expected < panel.model.rowCount()
    last = 1 + len(SMART_LISTS)  # All contacts, the demo's shared lists, then the new one
    qtbot.waitUntil(lambda: panel.tabs.count() == last + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.tabs.tabText(last) == f"VIPs · {expected:,}", timeout=WAIT_MS)
    # The demo's "VIP customers" list has the same filter, so the same count.
    assert panel.tabs.tabText(1) == f"VIP customers · {expected:,}"
    panel.tabs.select(created.id)
    qtbot.waitUntil(lambda: panel.model.rowCount() == expected, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    tags_column = panel.model.column_of("tags")
    assert all("VIP Customer" in panel.model.index(r, tags_column).data() for r in range(expected))
    panel.tabs.select(ALL)
    qtbot.waitUntil(lambda: panel.model.rowCount() > expected, timeout=WAIT_MS)


def test_filter_builder_applies_and_saves_a_smart_list(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    click(qtbot, panel.filter_button)
    dialog = find_dialog(qtbot, panel, FilterBuilderDialog)
    row = dialog.root.items[0]
    row.set_condition(Condition("city", "eq", "New York"))
    nested = dialog.root.add_group(
        Group("or", (Condition("lead_score", "gte", 50), Condition("company", "is_not_empty")))
    )
    assert nested.level == 2
    click(qtbot, dialog.count_button)
    wanted = {"op": "and", "conditions": [
        {"field": "city", "operator": "eq", "value": "New York"},
        {"op": "or", "conditions": [
            {"field": "lead_score", "operator": "gte", "value": 50},
            {"field": "company", "operator": "is_not_empty"}]}]}  # fmt: skip
    expected = _total(owner_window, demo, filter=wanted)
    qtbot.waitUntil(
        lambda: dialog.count_label.text() == f"{expected:,} contacts match", timeout=WAIT_MS
    )
    assert dialog.root.group().to_json() == wanted
    click(qtbot, dialog.apply_button)
    qtbot.waitUntil(lambda: panel.model.rowCount() == expected, timeout=WAIT_MS)
    assert panel.clear_filter_button.isVisible()
    assert panel.clear_filter_button.text() == "✕ Filter: 3 conditions"

    # Open it again and save it as a smart list: a new tab, selected, with its count.
    click(qtbot, panel.filter_button)
    dialog = find_dialog(qtbot, panel, FilterBuilderDialog)
    assert dialog.root.group().to_json() == wanted
    qtbot.keyClicks(dialog.name_edit, "NY regulars")
    click(qtbot, dialog.save_button)
    last = 1 + len(SMART_LISTS)
    qtbot.waitUntil(lambda: panel.tabs.count() == last + 1, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: panel.tabs.tabText(last) == f"NY regulars · {expected:,}", timeout=WAIT_MS
    )
    assert panel.tabs.current_key() != ALL
    assert not panel.clear_filter_button.isVisible()
    assert panel.model.rowCount() == expected


def test_filter_builder_names_a_bad_value(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    click(qtbot, panel.filter_button)
    dialog = find_dialog(qtbot, panel, FilterBuilderDialog)
    row = dialog.root.items[0]
    row.field_combo.setCurrentIndex(row.field_combo.findData("lead_score"))
    row.operator_combo.setCurrentIndex(row.operator_combo.findData("gt"))
    editor = row.value_editor.editors()[0]
    qtbot.keyClicks(editor, "lots")
    click(qtbot, dialog.apply_button)
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == "Filter.lead_score: must be a number, got 'lots'"
    assert dialog.isVisible()


def test_choose_columns(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    qtbot.waitUntil(lambda: bool(panel.lookups.tags), timeout=WAIT_MS)
    dialog = panel.choose_columns()
    assert isinstance(dialog, ColumnChooserDialog)
    keys = dialog.keys()
    assert keys[0] == "name"
    dialog.checks.set_checked(["name", "city", "lead_score"])
    click(qtbot, dialog.ok_button)
    # The order is the dialog's (ticking keeps an option where it is in the list).
    assert [c.key for c in panel.model.columns] == ["name", "lead_score", "city"]
    wait_idle(qtbot, owner_window.ctx)
    assert panel.model.index(0, 1).data() is not None


def test_enter_opens_the_current_contact(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    opened: list[str] = []
    panel.open_contact.connect(opened.append)
    panel.table.setFocus()
    panel.table.selectRow(2)
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    record = panel.model.record(3)
    assert record is not None
    assert opened == [record.id]


def test_saving_a_filter_shows_the_new_smart_list(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    qtbot.waitUntil(lambda: bool(screen.lookups.tags), timeout=WAIT_MS)
    dialog = panel.open_filter_builder()
    dialog.root.items[0].set_condition(Condition("tags", "has_any", ("Catering",)))
    editors = dialog.root.items[0].value_editor.editors()
    assert len(editors) == 1  # one check list, no leftover of the default field's editor
    qtbot.keyClicks(dialog.name_edit, "Catering")
    click(qtbot, dialog.save_button)
    expected = _total(
        owner_window, demo, filter={"field": "tags", "operator": "has_any", "value": ["Catering"]}
    )
    qtbot.waitUntil(lambda: panel.model.rowCount() == expected, timeout=WAIT_MS)
    assert panel.tabs.current_list() is not None
    assert panel.tabs.current_list().name == "Catering"  # type: ignore[union-attr]
    assert panel.extra_filter is None


def test_archived_contacts_show_on_request_in_italics(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    from ghl_desktop.services import contacts

    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub_id = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    info = contacts.create_contact(
        uows, actor, sub_id, {"first_name": "Zed", "email": "zed@z.example"}
    )
    contacts.set_archived(uows, actor, sub_id, info.id, True)
    qtbot.keyClicks(panel.search, "zed@z")
    qtbot.waitUntil(lambda: panel.query.search == "zed@z", timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    assert panel.model.rowCount() == 0  # archived: out of the everyday list
    panel.archived_check.setChecked(True)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    assert panel.model.index(0, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert panel.list_keywords()["include_archived"] is True
