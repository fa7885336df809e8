"""Bulk actions from the contacts screen: the menu, the question dialog, the run in the
background with a progress bar and Cancel, and the log with Undo."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QWidget

from ghl_desktop.models.crm_lists import BulkActionKind
from ghl_desktop.services import bulk_actions
from ghl_desktop.services.bulk_actions import BulkActionInfo, BulkSelection
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.bulk_action_dialog import TITLES, BulkActionDialog, BulkRequest
from ghl_desktop.ui.dialogs.bulk_log import BulkLogDialog
from ghl_desktop.ui.ops import WriteOp, show_error
from ghl_desktop.ui.screens.contacts.contact_list import ContactListPanel
from ghl_desktop.ui.widgets.job_progress import JobProgress
from ghl_desktop.ui.workspace import Workspace

PERMISSIONS = {
    BulkActionKind.ADD_TAG: "contacts.write",
    BulkActionKind.REMOVE_TAG: "contacts.write",
    BulkActionKind.ASSIGN_USER: "contacts.write",
    BulkActionKind.SET_LIFECYCLE_STAGE: "contacts.write",
    BulkActionKind.DELETE: "contacts.delete",
}


class BulkRunner(QObject):
    finished = Signal(object)  # BulkActionInfo

    def __init__(
        self, ctx: UiContext, workspace: Workspace, panel: ContactListPanel,
        progress: Callable[[], JobProgress], owner: QWidget,
    ) -> None:  # fmt: skip
        super().__init__(owner)
        self.ctx = ctx
        self.workspace = workspace
        self.panel = panel
        self.progress = progress  # the progress bar, built when first asked for
        self.owner = owner
        self.running = False
        self.last_result: BulkActionInfo | None = None

    def menu(self) -> QMenu:
        menu = QMenu(self.owner)
        snapshot = self.workspace.snapshot
        for kind, title in TITLES.items():
            action = menu.addAction(title + "…")
            action.setEnabled(snapshot is not None and snapshot.can(PERMISSIONS[kind]))
            action.triggered.connect(lambda _c=False, k=kind: self.ask(k))
        menu.addSeparator()
        menu.addAction("Bulk-actions log (undo)…").triggered.connect(self.open_log)
        return menu

    def ask(self, kind: BulkActionKind) -> BulkActionDialog:
        dialog = BulkActionDialog(
            self.owner, kind, self.panel.lookups,
            selected=self.panel.table.selected_count(), list_count=self.panel.model.rowCount(),
        )  # fmt: skip
        dialog.chosen.connect(self.run)
        dialog.open()
        return dialog

    def run(self, request: BulkRequest) -> None:
        snapshot = self.workspace.snapshot
        if self.running or snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ids_call = None if request.whole_list else self.panel.selected_ids_call()
        keywords = self.panel.list_keywords()
        relay = self.progress().start(TITLES[request.kind])
        self.running = True

        def work() -> BulkActionInfo:
            selection = (
                BulkSelection(
                    filter=keywords["filter"],
                    search=keywords["search"],
                    include_archived=keywords["include_archived"],
                )
                if ids_call is None
                else BulkSelection(contact_ids=tuple(ids_call()))
            )
            return bulk_actions.run_bulk_action(
                uows, actor, sub_id, request.kind, selection, tag=request.tag,
                user_id=request.user_id, lifecycle_stage=request.lifecycle_stage,
                progress=relay.report, cancel=relay.cancelled,
            )  # fmt: skip

        WriteOp(self.ctx.ops, self.owner, work).changes(
            "bulk_action", "contact", sub_account_id=sub_id
        ).success(self._done).failure(self._failed).run()

    def _done(self, result: BulkActionInfo) -> None:
        self.running = False
        self.progress().finish()
        self.last_result = result
        self.finished.emit(result)

    def _failed(self, error: Exception) -> None:
        self.running = False
        self.progress().finish()
        show_error(self.owner, error)

    def open_log(self) -> BulkLogDialog | None:
        snapshot = self.workspace.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        dialog = BulkLogDialog(self.ctx, self.owner, snapshot)
        dialog.open()
        return dialog
