"""The steps of one funnel in order: add, remove, reorder, open in the page editor, publish,
open in the browser, and the funnel's statistics."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ghl_desktop.services.sites import funnels, pages
from ghl_desktop.services.sites.funnels import FunnelDetail, StepInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.screens.sites.models import StepTableModel
from ghl_desktop.ui.screens.sites.page_editor import PageEditorDialog
from ghl_desktop.ui.screens.sites.stats_dialog import FunnelStatsDialog
from ghl_desktop.ui.screens.sites.step_dialog import StepDialog
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class StepsEditor(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.detail: FunnelDetail | None = None
        self.title = QLabel("Steps")
        self.title.setProperty("role", "subheading")
        self.model = StepTableModel(self)
        self.table = DataTable(self.model, stretch_column=1, widths={0: 40, 2: 150, 3: 90})
        self.table.setObjectName("StepTable")
        self.table.setAccessibleName("Steps of the funnel")
        self.table.item_activated.connect(lambda _step: self.edit_page())
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text, action in (
            ("AddStep", "Add step…", self.add_step),
            ("EditPage", "Edit page…", self.edit_page),
            ("PublishStep", "Publish", self.publish),
            ("RemoveStep", "Remove", self.remove),
            ("StepUp", "Up", lambda: self.move_step(-1)),
            ("StepDown", "Down", lambda: self.move_step(1)),
            ("OpenStep", "Open in browser", self.open_in_browser),
            ("FunnelStats", "Statistics…", self.statistics),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(action)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.table.current_item_changed.connect(lambda _s: self._enable())
        self._enable()

    @property
    def sub(self) -> str:
        return self.snapshot.sub_account.id if self.snapshot and self.snapshot.sub_account else ""

    def show_funnel(self, snapshot: WorkspaceSnapshot, funnel_id: str | None) -> None:
        self.snapshot = snapshot
        if funnel_id is None:
            self.detail = None
            self.model.set_items([])
            self.title.setText("Steps")
            self._enable()
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, self.sub
        ReadOp(
            self.ctx.ops, self, lambda: funnels.get_funnel(uows, actor, sub, funnel_id), key="steps"
        ).success(self._show).run()

    def _show(self, detail: FunnelDetail) -> None:
        current = self.table.current_item()
        self.detail = detail
        self.title.setText(f"Steps of {detail.funnel.name}")
        self.model.set_items(list(detail.steps))
        if isinstance(current, StepInfo):
            self.table.select_row(self.model.find_row(lambda s: s.page_id == current.page_id))
        self._enable()

    def current(self) -> StepInfo | None:
        item = self.table.current_item()
        return item if isinstance(item, StepInfo) else None

    def _enable(self) -> None:
        can = self.snapshot is not None and self.snapshot.can("sites.publish")
        step = self.current()
        self.buttons["AddStep"].setEnabled(can and self.detail is not None)
        for name in ("PublishStep", "RemoveStep", "StepUp", "StepDown"):
            self.buttons[name].setEnabled(can and step is not None)
        self.buttons["EditPage"].setEnabled(step is not None)
        self.buttons["OpenStep"].setEnabled(step is not None and step.is_published)
        self.buttons["FunnelStats"].setEnabled(self.detail is not None)

    def _write(self, call: Callable[[], object]) -> None:
        WriteOp(self.ctx.ops, self, call).changes("sites", sub_account_id=self.sub).success(
            lambda _r: self.reload()
        ).run()

    def reload(self) -> None:
        if self.snapshot is not None and self.detail is not None:
            self.show_funnel(self.snapshot, self.detail.funnel.id)
        self.changed.emit()

    # -- actions ----------------------------------------------------------------------------
    def add_step(self) -> None:
        if self.snapshot is None or self.detail is None:
            return
        dialog = StepDialog(self.ctx, self, self.snapshot, self.detail.funnel.id)
        dialog.succeeded.connect(lambda _s: self.reload())
        dialog.open()

    def edit_page(self) -> None:
        step = self.current()
        if step is None or self.snapshot is None:
            return
        editor = PageEditorDialog(self.ctx, self, self.snapshot, step.page_id)
        editor.saved.connect(lambda _p: self.reload())
        editor.open()

    def publish(self) -> None:
        step, uows = self.current(), self.ctx.uows
        if step is not None and self.snapshot is not None:
            actor, sub = self.snapshot.actor, self.sub
            self._write(lambda: pages.publish_page(uows, actor, sub, step.page_id))

    def remove(self) -> None:
        step, uows = self.current(), self.ctx.uows
        if step is not None and self.snapshot is not None:
            actor, sub = self.snapshot.actor, self.sub
            self._write(lambda: funnels.remove_step(uows, actor, sub, step.page_id))

    def move_step(self, offset: int) -> None:
        step = self.current()
        if step is None or self.detail is None or self.snapshot is None:
            return
        order = [s.page_id for s in self.detail.steps]
        index = order.index(step.page_id)
        target = index + offset
        if not 0 <= target < len(order):
            return
        order[index], order[target] = order[target], order[index]
        uows, actor, sub, funnel_id = (
            self.ctx.uows,
            self.snapshot.actor,
            self.sub,
            (self.detail.funnel.id),
        )
        self._write(lambda: funnels.reorder_steps(uows, actor, sub, funnel_id, order))

    def open_in_browser(self) -> None:
        step, host = self.current(), self.ctx.funnel_server
        if step is None or self.detail is None or host is None:
            return
        url = host.page_url(self.detail.funnel.slug, step.slug)
        if url:
            QDesktopServices.openUrl(QUrl(url))

    def statistics(self) -> None:
        if self.detail is not None and self.snapshot is not None:
            FunnelStatsDialog(self.ctx, self, self.snapshot, self.detail.funnel).open()
