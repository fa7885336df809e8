"""Settings → Sub-accounts: every sub-account of the agency (archived ones included), create,
edit, archive and unarchive."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from ghl_desktop.services import agencies
from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.sub_account_form import SubAccountFormDialog
from ghl_desktop.ui.models.sub_accounts import (
    COUNTRY,
    CURRENCY,
    NAME,
    STATUS,
    TIMEZONE,
    SubAccountTableModel,
)
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.page_header import PageHeader
from ghl_desktop.ui.workspace import Workspace


class SubAccountsPage(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("SubAccountsPage")
        self.model = SubAccountTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=NAME,
            widths={TIMEZONE: 190, COUNTRY: 80, CURRENCY: 80, STATUS: 90},
        )  # fmt: skip
        self.table.setObjectName("SubAccountTable")
        self.table.setAccessibleName("Sub-accounts")
        self.new_button = QPushButton("&New sub-account…")
        self.new_button.setObjectName("NewSubAccount")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setObjectName("EditSubAccount")
        self.archive_button = QPushButton("&Archive")
        self.archive_button.setObjectName("ArchiveSubAccount")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.archive_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            PageHeader(
                "Sub-accounts",
                "Each sub-account is one client business with its own contacts, pipelines and "
                "settings. Archived sub-accounts keep their data and can be restored.",
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._select_id: str | None = None
        self.new_button.clicked.connect(self.new_sub_account)
        self.edit_button.clicked.connect(self.edit_selected)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.table.item_activated.connect(lambda _item: self.edit_selected())
        self.table.current_item_changed.connect(lambda _item: self._update_actions())
        self._update_actions()

    def concerns(self, change: Change) -> bool:
        return change.concerns("sub_account")

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.agency is None:
            self.model.set_items([])
            return
        uows, actor, agency_id = self.ctx.uows, snapshot.actor, snapshot.agency.id
        ReadOp(
            self.ctx.ops, self,
            lambda: agencies.list_sub_accounts(uows, actor, agency_id, include_archived=True),
            key="list",
        ).success(self._show).run()  # fmt: skip

    def _show(self, items: list[SubAccountInfo]) -> None:
        keep = self._select_id or getattr(self.table.current_item(), "id", None)
        self.model.set_items(items)
        self._select_id = None
        row = self.model.find_row(lambda s: s.id == keep) if keep else -1
        self.table.select_row(row if row >= 0 else 0)
        self._update_actions()

    def _update_actions(self) -> None:
        snapshot = self.snapshot
        selected: SubAccountInfo | None = self.table.current_item()
        can_manage = snapshot is not None and snapshot.can_agency("sub_accounts.manage")
        self.new_button.setVisible(can_manage)
        self.archive_button.setVisible(can_manage)
        self.archive_button.setEnabled(selected is not None)
        self.archive_button.setText(
            "Un&archive" if selected is not None and selected.is_archived else "&Archive"
        )
        can_edit = snapshot is not None and (
            snapshot.can_agency("settings.manage")
            or (
                selected is not None
                and snapshot.sub_account is not None
                and selected.id == snapshot.sub_account.id
                and snapshot.can("settings.manage")
            )
        )
        self.edit_button.setVisible(snapshot is not None and snapshot.can("settings.manage"))
        self.edit_button.setEnabled(selected is not None and can_edit)

    def new_sub_account(self) -> SubAccountFormDialog | None:
        if self.snapshot is None or not self.new_button.isVisible():
            return None
        dialog = SubAccountFormDialog(self.ctx, self, self.snapshot)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def edit_selected(self) -> SubAccountFormDialog | None:
        selected: SubAccountInfo | None = self.table.current_item()
        if self.snapshot is None or selected is None or not self.edit_button.isEnabled():
            return None
        dialog = SubAccountFormDialog(self.ctx, self, self.snapshot, selected)
        dialog.succeeded.connect(self._remember)
        dialog.open()
        return dialog

    def toggle_archived(self) -> None:
        selected: SubAccountInfo | None = self.table.current_item()
        if self.snapshot is None or selected is None:
            return
        uows, actor, archive = self.ctx.uows, self.snapshot.actor, not selected.is_archived
        self._select_id = selected.id
        WriteOp(
            self.ctx.ops, self,
            lambda: agencies.set_sub_account_archived(uows, actor, selected.id, archive),
        ).changes("sub_account", sub_account_id=selected.id).run()  # fmt: skip

    def _remember(self, result: object) -> None:
        if isinstance(result, SubAccountInfo):
            self._select_id = result.id
