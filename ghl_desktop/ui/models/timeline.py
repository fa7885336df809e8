"""A contact's timeline (notes, tasks, activity and, as capabilities land, messages,
opportunities, appointments, forms and payments), newest first."""

from __future__ import annotations

from ghl_desktop.services.contact_timeline import TimelineEntry
from ghl_desktop.ui.models.base import RecordTableModel

WHEN, KIND, WHAT, DETAIL = range(4)

KIND_LABELS = {
    "note": "Note",
    "task": "Task",
    "task_completed": "Task done",
    "activity": "Change",
    "message": "Message",
    "opportunity": "Opportunity",
    "appointment": "Appointment",
    "form": "Form",
    "payment": "Payment",
}


class TimelineTableModel(RecordTableModel[TimelineEntry]):
    HEADERS = ("When", "Type", "What", "Detail")

    def display(self, item: TimelineEntry, column: int) -> str:
        if column == WHEN:
            return item.at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == KIND:
            return KIND_LABELS.get(item.kind, item.kind.replace("_", " ").capitalize())
        if column == WHAT:
            return item.title
        if column == DETAIL:
            return " ".join(item.detail.split())  # one line in the table
        return ""

    def tooltip(self, item: TimelineEntry, column: int) -> str | None:
        return item.detail or None if column in (WHAT, DETAIL) else None
