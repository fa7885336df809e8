"""The contacts screen's first paint: the list's first screenful is read as the screen is
shown (so the first paint has rows, not placeholders), and the parts not on screen then (the
bulk-action progress bar, the detail page, the "no sub-account" page) are built when first
needed and then work as before."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.models.crm_lists import BulkActionKind
from ghl_desktop.services import agencies, contact_listing
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.screens.contacts.contacts_screen import ContactsScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, wait_idle


def test_the_first_rows_are_there_when_the_screen_shows(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    screen = owner_window.window.open_screen("contacts")
    assert isinstance(screen, ContactsScreen)
    panel = screen.list_panel
    # No event processed since the screen was shown: the rows were read as it showed.
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    newest = contact_listing.fetch_rows(
        owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id, limit=5
    )
    assert panel.model.rowCount() > 0
    assert panel.model.rowCount() <= panel.rows_on_screen()
    # Enough rows to fill the table: no placeholder row at the bottom of the first paint.
    row_height = panel.table.verticalHeader().defaultSectionSize()
    assert panel.model.rowCount() * row_height >= panel.table.viewport().height()
    assert panel.model.is_loaded(0)
    assert [panel.model.record(i) for i in range(5)] == newest
    assert panel.model.index(0, 1).data() == (newest[0].email or "")
    assert panel.model.counting  # the count follows, off the Qt thread
    # Nothing that is not on screen was built.
    assert screen._bulk_progress is None
    assert screen._detail is None
    assert screen._empty is None
    total = contact_listing.count(owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id)
    qtbot.waitUntil(lambda: panel.model.rowCount() == total, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    assert panel.count_label.text() == f"{total:,} contacts"
    assert panel.model.is_loaded(99)  # the rest of the first block was read after the paint


def test_the_bulk_progress_bar_is_built_for_the_first_bulk_action(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = owner_window.window.open_screen("contacts")
    assert isinstance(screen, ContactsScreen)
    qtbot.waitUntil(lambda: not screen.list_panel.model.counting, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    assert screen._bulk_progress is None
    dialog = screen.bulk.ask(BulkActionKind.ADD_TAG)
    dialog.tag_combo.setEditText("First bulk")
    dialog.whole_list.setChecked(True)
    with qtbot.waitSignal(screen.bulk.finished, timeout=WAIT_MS):
        click(qtbot, dialog.ok_button)
    progress = screen._bulk_progress
    assert progress is not None
    assert progress.parent() is screen.list_page  # under the list
    assert screen.bulk_progress is progress  # built once


def test_the_no_sub_account_page_is_built_when_needed(
    qtbot: QtBot, owner_window: OpenWindow, demo: DemoResult
) -> None:
    workspace = owner_window.workspace
    snapshot = workspace.snapshot
    assert snapshot is not None
    for sub in snapshot.sub_accounts:
        agencies.set_sub_account_archived(owner_window.ctx.uows, snapshot.actor, sub.id, True)
    workspace.reload()
    qtbot.waitUntil(
        lambda: workspace.snapshot is not None and workspace.snapshot.sub_account is None,
        timeout=WAIT_MS,
    )
    screen = ContactsScreen(owner_window.ctx, workspace)
    qtbot.addWidget(screen)
    assert screen._empty is None
    screen.show()
    assert screen.pages.currentWidget() is screen._empty
    assert screen.empty.text() == "Choose a sub-account to see its contacts."
    assert screen.empty.isVisible()
    assert screen.list_panel.model.source is None  # nothing read
