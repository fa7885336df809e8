"""The analytics panel of a pipeline: forecast, win rate, won and lost; value per stage and
won value by month as bar charts; a table per stage with count, value, weighted value,
average days in the stage and the conversion to the next stage. Filters: owner and period.
It shows what it is given; the screen loads it (``load`` returns the service call)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.money import currency_exponent
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.pipelines.analytics import (
    AnalyticsFilter,
    PipelineAnalytics,
    pipeline_analytics,
)
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.screens.contacts.lookups import UserChoice
from ghl_desktop.ui.screens.pipelines.loaders import money, short_money
from ghl_desktop.ui.widgets.bar_chart import BarChart
from ghl_desktop.ui.widgets.stat_card import StatCard

PERIODS = (("All time", None), ("Last 30 days", 30), ("Last 90 days", 90),
           ("Last 365 days", 365))  # fmt: skip
HEADERS = ("Stage", "Deals", "Value", "Weighted", "Avg. days in stage", "To next stage")


class AnalyticsPanel(QWidget):
    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnalyticsPanel")
        self.owner = QComboBox()
        self.owner.setObjectName("AnalyticsOwner")
        self.owner.addItem("All owners", "")
        self.period = QComboBox()
        self.period.setObjectName("AnalyticsPeriod")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Owner"))
        bar.addWidget(self.owner)
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period)
        bar.addStretch(1)
        self.forecast = StatCard("Weighted forecast")
        self.win_rate = StatCard("Win rate")
        self.won = StatCard("Won")
        self.lost = StatCard("Lost")
        cards = QHBoxLayout()
        for card in (self.forecast, self.win_rate, self.won, self.lost):
            cards.addWidget(card)
        cards.addStretch(1)
        self.value_chart = BarChart()
        self.value_chart.setObjectName("StageValueChart")
        self.value_chart.value_format = "{:,.0f}"
        self.month_chart = BarChart()
        self.month_chart.setObjectName("WonByMonthChart")
        self.month_chart.empty_text = "Nothing won in this period"
        charts = QGridLayout()
        charts.addWidget(_heading("Value per stage"), 0, 0)
        charts.addWidget(_heading("Won value by month"), 0, 1)
        charts.addWidget(self.value_chart, 1, 0)
        charts.addWidget(self.month_chart, 1, 1)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("StageStatsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a row per stage
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(cards)
        layout.addLayout(charts, 1)
        layout.addWidget(self.table, 1)
        self.owner.currentIndexChanged.connect(lambda _i: self.filters_changed.emit())
        self.period.currentIndexChanged.connect(lambda _i: self.filters_changed.emit())

    def set_users(self, users: tuple[UserChoice, ...]) -> None:
        keep = self.owner.currentData()
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem("All owners", "")
        for user in users:
            self.owner.addItem(user.label, user.id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(keep)))
        self.owner.blockSignals(False)

    def load(
        self, uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str,
        now: datetime,
    ) -> Callable[[], PipelineAnalytics]:  # fmt: skip
        days = self.period.currentData()
        f = AnalyticsFilter(
            owner_user_id=str(self.owner.currentData() or "") or None,
            date_from=now - timedelta(days=int(days)) if days else None,
        )
        return lambda: pipeline_analytics(uows, actor, sub_account_id, pipeline_id, f)

    def show_analytics(self, result: PipelineAnalytics) -> None:
        cur = result.currency
        self.forecast.set_value(short_money(result.forecast_minor, cur),
                                money(result.forecast_minor, cur))  # fmt: skip
        rate = result.win_rate
        self.win_rate.set_value(f"{rate:.0%}" if rate is not None else "—",
                                "won of won + lost")  # fmt: skip
        won_value = sum(m.value_minor for m in result.won_by_month)
        self.won.set_value(str(result.won_count), short_money(won_value, cur))
        self.lost.set_value(str(result.lost_count))
        major = 10 ** currency_exponent(cur)
        self.value_chart.set_bars([(s.stage.name, s.value_minor / major) for s in result.stages])
        self.month_chart.set_bars([(m.month, m.value_minor / major) for m in result.won_by_month])
        conversion = {c.from_stage.id: c.rate for c in result.conversions}
        self.table.setRowCount(len(result.stages))
        for row, s in enumerate(result.stages):
            to_next = conversion.get(s.stage.id)
            cells = (
                s.stage.name, str(s.count), money(s.value_minor, cur),
                money(s.weighted_minor, cur),
                f"{s.average_seconds / 86_400:.1f}" if s.average_seconds is not None else "—",
                f"{to_next:.0%}" if to_next is not None else "—",
            )  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "subheading")
    return label
