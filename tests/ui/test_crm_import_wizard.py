"""The CSV import wizard on a small file: headers mapped automatically, options, a preview,
the import with progress, and the result with the rejected row savable as CSV."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from ghl_desktop.services import contact_listing
from ghl_desktop.services.contact_import.importer import ImportResult, SkippedRow
from ghl_desktop.ui.dialogs.import_wizard import (
    MAPPING,
    OPTIONS,
    PREVIEW,
    RESULT,
    ImportWizard,
)
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts

CSV = (
    "\ufeffFirst Name;Last Name;Email;Phone;Company Name;Tags\r\n"
    'Ada;Lovelace;ada@engine.example;+44 20 7946 0101;Analytical;"VIP, Math"\r\n'
    "Alan;Turing;alan@bletchley.example;;Bletchley;\r\n"
    "Bad;Mail;not-an-email;;;\r\n"
    'Grace;Hopper;grace@navy.example;;"Navy; Yale";Pioneer\r\n'
)


def test_import_a_small_csv_with_a_rejected_row(
    qtbot: QtBot, owner_window: OpenWindow, tmp_path: Path
) -> None:
    source = tmp_path / "contacts.csv"
    source.write_bytes(CSV.encode("utf-8"))
    screen = open_contacts(qtbot, owner_window)
    before = screen.list_panel.model.rowCount()
    click(qtbot, screen.import_button)
    wizard = find_dialog(qtbot, screen, ImportWizard)

    click(qtbot, wizard.next_button)  # no file yet
    assert wizard.error_label.text() == "File: choose a CSV file"
    qtbot.keyClicks(wizard.path_edit, str(source))
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: wizard.page() == MAPPING, timeout=WAIT_MS)
    assert wizard.file_label.text().startswith("4 rows")
    assert wizard.mapping_table.mapping() == {
        0: "first_name", 1: "last_name", 2: "email", 3: "phone", 4: "company", 5: "tags",
    }  # fmt: skip
    assert wizard.mapping_table.item(0, 1).text() == "Ada"

    click(qtbot, wizard.next_button)
    assert wizard.page() == OPTIONS
    qtbot.keyClicks(wizard.tags_edit, "Imported, Expo")
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: wizard.page() == PREVIEW, timeout=WAIT_MS)
    assert wizard.preview_table.rowCount() == 3
    assert wizard.preview_table.item(2, 5).text() == "Navy; Yale"
    assert wizard.preview_rejected.rowCount() == 1
    assert wizard.preview_rejected.item(0, 0).text() == "4"
    assert "tags for everyone: Imported, Expo" in wizard.preview_label.text()

    click(qtbot, wizard.next_button)  # Import
    qtbot.waitUntil(lambda: wizard.page() == RESULT, timeout=WAIT_MS)
    assert wizard.result_label.text() == (
        "3 created · 0 updated · 0 skipped (already there) · 1 rejected"
    )
    assert wizard.rejected_table.rowCount() == 1
    assert wizard.skipped_table.isHidden()  # nothing was there before
    assert [wizard.rejected_table.item(0, c).text() for c in (0, 1, 2)] == [
        "4", "Email", "not-an-email",
    ]  # fmt: skip
    saved = tmp_path / "rejected.csv"
    wizard.save_rejected(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("4,Email,not-an-email,")

    panel = screen.list_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == before + 3, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    rows = contact_listing.fetch_rows(
        owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id, search="ada@engine"
    )
    assert rows[0].tags == "Expo, Imported, Math, VIP"
    click(qtbot, wizard.next_button)  # Close


def test_cancel_leaves_nothing_imported(
    qtbot: QtBot, owner_window: OpenWindow, tmp_path: Path
) -> None:
    rows = "".join(f"Name{i};Person;p{i}@bulk.example\r\n" for i in range(3000))
    source = tmp_path / "big.csv"
    source.write_text("First Name;Last Name;Email\r\n" + rows, encoding="utf-8")
    screen = open_contacts(qtbot, owner_window)
    before = screen.list_panel.model.rowCount()
    wizard = screen.import_contacts()
    assert wizard is not None
    wizard.path_edit.setText(str(source))
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: wizard.page() == MAPPING, timeout=WAIT_MS)
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: wizard.page() == PREVIEW, timeout=WAIT_MS)
    # Cancel before the first chunk is written: the service stops between chunks.
    click(qtbot, wizard.next_button)
    wizard.progress.cancel()
    qtbot.waitUntil(lambda: wizard.page() == PREVIEW, timeout=WAIT_MS)
    assert "cancelled" in wizard.error_label.text().lower()
    wait_idle(qtbot, owner_window.ctx)
    assert screen.list_panel.model.rowCount() == before


def test_the_result_lists_each_skipped_row_and_why(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    click(qtbot, screen.import_button)
    wizard = find_dialog(qtbot, screen, ImportWizard)
    skipped = (SkippedRow(7, "c1", "already a contact with email ada@example.com"),)
    wizard._imported(ImportResult(9, 1, 0, 1, (), skipped))
    assert wizard.page() == RESULT
    assert not wizard.skipped_table.isHidden()
    assert [wizard.skipped_table.item(0, c).text() for c in (0, 1)] == [
        "7", "already a contact with email ada@example.com",
    ]  # fmt: skip
    click(qtbot, wizard.next_button)  # Close
