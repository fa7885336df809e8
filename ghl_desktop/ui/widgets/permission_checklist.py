"""The permission catalogue as a checklist grouped by area (Contacts, Payments, ...)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from ghl_desktop.core.permissions import PERMISSIONS

KEY_ROLE = Qt.ItemDataRole.UserRole + 1

AREA_TITLES = {"ai": "AI", "sub_accounts": "Sub-accounts"}


def area_title(area: str) -> str:
    return AREA_TITLES.get(area, area.replace("_", " ").capitalize())


class PermissionChecklist(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PermissionChecklist")
        self.setAccessibleName("Permissions")
        self.setHeaderLabels(["Permission", "Allows"])
        self.setUniformRowHeights(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._read_only = False
        areas: dict[str, QTreeWidgetItem] = {}
        for key, description in PERMISSIONS.items():
            area, action = key.split(".", 1)
            parent_item = areas.get(area)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self, [area_title(area), ""])
                parent_item.setFlags(
                    parent_item.flags()
                    | Qt.ItemFlag.ItemIsUserCheckable
                    | Qt.ItemFlag.ItemIsAutoTristate
                )
                areas[area] = parent_item
            item = QTreeWidgetItem(parent_item, [action.replace("_", " "), description])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, KEY_ROLE, key)
            item.setToolTip(0, key)
            self._items[key] = item
        self.expandAll()
        # About 35 rows: sizing the first column to its contents is cheap here.
        self.resizeColumnToContents(0)
        self.setColumnWidth(0, self.columnWidth(0) + 24)

    def checked_keys(self) -> list[str]:
        return sorted(
            key for key, item in self._items.items() if item.checkState(0) == Qt.CheckState.Checked
        )

    def set_checked(self, keys: Iterable[str]) -> None:
        wanted = set(keys)
        for key, item in self._items.items():
            item.setCheckState(
                0, Qt.CheckState.Checked if key in wanted else Qt.CheckState.Unchecked
            )

    def set_key_checked(self, key: str, checked: bool) -> None:
        self._items[key].setCheckState(
            0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        )

    def set_read_only(self, read_only: bool) -> None:
        """Show a built-in role's permissions without letting them be toggled."""
        self._read_only = read_only
        for item in [*self._items.values(), *self._area_items()]:
            flags = item.flags()
            if read_only:
                flags &= ~Qt.ItemFlag.ItemIsUserCheckable
            else:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)

    def _area_items(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]
