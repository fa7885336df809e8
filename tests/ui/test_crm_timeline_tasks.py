"""The contact detail's timeline with add note / add task, and "My tasks": overdue first,
complete, reopen, edit."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.services import contacts, notes_tasks
from ghl_desktop.ui.dialogs.task_form import TaskFormDialog
from ghl_desktop.ui.models.tasks import DUE, TITLE
from ghl_desktop.ui.models.timeline import KIND, WHAT
from ghl_desktop.ui.screens.contacts.tasks_screen import TasksScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts


def test_add_a_note_and_a_task_from_the_timeline(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    info = contacts.create_contact(
        owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id,
        {"first_name": "Tim", "last_name": "Line", "email": "tim@line.example"},
    )  # fmt: skip
    detail = screen.open_contact(info.id)
    timeline = detail.timeline
    qtbot.waitUntil(lambda: timeline.model.rowCount() >= 1, timeout=WAIT_MS)  # "created"
    qtbot.keyClicks(timeline.note_edit, "Prefers <b>email</b>; call after 5pm")
    click(qtbot, timeline.add_note_button)
    qtbot.waitUntil(lambda: any(e.kind == "note" for e in timeline.model.items()), timeout=WAIT_MS)
    note_row = timeline.model.find_row(lambda e: e.kind == "note")
    assert timeline.model.index(note_row, KIND).data() == "Note"
    assert "Prefers <b>email</b>" in timeline.model.item(note_row).detail
    assert timeline.note_edit.toPlainText() == ""

    click(qtbot, timeline.add_task_button)
    dialog = find_dialog(qtbot, detail, TaskFormDialog)
    click(qtbot, dialog.ok_button)  # no title
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=WAIT_MS)
    assert dialog.error_label.text().startswith("Title:")
    qtbot.keyClicks(dialog.title_edit, "Send the catering menu")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: any(e.kind == "task" for e in timeline.model.items()), timeout=WAIT_MS)
    row = timeline.model.find_row(lambda e: e.kind == "task")
    assert "Send the catering menu" in timeline.model.index(row, WHAT).data()


def test_my_tasks_overdue_first_complete_and_edit(
    qtbot: QtBot, owner_window: OpenWindow, clock: FixedClock
) -> None:
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub_id = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    contact = contacts.create_contact(
        uows, actor, sub_id, {"first_name": "Dora", "email": "d@x.example"}
    )
    now = clock.now()
    me = actor.user_id
    notes_tasks.create_task(
        uows,
        actor,
        sub_id,
        contact.id,
        "Later",
        due_at=now + timedelta(days=3),
        assigned_user_id=me,
    )
    notes_tasks.create_task(
        uows, actor, sub_id, contact.id, "Late", due_at=now - timedelta(days=1), assigned_user_id=me
    )
    notes_tasks.create_task(uows, actor, sub_id, contact.id, "Someday", assigned_user_id=me)
    screen = owner_window.window.open_screen("tasks")
    assert isinstance(screen, TasksScreen)
    qtbot.waitUntil(lambda: screen.model.rowCount() >= 3, timeout=WAIT_MS)
    titles = [screen.model.index(r, TITLE).data() for r in range(screen.model.rowCount())]
    assert titles.index("Late") < titles.index("Later") < titles.index("Someday")
    late = titles.index("Late")
    assert screen.model.index(late, DUE).data().endswith("(overdue)")
    assert screen.model.index(late, DUE).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "overdue" in screen.summary.text()

    screen.table.select_row(late)
    click(qtbot, screen.complete_button)
    qtbot.waitUntil(lambda: "Late" not in [t.title for t in screen.model.items()], timeout=WAIT_MS)
    screen.show_done.setChecked(True)
    qtbot.waitUntil(lambda: "Late" in [t.title for t in screen.model.items()], timeout=WAIT_MS)
    done_row = screen.model.find_row(lambda t: t.title == "Late")
    assert screen.model.item(done_row).is_completed
    screen.table.select_row(done_row)
    assert screen.complete_button.text() == "&Reopen"

    later = screen.model.find_row(lambda t: t.title == "Later")
    screen.table.select_row(later)
    dialog = screen.edit_selected()
    assert dialog is not None
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Later, with the quote")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: "Later, with the quote" in [t.title for t in screen.model.items()],
        timeout=WAIT_MS,
    )
    wait_idle(qtbot, owner_window.ctx)
