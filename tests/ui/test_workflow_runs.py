"""The runtime's editor tabs on the demo agency: the Welcome Series' execution log with a run's
path highlighted on the tree (and the values behind the if/else), pause / resume / cancel,
and the dry run's timeline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.ui.screens.workflows.dry_run_panel import DryRunPanel
from ghl_desktop.ui.screens.workflows.executions_panel import ExecutionsPanel
from ghl_desktop.ui.screens.workflows.workflows_screen import WorkflowsScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, wait_idle


def _welcome(owner_window: OpenWindow, qtbot: QtBot) -> WorkflowsScreen:
    screen = owner_window.window.open_screen("automation")
    assert isinstance(screen, WorkflowsScreen)
    owner_window.settle(qtbot)
    items = screen.list.findItems(
        "Welcome Series", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    )
    screen.list.setCurrentItem(items[0])
    qtbot.waitUntil(lambda: screen.editor.title.text() == "Welcome Series", timeout=WAIT_MS)
    return screen


def _tab(screen: WorkflowsScreen, cls: type) -> object:
    [widget] = [w for w in screen.editor.extra if isinstance(w, cls)]
    screen.editor.tabs.setCurrentWidget(widget)
    return widget


def test_execution_log_path_and_controls(owner_window: OpenWindow, qtbot: QtBot) -> None:
    screen = _welcome(owner_window, qtbot)
    titles = [screen.editor.tabs.tabText(i) for i in range(screen.editor.tabs.count())]
    assert {"Executions", "Dry run"} <= set(titles)
    panel = _tab(screen, ExecutionsPanel)
    assert isinstance(panel, ExecutionsPanel)
    qtbot.waitUntil(lambda: panel.table.rowCount() > 5, timeout=WAIT_MS)
    statuses = [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]
    done = statuses.index("completed")
    panel.table.selectRow(done)
    qtbot.waitUntil(lambda: len(panel.path.highlighted) == 5, timeout=WAIT_MS)
    assert "completed" in panel.path.summary.text()
    trigger = panel.path.tree.topLevelItem(0).child(0).text(0)
    assert trigger == "Contact created — Source = website_form"
    # The if/else row says what decided it.
    found = panel.path.tree.findItems(
        "Opened Email?", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    )
    assert "branch " in found[0].text(2)
    # The demo's finished runs carry the values that decided, as the engine records them.
    assert "context.opened_email is true (was " in found[0].text(2)
    assert not panel.buttons["pause"].isEnabled()

    waiting = statuses.index("waiting")
    panel.table.selectRow(waiting)
    qtbot.waitUntil(lambda: panel.buttons["pause"].isEnabled(), timeout=WAIT_MS)
    contact = panel.table.item(waiting, 0).text()
    click(qtbot, panel.buttons["pause"])
    qtbot.waitUntil(lambda: panel.buttons["resume"].isEnabled(), timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    # The outcome stays in view after the list reloads (it used to be wiped at once).
    assert "paused" in panel.message.text()
    assert panel.current() is not None
    assert panel.current().contact_name == contact
    click(qtbot, panel.buttons["resume"])
    qtbot.waitUntil(lambda: "waiting" in panel.message.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.buttons["cancel"].isEnabled(), timeout=WAIT_MS)
    click(qtbot, panel.buttons["cancel"])
    qtbot.waitUntil(lambda: "cancelled" in panel.message.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not panel.buttons["cancel"].isEnabled(), timeout=WAIT_MS)


def test_dry_run_timeline(owner_window: OpenWindow, qtbot: QtBot) -> None:
    screen = _welcome(owner_window, qtbot)
    panel = _tab(screen, DryRunPanel)
    assert isinstance(panel, DryRunPanel)
    qtbot.waitUntil(lambda: panel.contact.count() > 0, timeout=WAIT_MS)
    panel.opened.setChecked(True)
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
    steps = [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]
    assert steps == ["Send Welcome Email", "Wait 1 Day", "Opened Email?", "Send Product Tips",
                     "Add Tag: Engaged"]  # fmt: skip
    assert panel.table.item(0, 3).text().startswith("email to ")
    assert (
        "branch yes: context.opened_email is true (was yes) → yes" in panel.table.item(2, 4).text()
    )
    assert "completed" in panel.outcome.text()
    # "Why" is in view, not beyond a horizontal scroll bar.
    owner_window.window.resize(1440, 900)
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 700, timeout=WAIT_MS)
    qtbot.wait(50)
    assert panel.table.horizontalScrollBar().maximum() == 0
    assert panel.table.columnWidth(4) >= 200
    # Not opened: the other branch; bad JSON context: a message naming the field.
    panel.opened.setChecked(False)
    panel.report = None
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
    assert panel.table.item(3, 1).text() == "Send Re-engagement Email"
    panel.context.setText("{nope")
    click(qtbot, panel.run_button)
    assert panel.outcome.text().startswith("Context: is not JSON")
