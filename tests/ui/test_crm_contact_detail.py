"""The contact detail page: opened from the list, shows the fields as plain text, archives,
deletes and restores the contact."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ghl_desktop.services import contacts
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts

HOSTILE = "<b>Bob</b><img src=x>"


def test_detail_shows_values_as_plain_text_and_archives_deletes_restores(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_contacts(qtbot, owner_window)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub_id = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    info = contacts.create_contact(
        uows, actor, sub_id,
        {"first_name": HOSTILE, "company": "<i>Evil</i> & Co", "email": "bob@example.com"},
        tags=["Engaged"],
    )  # fmt: skip
    panel = screen.list_panel
    qtbot.keyClicks(panel.search, "bob@example")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    detail = screen.detail
    assert screen.pages.currentWidget() is detail
    qtbot.waitUntil(lambda: detail.contact is not None, timeout=WAIT_MS)
    assert detail.name_label.text() == HOSTILE
    assert detail.name_label.textFormat() == Qt.TextFormat.PlainText
    assert detail.value_labels["company"].text() == "<i>Evil</i> & Co"
    assert detail.value_labels["company"].textFormat() == Qt.TextFormat.PlainText
    assert detail.value_labels["tags"].text() == "Engaged"
    assert detail.value_labels["email"].text() == "bob@example.com"

    click(qtbot, detail.archive_button)
    qtbot.waitUntil(lambda: detail.status_label.text() == "(Archived)", timeout=WAIT_MS)
    assert detail.archive_button.text() == "Unarchive"
    assert contacts.get_contact(uows, actor, sub_id, info.id).archived_at is not None
    click(qtbot, detail.archive_button)
    qtbot.waitUntil(lambda: detail.status_label.text() == "", timeout=WAIT_MS)

    click(qtbot, detail.delete_button)
    box = find_dialog(qtbot, detail, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: detail.status_label.text() == "(Deleted)", timeout=WAIT_MS)
    assert detail.delete_button.text() == "Restore"
    assert not detail.edit_button.isVisible()
    click(qtbot, detail.delete_button)
    qtbot.waitUntil(lambda: detail.status_label.text() == "", timeout=WAIT_MS)

    click(qtbot, detail.back_button)
    assert screen.pages.currentWidget() is screen.list_page
