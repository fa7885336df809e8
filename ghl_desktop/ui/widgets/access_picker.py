"""Pick where a user gets access (agency-wide or one sub-account) and with which role; the
role list follows the choice (agency roles agency-wide, sub-account roles in a sub-account).

Not a widget itself: it drives two combo boxes the dialog lays out as rows of its own form,
so their labels line up with the dialog's other fields."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QComboBox

from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.services.roles import RoleInfo

AGENCY_WIDE = "__agency__"


class AccessPicker(QObject):
    def __init__(
        self, roles: Sequence[RoleInfo], sub_accounts: Sequence[SubAccountInfo], *,
        parent: QObject | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._roles = list(roles)
        self.where = QComboBox()
        self.where.setObjectName("AccessWhere")
        self.where.addItem("Agency-wide", AGENCY_WIDE)
        for sub in sub_accounts:
            if not sub.is_archived:
                self.where.addItem(sub.name, sub.id)
        self.role = QComboBox()
        self.role.setObjectName("AccessRole")
        self.where.currentIndexChanged.connect(self._fill_roles)
        self._fill_roles()

    def _fill_roles(self) -> None:
        where = self.where.currentData()
        self.role.clear()
        scope = "agency" if where == AGENCY_WIDE else "sub_account"
        for role in self._roles:
            if role.scope == scope:
                self.role.addItem(role.name, role.id)
        self.role.setEnabled(self.role.count() > 0)

    def choose(self, where: str, role_id: str | None = None) -> None:
        """Preselect a place (a sub-account id or ``AGENCY_WIDE``) and a role."""
        index = self.where.findData(where)
        if index >= 0:
            self.where.setCurrentIndex(index)
        if role_id is not None and (role_index := self.role.findData(role_id)) >= 0:
            self.role.setCurrentIndex(role_index)

    def role_id(self) -> str | None:
        """The chosen role's id (None only when no role fits the place)."""
        value = self.role.currentData()
        return value if isinstance(value, str) else None

    def sub_account_id(self) -> str | None:
        """The chosen sub-account's id, or None for agency-wide access."""
        value = self.where.currentData()
        return None if value == AGENCY_WIDE else str(value)
