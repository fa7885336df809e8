"""The bulk-actions log of a sub-account, newest first."""

from __future__ import annotations

from ghl_desktop.services.bulk_actions import BulkActionInfo
from ghl_desktop.ui.models.base import RecordTableModel

WHEN, WHAT, STATUS, CONTACTS = range(4)


class BulkActionTableModel(RecordTableModel[BulkActionInfo]):
    HEADERS = ("When", "Action", "Status", "Contacts changed")

    def display(self, item: BulkActionInfo, column: int) -> str:
        if column == WHEN:
            return item.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == WHAT:
            return item.description
        if column == STATUS:
            return item.status.value.capitalize()
        if column == CONTACTS:
            return f"{item.changed:,} of {item.total:,}"
        return ""

    def tooltip(self, item: BulkActionInfo, column: int) -> str | None:
        return item.error if column == STATUS and item.error else None

    def is_dimmed(self, item: BulkActionInfo) -> bool:
        return item.undone_at is not None
