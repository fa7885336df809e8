"""Dashboard: the current sub-account at a glance - its settings, how many users work in it,
and what changed recently (from the activity log)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedLayout, QVBoxLayout, QWidget

from ghl_desktop.services import agencies
from ghl_desktop.services.agencies import SubAccountOverview
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.models.activity import DETAILS, WHAT, WHEN, WHO, ActivityTableModel
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.widgets.stat_card import StatCard
from ghl_desktop.ui.workspace import Workspace

ACTIVITY_ROWS = 50


class DashboardScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("DashboardScreen")
        self.heading = QLabel("Dashboard")
        self.heading.setObjectName("DashboardHeading")
        self.heading.setProperty("role", "heading")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        self.timezone_card = StatCard("Time zone")
        self.country_card = StatCard("Country")
        self.currency_card = StatCard("Currency")
        self.users_card = StatCard("Users")
        self.users_card.setObjectName("UsersCard")
        cards = QHBoxLayout()
        cards.setSpacing(12)
        for card in (self.timezone_card, self.country_card, self.currency_card, self.users_card):
            cards.addWidget(card, 1)
        activity_title = QLabel("Recent activity")
        activity_title.setProperty("role", "subheading")
        self.activity = ActivityTableModel(self)
        self.activity_table = DataTable(
            self.activity, stretch_column=DETAILS, widths={WHEN: 140, WHO: 160, WHAT: 220}
        )
        self.activity_table.setObjectName("ActivityTable")
        self.activity_table.setAccessibleName("Recent activity")
        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(12)
        body.addLayout(cards)
        body.addSpacing(8)
        body.addWidget(activity_title)
        body.addWidget(self.activity_table, 1)
        self.empty = QLabel(
            "There is no sub-account to show yet.\n"
            "Create one in Settings → Sub-accounts, or ask your agency for access."
        )
        self.empty.setObjectName("DashboardEmpty")
        self.empty.setProperty("role", "muted")
        self._pages = QStackedLayout()
        self._pages.addWidget(content)
        self._pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(6)
        layout.addWidget(self.heading)
        layout.addWidget(self.subtitle)
        layout.addSpacing(10)
        layout.addLayout(self._pages, 1)

    def concerns(self, change: Change) -> bool:
        current = self.snapshot.sub_account if self.snapshot else None
        return change.sub_account_id is None or (
            current is not None and change.sub_account_id == current.id
        )

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            self.heading.setText("Dashboard")
            self.subtitle.setText(snapshot.agency.name if snapshot and snapshot.agency else "")
            self._pages.setCurrentWidget(self.empty)
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        limit = ACTIVITY_ROWS
        ReadOp(
            self.ctx.ops, self,
            lambda: agencies.sub_account_overview(uows, actor, sub_id, activity_limit=limit),
            key="overview",
        ).success(self.show_overview).run()  # fmt: skip

    def show_overview(self, overview: SubAccountOverview) -> None:
        sub = overview.sub_account
        snapshot = self.snapshot
        self._pages.setCurrentIndex(0)
        self.heading.setText(sub.name)
        agency = snapshot.agency.name if snapshot and snapshot.agency else ""
        since = sub.created_at.astimezone().strftime("%d %b %Y")
        self.subtitle.setText(f"{agency} · sub-account since {since}".lstrip(" ·"))
        local = datetime.now(ZoneInfo(sub.timezone)).strftime("%H:%M")
        self.timezone_card.set_value(sub.timezone, f"{local} there now")
        self.country_card.set_value(sub.country, "default for phone numbers")
        self.currency_card.set_value(sub.currency, "for prices and invoices")
        self.users_card.set_value(str(overview.user_count), "active, with access")
        self.activity.set_items(overview.recent_activity)
