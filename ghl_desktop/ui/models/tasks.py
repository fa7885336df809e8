"""Tasks in "My tasks" order: overdue first, then by due date; done ones dimmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ghl_desktop.services.notes_tasks import TaskInfo
from ghl_desktop.ui.models.base import RecordTableModel

DONE, TITLE, CONTACT, DUE, ASSIGNEE = range(5)
OVERDUE_COLOUR = QColor("#b42318")


class TaskTableModel(RecordTableModel[TaskInfo]):
    HEADERS = ("Done", "Task", "Contact", "Due", "Assigned to")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        # Names the assignee (the screen sets it from its lookups): ids are never shown.
        self.user_label: Callable[[str | None], str] = lambda _user_id: ""

    def display(self, item: TaskInfo, column: int) -> str:
        if column == DONE:
            return "✓" if item.is_completed else ""
        if column == TITLE:
            return item.title
        if column == CONTACT:
            return item.contact_name
        if column == DUE:
            if item.due_at is None:
                return "No due date"
            due = item.due_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return f"{due} (overdue)" if item.is_overdue else due
        if column == ASSIGNEE:
            return self.user_label(item.assigned_user_id) if item.assigned_user_id else "Nobody"
        return ""

    def tooltip(self, item: TaskInfo, column: int) -> str | None:
        return item.description or None if column == TITLE else None

    def is_dimmed(self, item: TaskInfo) -> bool:
        return item.is_completed

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and index.isValid()
            and index.column() == DUE
            and self.item(index.row()).is_overdue
        ):
            return OVERDUE_COLOUR
        return super().data(index, role)
