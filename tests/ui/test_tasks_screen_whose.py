"""The Tasks screen beyond "My tasks": an agency owner, who is rarely anyone's assignee, sees
everyone's tasks (with who has them, by name) or one teammate's."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.ui.models.tasks import ASSIGNEE, TITLE
from ghl_desktop.ui.screens.contacts.tasks_screen import EVERYONE, TasksScreen
from tests.ui.conftest import WAIT_MS, OpenWindow


def _choose(screen: TasksScreen, key: str) -> None:
    index = screen.whose.findData(key)
    assert index >= 0, key
    screen.whose.setCurrentIndex(index)
    screen.whose.activated.emit(index)


def test_everyone_s_tasks_and_a_teammate_s(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = owner_window.window.open_screen("tasks")
    assert isinstance(screen, TasksScreen)
    owner_window.settle(qtbot)
    assert screen.model.rowCount() == 0  # the demo gives the owner no tasks
    assert "show everyone's" in screen.summary.text()
    assert screen.table.isColumnHidden(ASSIGNEE)
    labels = [screen.whose.itemText(i) for i in range(screen.whose.count())]
    assert labels[:2] == ["My tasks", "Everyone's tasks"]
    assert "John Carter's tasks" in labels

    _choose(screen, EVERYONE)
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=WAIT_MS)
    assert screen.heading.text() == "Everyone's tasks"
    assert not screen.table.isColumnHidden(ASSIGNEE)
    names = {screen.model.index(r, ASSIGNEE).data() for r in range(screen.model.rowCount())}
    assert "John Carter" in names
    assert not any(n and n[:8].count("-") for n in names)  # names, not ids
    everyone = screen.model.rowCount()

    john = screen.whose.itemData(labels.index("John Carter's tasks"))
    _choose(screen, john)
    qtbot.waitUntil(lambda: screen.heading.text() == "John Carter's tasks", timeout=WAIT_MS)
    owner_window.settle(qtbot)
    johns = [screen.model.item(r) for r in range(screen.model.rowCount())]
    assert johns
    assert len(johns) < everyone
    assert {t.assigned_user_id for t in johns} == {john}
    assert screen.table.isColumnHidden(ASSIGNEE)
    assert screen.model.index(0, TITLE).data()
