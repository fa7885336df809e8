"""Sub-accounts of an agency, archived ones included (shown dimmed)."""

from __future__ import annotations

from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.ui.models.base import RecordTableModel

NAME, TIMEZONE, COUNTRY, CURRENCY, STATUS, CREATED = range(6)


class SubAccountTableModel(RecordTableModel[SubAccountInfo]):
    HEADERS = ("Name", "Time zone", "Country", "Currency", "Status", "Created")

    def display(self, item: SubAccountInfo, column: int) -> str:
        if column == NAME:
            return item.name
        if column == TIMEZONE:
            return item.timezone
        if column == COUNTRY:
            return item.country
        if column == CURRENCY:
            return item.currency
        if column == STATUS:
            return "Archived" if item.is_archived else "Active"
        if column == CREATED:
            return item.created_at.astimezone().strftime("%Y-%m-%d")
        return ""

    def is_dimmed(self, item: SubAccountInfo) -> bool:
        return item.is_archived
