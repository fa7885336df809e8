"""My tasks: the tasks assigned to the signed-in user in the current sub-account, overdue
first, then by due date. Complete (or reopen) and edit them. "Show" switches to everyone's
tasks or one teammate's (an agency owner is rarely the assignee)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from ghl_desktop.services import notes_tasks
from ghl_desktop.services.notes_tasks import TaskInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.task_form import TaskFormDialog
from ghl_desktop.ui.models.tasks import ASSIGNEE, CONTACT, DONE, DUE, TITLE, TaskTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.contacts.loaders import load_lookups
from ghl_desktop.ui.screens.contacts.lookups import EMPTY_LOOKUPS, CrmLookups
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import Workspace

MINE, EVERYONE = "mine", "everyone"
EMPTY_TEXT = {
    MINE: "No tasks assigned to you here. Add one from a contact's page, or show everyone's.",
    EVERYONE: "No tasks in this sub-account. Add one from a contact's page.",
    "": "No tasks assigned to them here.",
}


class TasksScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("TasksScreen")
        self.lookups: CrmLookups = EMPTY_LOOKUPS
        self.heading = heading = QLabel("My tasks")
        heading.setProperty("role", "heading")
        self.whose = QComboBox()
        self.whose.setObjectName("TaskOwner")
        self.whose.setAccessibleName("Show tasks of")
        self.whose.setMinimumWidth(200)
        self._fill_whose()
        self.summary = QLabel()
        self.summary.setObjectName("TaskSummary")
        self.summary.setProperty("role", "muted")
        self.show_done = QCheckBox("Show done tasks")
        self.complete_button = QPushButton("&Complete")
        self.complete_button.setObjectName("CompleteTask")
        self.edit_button = QPushButton("&Edit…")
        self.model = TaskTableModel(self)
        self.model.user_label = lambda user_id: self.lookups.user_label(user_id)
        self.table = DataTable(
            self.model, stretch_column=TITLE,
            widths={DONE: 50, CONTACT: 200, DUE: 190, ASSIGNEE: 180},
        )  # fmt: skip
        self.table.setColumnHidden(ASSIGNEE, True)
        self.table.setObjectName("TaskTable")
        self.table.setAccessibleName("My tasks")
        bar = QHBoxLayout()
        bar.addWidget(self.complete_button)
        bar.addWidget(self.edit_button)
        bar.addStretch(1)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.whose)
        bar.addWidget(self.show_done)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 12)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._select_id: str | None = None
        self.show_done.toggled.connect(lambda _on: self.refresh())
        self.whose.activated.connect(lambda _index: self.refresh())
        self.complete_button.clicked.connect(self.toggle_completed)
        self.edit_button.clicked.connect(self.edit_selected)
        self.table.item_activated.connect(lambda _t: self.edit_selected())
        self.table.current_item_changed.connect(lambda _t: self._update_actions())

    def concerns(self, change: Change) -> bool:
        current = self.snapshot.sub_account if self.snapshot else None
        same = change.sub_account_id is None or (
            current is not None and change.sub_account_id == current.id
        )
        return same and change.concerns("task", "contact", "bulk_action")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            self.model.set_items([])
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        done = self.show_done.isChecked()
        whose = self.whose_key()
        user_id = None if whose in (MINE, EVERYONE) else whose

        def load() -> tuple[list[TaskInfo], CrmLookups]:
            tasks = notes_tasks.my_tasks(
                uows, actor, sub_id, user_id=user_id, include_completed=done,
                everyone=whose == EVERYONE,
            )  # fmt: skip
            return tasks, load_lookups(uows, actor, sub_id)

        ReadOp(self.ctx.ops, self, load, key="tasks").success(self._show).run()

    def whose_key(self) -> str:
        """MINE, EVERYONE or a teammate's user id."""
        return str(self.whose.currentData() or MINE)

    def _fill_whose(self) -> None:
        current = self.whose_key() if self.whose.count() else MINE
        me = self.snapshot.actor.user_id if self.snapshot else None
        self.whose.clear()
        self.whose.addItem("My tasks", MINE)
        self.whose.addItem("Everyone's tasks", EVERYONE)
        for user in self.lookups.users:
            if user.id != me:
                self.whose.addItem(f"{user.label}'s tasks", user.id)
        self.whose.setCurrentIndex(max(self.whose.findData(current), 0))

    def _show(self, loaded: tuple[list[TaskInfo], CrmLookups]) -> None:
        tasks, self.lookups = loaded
        self._fill_whose()
        whose = self.whose_key()
        self.heading.setText(self.whose.currentText() if whose != MINE else "My tasks")
        self.table.setColumnHidden(ASSIGNEE, whose != EVERYONE)
        keep = self._select_id or getattr(self.selected(), "id", None)
        self.model.set_items(tasks)
        self._select_id = None
        row = self.model.find_row(lambda t: t.id == keep) if keep else 0
        self.table.select_row(max(row, 0))
        overdue = sum(1 for t in tasks if t.is_overdue)
        open_tasks = sum(1 for t in tasks if not t.is_completed)
        self.summary.setText(
            f"{open_tasks} open · {overdue} overdue"
            if tasks
            else EMPTY_TEXT[whose if whose in EMPTY_TEXT else ""]
        )
        self._update_actions()

    def selected(self) -> TaskInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, TaskInfo) else None

    def _update_actions(self) -> None:
        task = self.selected()
        can_write = self.snapshot is not None and self.snapshot.can("contacts.write")
        self.complete_button.setVisible(can_write)
        self.edit_button.setVisible(can_write)
        self.complete_button.setEnabled(task is not None)
        self.edit_button.setEnabled(task is not None)
        self.complete_button.setText("&Reopen" if task and task.is_completed else "&Complete")

    def toggle_completed(self) -> None:
        task, snapshot = self.selected(), self.snapshot
        if task is None or snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        done = not task.is_completed
        self._select_id = task.id
        WriteOp(
            self.ctx.ops, self,
            lambda: notes_tasks.complete_task(uows, actor, sub_id, task.id, done),
        ).changes("task", sub_account_id=sub_id).run()  # fmt: skip

    def edit_selected(self) -> TaskFormDialog | None:
        task, snapshot = self.selected(), self.snapshot
        if task is None or snapshot is None or snapshot.sub_account is None:
            return None
        dialog = TaskFormDialog(self.ctx, self, snapshot, self.lookups, existing=task)
        dialog.open()
        return dialog
