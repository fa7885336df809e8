"""Table models of the Outbox screen: outbox messages and scheduler jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ghl_desktop.models.outbox import OutboxStatus
from ghl_desktop.services.outbox.admin import OutboxItem
from ghl_desktop.services.scheduler_state import JobRunView
from ghl_desktop.ui.models.base import RecordTableModel

CREATED, CHANNEL, RECIPIENT, SUBJECT, STATUS, ATTEMPTS, NEXT, ERROR = range(8)

STATUS_LABELS = {
    OutboxStatus.QUEUED: "Queued",
    OutboxStatus.SENDING: "Sending",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.FAILED: "Will retry",
    OutboxStatus.DEAD: "Dead letter",
    OutboxStatus.CANCELLED: "Cancelled",
}


def when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def one_line(text: str | None, limit: int = 120) -> str:
    """Message text in a table cell: first line only, control characters dropped."""
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    clean = "".join(c for c in first if c.isprintable())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


class OutboxTableModel(RecordTableModel[OutboxItem]):
    HEADERS = ("Created", "Channel", "To", "Subject", "Status", "Attempts", "Next attempt",
               "Last error")  # fmt: skip

    def display(self, item: OutboxItem, column: int) -> str:
        if column == CREATED:
            return when(item.created_at)
        if column == CHANNEL:
            return item.channel
        if column == RECIPIENT:
            return one_line(item.recipient, 60)
        if column == SUBJECT:
            return one_line(item.subject or item.body)
        if column == STATUS:
            return STATUS_LABELS[item.status]
        if column == ATTEMPTS:
            return f"{item.attempts} / {item.max_attempts}"
        if column == NEXT:
            due = item.status in (OutboxStatus.QUEUED, OutboxStatus.FAILED)
            return when(item.next_attempt_at) if due else "—"
        if column == ERROR:
            return one_line(item.last_error)
        return ""

    def tooltip(self, item: OutboxItem, column: int) -> str | None:
        if column == ERROR and item.last_error:
            return item.last_error[:2000]
        return None

    def is_dimmed(self, item: OutboxItem) -> bool:
        return item.status is OutboxStatus.CANCELLED


JOB, LAST_START, LAST_FINISH, NEXT_RUN, RUNS, HOLDER, LAST_ERROR = range(7)
# What each built-in job does, in the words of the screens that show its effect (the id stays
# in the tooltip: logs and `ghl-desktop scheduler` name jobs by id).
JOB_TITLES = {
    "workflows.tick": "Workflow steps",
    "outbox.dispatch": "Send queued messages",
    "events.redispatch": "Event delivery retries",
    "reminders.tick": "Appointment reminders",
    "calendar.sync": "Calendar sync (CalDAV)",
    "inbox.imap_poll": "Fetch email (IMAP)",
    "inbox.unsnooze": "Wake snoozed conversations",
    "maintenance": "Database maintenance",
}
NOT_SCHEDULED = "not scheduled"


class JobTableModel(RecordTableModel[JobRunView]):
    HEADERS = ("Job", "Last started", "Last finished", "Next run", "Runs", "Run by",
               "Last error")  # fmt: skip

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        # False while no scheduler holds a live lease: the stored next runs will not happen.
        self.scheduler_running = True

    def display(self, item: JobRunView, column: int) -> str:
        if column == JOB:
            return JOB_TITLES.get(item.job_id, item.job_id)
        if column == NEXT_RUN and not self.scheduler_running:
            return NOT_SCHEDULED
        if column == LAST_START:
            return when(item.last_started_at)
        if column == LAST_FINISH:
            return when(item.last_finished_at)
        if column == NEXT_RUN:
            return when(item.next_run_at)
        if column == RUNS:
            failed = f" ({item.error_count} failed)" if item.error_count else ""
            return f"{item.run_count}{failed}"
        if column == HOLDER:
            return item.holder or "—"
        if column == LAST_ERROR:
            return one_line(item.last_error) or "—"
        return ""

    def tooltip(self, item: JobRunView, column: int) -> str | None:
        if column == LAST_ERROR and item.last_error:
            return item.last_error[:2000]
        if column == JOB:
            return item.job_id
        return None
