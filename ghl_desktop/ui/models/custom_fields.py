"""Custom field definitions of a sub-account, in form order."""

from __future__ import annotations

from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.ui.models.base import RecordTableModel

LABEL, KEY, TYPE, REQUIRED, OPTIONS = range(5)


class CustomFieldTableModel(RecordTableModel[CustomFieldInfo]):
    HEADERS = ("Label", "Key", "Type", "Required", "Options")

    def display(self, item: CustomFieldInfo, column: int) -> str:
        if column == LABEL:
            return item.label
        if column == KEY:
            return item.key
        if column == TYPE:
            return str(item.field_type.value).capitalize()
        if column == REQUIRED:
            return "Yes" if item.is_required else ""
        if column == OPTIONS:
            return ", ".join(item.options)
        return ""
