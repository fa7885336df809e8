"""Custom values (merge variables) of a sub-account, by key."""

from __future__ import annotations

from ghl_desktop.services.custom_values import CustomValueInfo
from ghl_desktop.ui.models.base import RecordTableModel

TOKEN, LABEL, VALUE = range(3)


class CustomValueTableModel(RecordTableModel[CustomValueInfo]):
    HEADERS = ("Merge field", "Label", "Value")

    def display(self, item: CustomValueInfo, column: int) -> str:
        if column == TOKEN:
            return item.token
        if column == LABEL:
            return item.label
        if column == VALUE:
            return " ".join(item.value.split())
        return ""

    def tooltip(self, item: CustomValueInfo, column: int) -> str | None:
        return item.value or None if column == VALUE else None
