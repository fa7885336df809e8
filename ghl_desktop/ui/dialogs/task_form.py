"""Create a task on a contact, or edit one: title, description, due date and time (or none),
assignee."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ghl_desktop.services import notes_tasks
from ghl_desktop.services.notes_tasks import TaskInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def _to_utc(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


class TaskFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        lookups: CrmLookups, *, contact_id: str | None = None, existing: TaskInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New task" if existing is None else f"Edit task “{existing.title}”"
        super().__init__(ctx, parent, title, "Create task" if existing is None else "Save")
        assert snapshot.sub_account is not None
        assert contact_id is not None or existing is not None
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.contact_id = contact_id
        self.existing = existing
        self.change_topics = ("task",)
        self.title_edit = QLineEdit(existing.title if existing else "")
        self.title_edit.setObjectName("TaskTitle")
        self.description = QPlainTextEdit(existing.description if existing else "")
        self.description.setFixedHeight(80)
        self.has_due = QCheckBox("Due")
        self.due = QDateTimeEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd HH:mm")
        when = existing.due_at if existing and existing.due_at else None
        start = when or (datetime.now(UTC) + timedelta(days=1))
        self.due.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
        self.has_due.setChecked(existing is None or when is not None)
        self.due.setEnabled(self.has_due.isChecked())
        self.has_due.toggled.connect(self.due.setEnabled)
        self.assignee = QComboBox()
        self.assignee.addItem("Nobody", "")
        for user in lookups.users:
            self.assignee.addItem(user.label, user.id)
        chosen = existing.assigned_user_id if existing else snapshot.actor.user_id
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(chosen or "")))
        self.add_field("&Title", self.title_edit, "title")
        self.add_field("&Description", self.description, "description")
        self.add_field("", self.has_due)
        self.add_field("Due &at", self.due, "due_at")
        self.add_field("&Assigned to", self.assignee, "assigned_user_id")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        title, description = self.title_edit.text(), self.description.toPlainText()
        due = _to_utc(self.due.dateTime()) if self.has_due.isChecked() else None
        assignee = str(self.assignee.currentData() or "") or None
        if self.existing is None:
            contact_id = self.contact_id
            assert contact_id is not None
            return lambda: notes_tasks.create_task(
                uows, actor, sub_id, contact_id, title, description=description, due_at=due,
                assigned_user_id=assignee,
            )  # fmt: skip
        task_id = self.existing.id
        return lambda: notes_tasks.update_task(
            uows, actor, sub_id, task_id, title=title, description=description, due_at=due,
            assigned_user_id=assignee,
        )  # fmt: skip
