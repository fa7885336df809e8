"""Built-in and custom roles."""

from __future__ import annotations

from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.ui.models.base import RecordTableModel

NAME, SCOPE, KIND, PERMISSIONS, DESCRIPTION = range(5)

SCOPE_LABELS = {"agency": "Agency", "sub_account": "Sub-account"}


class RoleTableModel(RecordTableModel[RoleInfo]):
    HEADERS = ("Name", "Applies to", "Type", "Permissions", "Description")

    def display(self, item: RoleInfo, column: int) -> str:
        if column == NAME:
            return item.name
        if column == SCOPE:
            return SCOPE_LABELS.get(item.scope, item.scope)
        if column == KIND:
            return "Built-in" if item.is_builtin else "Custom"
        if column == PERMISSIONS:
            return str(len(item.permissions))
        if column == DESCRIPTION:
            return item.description
        return ""

    def tooltip(self, item: RoleInfo, column: int) -> str | None:
        if column == PERMISSIONS:
            return "\n".join(item.permissions)
        if column == DESCRIPTION and item.description:
            return item.description
        return None
