"""Opportunities: a pipeline's kanban board (drag a card to move the deal; counts and totals
per column; quick filters; a card opens the deal), the same deals as a list, and the
pipeline's analytics. Pipeline settings and the opportunity form open from here.

The board's first paint needs one background read (one unit of work): the pipelines, the
per-column aggregates and the first page of cards of every column. The owners and the
opportunity fields are read after it shows; later reloads read only what the view shows."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.pipelines import StageKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.pipelines import board, opportunities, queries
from ghl_desktop.services.pipelines.analytics import PipelineAnalytics
from ghl_desktop.services.pipelines.board import Board, BoardOpening, Card
from ghl_desktop.services.pipelines.queries import OpportunityFilter, OpportunityInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.pipelines.analytics_panel import AnalyticsPanel
from ghl_desktop.ui.screens.pipelines.board_view import KanbanBoard
from ghl_desktop.ui.screens.pipelines.filter_bar import FilterBar
from ghl_desktop.ui.screens.pipelines.loaders import EMPTY, People, load_people, short_money
from ghl_desktop.ui.screens.pipelines.opportunity_form import OpportunityFormDialog
from ghl_desktop.ui.screens.pipelines.opportunity_table import (
    CONTACT,
    NAME,
    OpportunityTableModel,
)
from ghl_desktop.ui.screens.pipelines.pipeline_settings import PipelineSettingsDialog
from ghl_desktop.ui.screens.pipelines.stage_forms import LostReasonDialog
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

REFRESH_DELAY_MS = 150
LIST_LIMIT = 500
TOPICS = ("opportunity", "pipeline", "contact", "user", "membership")
PEOPLE_TOPICS = ("user", "membership")
BOARD, LIST, ANALYTICS = range(3)


class OpportunitiesScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("OpportunitiesScreen")
        self.lookups = EMPTY
        self.pipelines_for: str | None = None  # the sub-account the picker was filled for
        self.people_for: str | None = None  # ... and the owners and fields
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DELAY_MS)
        self.refresh_timer.timeout.connect(super().request_refresh)
        heading = QLabel("Opportunities")
        heading.setProperty("role", "heading")
        self.pipeline = QComboBox()
        self.pipeline.setObjectName("PipelinePicker")
        self.pipeline.setAccessibleName("Pipeline")
        self.pipeline.setMinimumWidth(200)
        self.views = QButtonGroup(self)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.pipeline)
        for index, text in enumerate(("&Board", "&List", "&Analytics")):
            button = QPushButton(text)
            button.setCheckable(True)
            button.setObjectName(f"View{text.strip('&')}")
            self.views.addButton(button, index)
            top.addWidget(button)
        self.views.button(BOARD).setChecked(True)
        top.addStretch(1)
        self.settings_button = QPushButton("Pipeline &settings…")
        self.settings_button.setObjectName("PipelineSettingsButton")
        self.new_button = QPushButton("&New opportunity…")
        self.new_button.setObjectName("NewOpportunity")
        top.addWidget(self.settings_button)
        top.addWidget(self.new_button)
        self.filters = FilterBar()
        self.summary = QLabel()
        self.summary.setObjectName("OpportunitySummary")
        self.summary.setProperty("role", "muted")
        self.board = KanbanBoard()
        self.list_model = OpportunityTableModel(self)
        self.table = DataTable(self.list_model, stretch_column=NAME, widths={CONTACT: 200})
        self.table.setObjectName("OpportunityTable")
        self._analytics: AnalyticsPanel | None = None  # built when first shown
        self.pages = QStackedWidget()
        self._analytics_slot = QWidget()
        for page in (self.board, self.table, self._analytics_slot):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 12)
        layout.addLayout(top)
        layout.addWidget(self.filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        self.views.idClicked.connect(self._view_chosen)
        self.pipeline.currentIndexChanged.connect(lambda _i: self.refresh())
        self.filters.changed.connect(self.refresh)
        self.board.move_requested.connect(self.move_opportunity)
        self.board.open_requested.connect(self.open_opportunity)
        self.board.more_requested.connect(self.load_more)
        self.table.item_activated.connect(lambda item: self.open_opportunity(item.id))
        self.new_button.clicked.connect(lambda: self.new_opportunity())
        self.settings_button.clicked.connect(lambda: self.open_settings())

    @property
    def analytics(self) -> AnalyticsPanel:
        if self._analytics is None:
            self._analytics = AnalyticsPanel()
            self._analytics.set_users(self.lookups.users)
            self._analytics.filters_changed.connect(self.refresh)
            self.pages.insertWidget(ANALYTICS, self._analytics)
            self.pages.removeWidget(self._analytics_slot)
            self._analytics_slot.deleteLater()
        return self._analytics

    # -- Screen ----------------------------------------------------------------------------
    def request_refresh(self) -> None:
        """A burst of changes (a stage delete moves many deals) becomes one reload."""
        if not self.refresh_timer.isActive():
            self.refresh_timer.start()

    def concerns(self, change: Change) -> bool:
        sub = self.snapshot.sub_account if self.snapshot else None
        same = change.sub_account_id is None or (
            sub is not None and change.sub_account_id == sub.id
        )
        if not (same and change.concerns(*TOPICS)):
            return False
        if change.concerns("pipeline"):
            self.pipelines_for = None
        if change.concerns("pipeline", *PEOPLE_TOPICS):  # fields are edited in settings
            self.people_for = None
        return True

    def workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        self.new_button.setVisible(snapshot.can("opportunities.write"))
        self.settings_button.setVisible(snapshot.can("pipelines.manage"))
        sub = snapshot.sub_account.id if snapshot.sub_account else None
        if sub != self.pipelines_for and self.pipelines_for is not None:
            # Another sub-account: its users differ, so an owner filter would hide everything.
            self.filters.set_users((), snapshot.actor.user_id)
            self.filters.owner.setCurrentIndex(0)

    def _where(self) -> tuple[UnitOfWorkFactory, Actor, str] | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        return self.ctx.uows, snapshot.actor, snapshot.sub_account.id

    def refresh(self) -> None:
        where, snapshot = self._where(), self.snapshot
        if where is None or snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub = where
        if self.pipelines_for != sub:
            wanted, filters = self.pipeline.currentData(), self.filters.current()
            ReadOp(self.ctx.ops, self,
                   lambda: board.open_board(uows, actor, sub, wanted, filters),
                   key="view").success(lambda opened: self._opened(sub, opened)).run()  # fmt: skip
            return
        self._load_view()

    def _opened(self, sub_account_id: str, opened: BoardOpening) -> None:
        self.pipelines_for = sub_account_id
        self.lookups = replace(self.lookups, pipelines=opened.pipelines)
        if self.snapshot is not None and self.snapshot.sub_account is not None:
            self.lookups = replace(self.lookups, currency=self.snapshot.sub_account.currency)
        keep = opened.board.pipeline.id if opened.board else self.pipeline.currentData()
        self.pipeline.blockSignals(True)
        self.pipeline.clear()
        for p in opened.pipelines:
            self.pipeline.addItem(f"{p.name} ★" if p.is_default else p.name, p.id)
        self.pipeline.setCurrentIndex(max(0, self.pipeline.findData(keep)))
        self.pipeline.blockSignals(False)
        if opened.board is not None and self.pages.currentIndex() == BOARD:
            self._show_board(opened.board)
        else:
            self._load_view()
        if self.people_for != sub_account_id:
            where = self._where()
            if where is not None:
                uows, actor, sub = where
                ReadOp(self.ctx.ops, self, lambda: load_people(uows, actor, sub),
                       key="people").success(lambda p: self._people(sub, p)).run()  # fmt: skip

    def _people(self, sub_account_id: str, people: People) -> None:
        self.people_for = sub_account_id
        self.lookups = replace(self.lookups, users=people.users, fields=people.fields)
        me = self.snapshot.actor.user_id if self.snapshot else None
        self.filters.set_users(people.users, me)
        if self._analytics is not None:
            self._analytics.set_users(people.users)

    def _load_view(self) -> None:
        where, pipeline_id = self._where(), self.pipeline.currentData()
        if where is None or not pipeline_id:
            self.summary.setText("No pipeline yet: create one in Pipeline settings.")
            return
        uows, actor, sub = where
        filters, view = self.filters.current(), self.pages.currentIndex()
        if view == BOARD:
            ReadOp(self.ctx.ops, self,
                   lambda: board.load_board(uows, actor, sub, pipeline_id, filters),
                   key="view").success(self._show_board).run()  # fmt: skip
        elif view == LIST:
            f = OpportunityFilter(
                pipeline_id=pipeline_id, status=filters.status,
                owner_user_id=filters.owner_user_id, search=filters.search,
            )  # fmt: skip
            ReadOp(self.ctx.ops, self,
                   lambda: queries.list_opportunities(uows, actor, sub, f, limit=LIST_LIMIT),
                   key="view").success(self._show_list).run()  # fmt: skip
        else:
            call = self.analytics.load(uows, actor, sub, pipeline_id, uows.clock.now())
            ReadOp(self.ctx.ops, self, call, key="view").success(self._show_analytics).run()

    def _show_board(self, loaded: Board) -> None:
        self.board.show_board(loaded)
        count = sum(c.count for c in loaded.columns)
        total = sum(c.value_minor for c in loaded.columns)
        self.summary.setText(f"{count} opportunities · {short_money(total, loaded.currency)}")

    def _show_list(self, rows: list[OpportunityInfo]) -> None:
        self.list_model.set_items(rows)
        more = " (the newest shown; narrow the filters)" if len(rows) >= LIST_LIMIT else ""
        self.summary.setText(f"{len(rows)} opportunities{more}")

    def _show_analytics(self, result: PipelineAnalytics) -> None:
        self.analytics.show_analytics(result)
        self.summary.setText("")

    def _view_chosen(self, view: int) -> None:
        if view == ANALYTICS:
            self.pages.setCurrentWidget(self.analytics)  # built on first use
        else:
            self.pages.setCurrentIndex(view)
        self.filters.setVisible(view != ANALYTICS)
        self.refresh()

    # -- actions ---------------------------------------------------------------------------
    def move_opportunity(self, opportunity_id: str, stage_id: str) -> None:
        """The drop handler: the card moves at once, the service makes it so (a refusal puts
        the board back as the database has it). A lost stage first asks why."""
        where = self._where()
        if where is None:
            return
        uows, actor, sub = where
        stage = self.lookups.stage(stage_id)
        if stage is not None and stage.kind is StageKind.LOST:
            dialog = LostReasonDialog(self.ctx, self, actor, sub, opportunity_id, stage)
            dialog.succeeded.connect(lambda _info: self.board.move_card(opportunity_id, stage_id))
            dialog.open()
            return
        self.board.move_card(opportunity_id, stage_id)
        WriteOp(self.ctx.ops, self,
                lambda: opportunities.move_opportunity(uows, actor, sub, opportunity_id, stage_id)
                ).failure(self._move_failed).run()  # fmt: skip

    def _move_failed(self, error: Exception) -> None:
        from ghl_desktop.ui.ops import show_error

        show_error(self, error)
        self._load_view()

    def load_more(self, stage_id: str, offset: int) -> None:
        where, pipeline_id = self._where(), self.pipeline.currentData()
        if where is None or not pipeline_id:
            return
        uows, actor, sub = where
        filters = self.filters.current()

        def show(cards: tuple[Card, ...]) -> None:
            self.board.add_cards(stage_id, cards)

        ReadOp(self.ctx.ops, self,
               lambda: board.stage_cards(uows, actor, sub, pipeline_id, stage_id, filters,
                                         offset=offset),
               key=f"more-{stage_id}").success(show).run()  # fmt: skip

    def open_opportunity(self, opportunity_id: str) -> None:
        """Read the deal (and the owners and fields, if they are not in yet: the form needs
        them), then open its form."""
        where = self._where()
        if where is None:
            return
        uows, actor, sub = where
        need_people = self.people_for != sub

        def read() -> tuple[OpportunityInfo, People | None]:
            info = queries.get_opportunity(uows, actor, sub, opportunity_id)
            return info, load_people(uows, actor, sub) if need_people else None

        def show(found: tuple[OpportunityInfo, People | None]) -> None:
            if found[1] is not None:
                self._people(sub, found[1])
            self.edit(found[0])

        ReadOp(self.ctx.ops, self, read, key="open").success(show).run()

    def edit(self, info: OpportunityInfo) -> OpportunityFormDialog | None:
        if self.snapshot is None:
            return None
        dialog = OpportunityFormDialog(self.ctx, self, self.snapshot, self.lookups, existing=info)
        if not self.snapshot.can("opportunities.write"):
            dialog.ok_button.setEnabled(False)
        dialog.open()
        return dialog

    def new_opportunity(self, stage_id: str | None = None) -> OpportunityFormDialog | None:
        if self.snapshot is None or self.snapshot.sub_account is None:
            return None
        dialog = OpportunityFormDialog(
            self.ctx, self, self.snapshot, self.lookups,
            pipeline_id=self.pipeline.currentData(), stage_id=stage_id,
        )  # fmt: skip
        dialog.open()
        return dialog

    def open_settings(self) -> PipelineSettingsDialog | None:
        if self.snapshot is None or self.snapshot.sub_account is None:
            return None
        dialog = PipelineSettingsDialog(self.ctx, self, self.snapshot, self.pipeline.currentData())
        dialog.finished.connect(lambda _r: self.request_refresh())
        dialog.open()
        return dialog
