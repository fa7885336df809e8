"""Sites: funnels with their steps and pages, forms, surveys and the funnel server."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout

from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites import forms, funnels, surveys
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.funnels import FunnelInfo
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.sites.forms_panel import forms_panel, surveys_panel
from ghl_desktop.ui.screens.sites.funnels_panel import FunnelsPanel
from ghl_desktop.ui.screens.sites.server_panel import ServerPanel
from ghl_desktop.ui.workspace import Workspace

TOPICS = ("sites", "page", "form", "survey")


@dataclass(frozen=True)
class SitesData:
    funnels: list[FunnelInfo]
    forms: list[FormInfo]
    surveys: list[SurveyInfo]


def load_sites(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> SitesData:
    return SitesData(
        funnels.list_funnels(uows, actor, sub_account_id),
        forms.list_forms(uows, actor, sub_account_id),
        surveys.list_surveys(uows, actor, sub_account_id),
    )


class SitesScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("SitesScreen")
        self.heading = QLabel("Sites")
        self.heading.setProperty("role", "heading")
        self.funnels = FunnelsPanel(ctx)
        self.forms = forms_panel(ctx)
        self.surveys = surveys_panel(ctx)
        self.server = ServerPanel(ctx)
        for panel in (self.funnels, self.forms, self.surveys):
            panel.changed.connect(self.request_refresh)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("SitesTabs")
        self.tabs.addTab(self.funnels, "Funnels")
        self.tabs.addTab(self.forms, "Forms")
        self.tabs.addTab(self.surveys, "Surveys")
        self.tabs.addTab(self.server, "Server")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)

    def concerns(self, change: Change) -> bool:
        current = self.snapshot.sub_account if self.snapshot else None
        return change.concerns(*TOPICS) and (
            change.sub_account_id is None
            or (current is not None and change.sub_account_id == current.id)
        )

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        self.server.refresh(snapshot.can_agency("settings.manage"))
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(self.ctx.ops, self, lambda: load_sites(uows, actor, sub), key="sites").success(
            self.show_data
        ).run()

    def show_data(self, data: SitesData) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.funnels.show_funnels(snapshot, data.funnels)
        self.forms.show_items(snapshot, data.forms)
        self.surveys.show_items(snapshot, data.surveys)
