"""A funnel's statistics over the last 30 days: views, unique visitors and conversions, a
chart of views per day, and per step how many visitors reached it and converted there."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.sites import analytics
from ghl_desktop.services.sites.analytics import FunnelStats
from ghl_desktop.services.sites.funnels import FunnelInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.widgets.bar_chart import BarChart
from ghl_desktop.ui.widgets.stat_card import StatCard
from ghl_desktop.ui.workspace import WorkspaceSnapshot

DAYS = 30
STEP_COLUMNS = ("Step", "Views", "Visitors", "Reached", "Conversions", "Converted")


class FunnelStatsDialog(QDialog):
    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None,
        snapshot: WorkspaceSnapshot,
        funnel: FunnelInfo,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Statistics · {funnel.name}")
        self.resize(860, 620)
        self.views = StatCard("Page views")
        self.visitors = StatCard("Unique visitors")
        self.conversions = StatCard("Conversions")
        cards = QHBoxLayout()
        for card in (self.views, self.visitors, self.conversions):
            cards.addWidget(card, 1)
        self.chart = BarChart()
        self.chart.setObjectName("ViewsChart")
        self.steps = QTableWidget(0, len(STEP_COLUMNS))
        self.steps.setObjectName("StepStats")
        self.steps.setHorizontalHeaderLabels(STEP_COLUMNS)
        self.steps.verticalHeader().setVisible(False)
        self.steps.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.steps.horizontalHeader().setStretchLastSection(True)
        self.steps.setColumnWidth(0, 220)
        title = QLabel(f"Page views per day, last {DAYS} days (UTC)")
        title.setProperty("role", "subheading")
        layout = QVBoxLayout(self)
        layout.addLayout(cards)
        layout.addWidget(title)
        layout.addWidget(self.chart, 2)
        layout.addWidget(self.steps, 1)
        uows, actor, funnel_id, clock = ctx.uows, snapshot.actor, funnel.id, ctx.runtime.clock
        sub = snapshot.sub_account.id if snapshot.sub_account else ""

        def load() -> FunnelStats:
            until = clock.now()
            return analytics.funnel_stats(
                uows, actor, sub, funnel_id, since=until - timedelta(days=DAYS), until=until
            )

        ReadOp(ctx.ops, self, load).success(self.show_stats).run()

    def show_stats(self, stats: FunnelStats) -> None:
        self.stats = stats
        self.views.set_value(f"{stats.views:,}")
        self.visitors.set_value(f"{stats.unique_visitors:,}")
        self.conversions.set_value(
            f"{stats.conversions:,}", f"{stats.conversion_rate:.1%} of visitors"
        )
        days = dict(stats.daily_views)
        first = stats.since.date()
        span = [first + timedelta(days=n) for n in range((stats.until.date() - first).days + 1)]
        self.chart.set_bars([(d.strftime("%d %b"), float(days.get(d, 0))) for d in span])
        self.steps.setRowCount(len(stats.steps))
        for row, step in enumerate(stats.steps):
            values = (
                step.name,
                f"{step.views:,}",
                f"{step.visitors:,}",
                f"{step.reached:.0%}",
                f"{step.conversions:,}",
                f"{step.conversion_rate:.1%}",
            )
            for column, value in enumerate(values):
                self.steps.setItem(row, column, QTableWidgetItem(value))
