"""CSV export from the contacts screen: the whole filtered list or the selected rows, with
the chosen columns (a custom field included)."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from ghl_desktop.ui.dialogs.export_dialog import ExportDialog
from tests.ui.conftest import WAIT_MS, OpenWindow, click, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_the_searched_list_and_a_selection(
    qtbot: QtBot, owner_window: OpenWindow, tmp_path: Path
) -> None:
    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(lambda: bool(screen.lookups.fields), timeout=WAIT_MS)
    panel = screen.list_panel
    qtbot.keyClicks(panel.search, "john")
    qtbot.waitUntil(lambda: panel.query.search == "john", timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    matches = panel.model.rowCount()
    assert matches >= 2

    dialog = screen.export_contacts()
    assert isinstance(dialog, ExportDialog)
    assert not dialog.selected_only.isEnabled()  # nothing selected
    dialog.columns.set_checked(["email", "custom_fields.industry", "tags"])
    whole = tmp_path / "john.csv"
    dialog.path_edit.setText(str(whole))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Exported"), timeout=WAIT_MS)
    rows = _read(whole)
    assert rows[0] == ["Email", "Tags", "Industry"]  # the dialog's order
    assert len(rows) == matches + 1
    tags = "Lead - Website, Newsletter Subscriber, VIP Customer"
    assert ["john@example.com", tags, "technology"] in rows
    dialog.close()

    # Two selected rows.
    selection = panel.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(panel.model.index(0, 0), flags)
    selection.select(panel.model.index(1, 0), flags)
    dialog = screen.export_contacts()
    assert dialog is not None
    assert dialog.selected_only.isEnabled()
    dialog.selected_only.setChecked(True)
    dialog.columns.set_checked(["email"])
    chosen = tmp_path / "two.csv"
    dialog.path_edit.setText(str(chosen))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Exported"), timeout=WAIT_MS)
    emails = {panel.model.record(0).email, panel.model.record(1).email}  # type: ignore[union-attr]
    assert {r[0] for r in _read(chosen)[1:]} == emails
