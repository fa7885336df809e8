"""The per-contact execution log: every workflow run of one contact, its path on the tree."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.services import contacts
from ghl_desktop.ui.screens.workflows.contact_runs import ContactRunsDialog
from ghl_desktop.ui.screens.workflows.workflows_screen import WorkflowsScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts


def test_a_contact_s_runs_with_their_path(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = owner_window.window.open_screen("automation")
    assert isinstance(screen, WorkflowsScreen)
    owner_window.settle(qtbot)
    click(qtbot, screen.buttons["ContactRuns"])
    dialog = find_dialog(qtbot, screen, ContactRunsDialog)
    qtbot.waitUntil(lambda: dialog.contact.count() > 0, timeout=WAIT_MS)
    dialog.search.setText("wei moore")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.contact.currentText().startswith("Wei Moore"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
    assert dialog.table.item(0, 0).text() == "Welcome Series"
    assert dialog.table.item(0, 1).text() == "completed"
    assert "Opened Email? [no]" in dialog.table.item(0, 5).text()
    qtbot.waitUntil(lambda: len(dialog.path.highlighted) == 5, timeout=WAIT_MS)
    assert "Wei Moore in Welcome Series v1: completed" in dialog.path.summary.text()
    found = dialog.path.tree.findItems(
        "Opened Email?", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    )
    assert found[0].text(2).startswith("completed")
    dialog.close()


def test_a_contact_without_runs_says_so(qtbot: QtBot, owner_window: OpenWindow) -> None:
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    quiet = contacts.create_contact(owner_window.ctx.uows, snapshot.actor,
                                    snapshot.sub_account.id, {"first_name": "Quiet"})  # fmt: skip
    screen = owner_window.window.open_screen("automation")
    assert isinstance(screen, WorkflowsScreen)
    owner_window.settle(qtbot)
    dialog = screen.open_contact_runs(quiet.id)
    assert dialog is not None
    qtbot.waitUntil(lambda: "not been in any workflow" in dialog.message.text(), timeout=WAIT_MS)
    assert dialog.table.rowCount() == 0
    dialog.close()


def test_contact_detail_opens_that_contact_s_runs(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    panel = screen.list_panel
    qtbot.keyClicks(panel.search, "wei moore")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    detail = screen.detail
    qtbot.waitUntil(lambda: detail.contact is not None, timeout=WAIT_MS)
    assert detail.runs_button.isVisible()
    click(qtbot, detail.runs_button)
    dialog = find_dialog(qtbot, detail, ContactRunsDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
    assert dialog.table.item(0, 0).text() == "Welcome Series"
    dialog.close()
