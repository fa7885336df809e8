"""Bulk actions from the contacts screen: add a tag to the selection and to the whole list
shown, with progress; cancel part-way; undo from the bulk-actions log."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from ghl_desktop.models.crm_lists import BulkActionKind, BulkActionStatus
from ghl_desktop.services import contact_listing
from ghl_desktop.services.bulk_actions import BulkActionInfo
from ghl_desktop.ui.dialogs.bulk_action_dialog import BulkActionDialog
from ghl_desktop.ui.dialogs.bulk_log import BulkLogDialog
from ghl_desktop.ui.screens.contacts.contacts_screen import ContactsScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts


def _tagged(window: OpenWindow, tag: str) -> int:
    snapshot = window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    wanted = {"field": "tags", "operator": "has_any", "value": [tag]}
    return contact_listing.count(
        window.ctx.uows, snapshot.actor, snapshot.sub_account.id, filter=wanted
    )


def _run(qtbot: QtBot, screen: ContactsScreen, kind: BulkActionKind, tag: str, *,
         whole_list: bool) -> BulkActionInfo:  # fmt: skip
    dialog = screen.bulk.ask(kind)
    assert isinstance(dialog, BulkActionDialog)
    dialog.tag_combo.setEditText(tag)
    (dialog.whole_list if whole_list else dialog.selected_rows).setChecked(True)
    with qtbot.waitSignal(screen.bulk.finished, timeout=WAIT_MS) as done:
        click(qtbot, dialog.ok_button)
    result = done.args[0]
    assert isinstance(result, BulkActionInfo)
    return result


def test_bulk_tag_with_progress_and_undo(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(lambda: bool(screen.lookups.tags), timeout=WAIT_MS)
    panel = screen.list_panel
    total = panel.model.rowCount()

    # Three selected rows.
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 5, 9):
        panel.table.selectionModel().select(panel.model.index(row, 0), flags)
    menu = screen.show_bulk_menu()
    assert [a.text() for a in menu.actions() if a.text()][:2] == ["Add a tag…", "Remove a tag…"]
    menu.close()
    result = _run(qtbot, screen, BulkActionKind.ADD_TAG, "Hot lead", whole_list=False)
    assert (result.total, result.changed) == (3, 3)
    assert _tagged(owner_window, "Hot lead") == 3

    # The whole list, with progress reported as it goes.
    reports: list[tuple[int, int]] = []
    screen.bulk_progress.start("probe").progressed.connect(lambda d, t: reports.append((d, t)))
    screen.bulk_progress.finish()
    dialog = screen.bulk.ask(BulkActionKind.ADD_TAG)
    dialog.tag_combo.setEditText("Spring promo")
    dialog.whole_list.setChecked(True)
    click(qtbot, dialog.ok_button)
    assert screen.bulk_progress.isVisible()
    assert screen.bulk_progress.cancel_button.isEnabled()
    relay = screen.bulk_progress.relay
    assert relay is not None
    relay.progressed.connect(lambda d, t: reports.append((d, t)))
    qtbot.waitUntil(lambda: not screen.bulk.running, timeout=WAIT_MS)
    assert not screen.bulk_progress.isVisible()
    assert reports[-1] == (total, total)
    assert _tagged(owner_window, "Spring promo") == total

    # Undo the whole-list action from the log.
    log = screen.bulk.open_log()
    assert isinstance(log, BulkLogDialog)
    qtbot.waitUntil(lambda: log.model.rowCount() > 0, timeout=WAIT_MS)
    assert [a.description for a in log.model.items()][:2] == [
        "Add tag Spring promo", "Add tag Hot lead",
    ]  # fmt: skip
    assert log.selected() == log.model.item(0)
    click(qtbot, log.undo_button)
    qtbot.waitUntil(lambda: log.status.text() == "Undone: Add tag Spring promo", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: log.model.item(0).status is BulkActionStatus.UNDONE, timeout=WAIT_MS)
    assert not log.undo_button.isEnabled()
    assert _tagged(owner_window, "Spring promo") == 0
    assert _tagged(owner_window, "Hot lead") == 3
    wait_idle(qtbot, owner_window.ctx)


def test_cancel_keeps_the_chunks_done(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    dialog = screen.bulk.ask(BulkActionKind.SET_LIFECYCLE_STAGE)
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData("customer"))
    dialog.whole_list.setChecked(True)
    # Cancel is honoured between chunks: asked before the first one, nothing changes.
    with qtbot.waitSignal(screen.bulk.finished, timeout=WAIT_MS) as done:
        click(qtbot, dialog.ok_button)
        click(qtbot, screen.bulk_progress.cancel_button)
    result = done.args[0]
    assert result.status in (BulkActionStatus.CANCELLED, BulkActionStatus.COMPLETED)
    assert result.processed <= result.total
    log = screen.bulk.open_log()
    assert log is not None
    qtbot.waitUntil(lambda: log.model.rowCount() > 0, timeout=WAIT_MS)
    assert log.model.item(0).id == result.id
    assert log.undo_button.isEnabled()  # cancelled or not, what changed can be undone
    find_dialog(qtbot, screen, BulkLogDialog).close()
