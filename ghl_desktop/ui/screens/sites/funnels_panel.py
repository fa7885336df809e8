"""Funnels: the sub-account's funnels (new, edit, publish or take offline, delete) and the
steps of the selected one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from ghl_desktop.services.sites import funnels
from ghl_desktop.services.sites.funnels import FunnelInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp
from ghl_desktop.ui.screens.sites.funnel_dialog import FunnelDialog
from ghl_desktop.ui.screens.sites.models import FunnelTableModel
from ghl_desktop.ui.screens.sites.steps_editor import StepsEditor
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class FunnelsPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.model = FunnelTableModel(self)
        self.table = DataTable(self.model, stretch_column=0, widths={1: 160, 2: 60, 3: 80})
        self.table.setObjectName("FunnelTable")
        self.table.setAccessibleName("Funnels")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text, action in (
            ("NewFunnel", "New funnel…", self.new_funnel),
            ("EditFunnel", "Edit…", self.edit_funnel),
            ("PublishFunnel", "Take offline", self.toggle_published),
            ("DeleteFunnel", "Delete", self.delete_funnel),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(action)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.steps = StepsEditor(ctx)
        self.steps.changed.connect(self.changed.emit)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(row)
        top_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.steps)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.table.current_item_changed.connect(self._chosen)

    @property
    def sub(self) -> str:
        return self.snapshot.sub_account.id if self.snapshot and self.snapshot.sub_account else ""

    def current(self) -> FunnelInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, FunnelInfo) else None

    def show_funnels(self, snapshot: WorkspaceSnapshot, items: Sequence[FunnelInfo]) -> None:
        self.snapshot = snapshot
        current = self.current()
        self.model.set_items(items)
        row = self.model.find_row(lambda f: current is not None and f.id == current.id)
        self.table.select_row(row if row >= 0 else 0)
        self._chosen(self.current())

    def _chosen(self, _item: object) -> None:
        funnel = self.current()
        can = self.snapshot is not None and self.snapshot.can("sites.publish")
        self.buttons["NewFunnel"].setEnabled(can)
        for name in ("EditFunnel", "PublishFunnel", "DeleteFunnel"):
            self.buttons[name].setEnabled(can and funnel is not None)
        published = funnel is not None and funnel.is_published
        self.buttons["PublishFunnel"].setText("Take offline" if published else "Put online")
        if self.snapshot is not None:
            self.steps.show_funnel(self.snapshot, funnel.id if funnel else None)

    def new_funnel(self) -> None:
        if self.snapshot is not None:
            dialog = FunnelDialog(self.ctx, self, self.snapshot)
            dialog.succeeded.connect(lambda _f: self.changed.emit())
            dialog.open()

    def edit_funnel(self) -> None:
        funnel = self.current()
        if self.snapshot is not None and funnel is not None:
            dialog = FunnelDialog(self.ctx, self, self.snapshot, funnel)
            dialog.succeeded.connect(lambda _f: self.changed.emit())
            dialog.open()

    def toggle_published(self) -> None:
        funnel = self.current()
        if self.snapshot is None or funnel is None:
            return
        uows, actor, sub, online = (
            self.ctx.uows,
            self.snapshot.actor,
            self.sub,
            not (funnel.is_published),
        )
        WriteOp(
            self.ctx.ops, self, lambda: funnels.set_published(uows, actor, sub, funnel.id, online)
        ).changes("sites", sub_account_id=sub).success(lambda _r: self.changed.emit()).run()

    def delete_funnel(self) -> None:
        funnel = self.current()
        if self.snapshot is None or funnel is None:
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        WriteOp(
            self.ctx.ops, self, lambda: funnels.delete_funnel(uows, actor, sub, funnel.id)
        ).changes("sites", sub_account_id=sub).success(lambda _r: self.changed.emit()).run()
