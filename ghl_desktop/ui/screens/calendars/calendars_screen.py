"""Calendars: the schedule (day / week / month, per person or calendar) and the calendars'
settings (availability, services, external sync, ICS feed, booking link)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout

from ghl_desktop.services.calendars.sync import agenda, desk
from ghl_desktop.services.calendars.sync.agenda import Overview
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, show_error
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.calendars.calendar_settings import CalendarSettings
from ghl_desktop.ui.screens.calendars.schedule_view import ScheduleView
from ghl_desktop.ui.screens.calendars.services_panel import ServicesPanel
from ghl_desktop.ui.workspace import Workspace

TOPICS = ("appointment", "appointments", "calendar", "calendars", "service", "availability")


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


class CalendarsScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace, zone: tzinfo | None = None) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("CalendarsScreen")
        self.overview: Overview | None = None
        heading = QLabel("Calendars")
        heading.setProperty("role", "heading")
        self.schedule = ScheduleView(ctx, zone or local_zone(), ctx.runtime.clock.now)
        self.schedule.appointment_activated.connect(self.open_appointment)
        self.schedule.time_activated.connect(self.book_at)
        self.schedule.new_requested.connect(lambda: self.book_at(None))
        self.schedule.grid.appointment_moved.connect(self.move_appointment)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("CalendarTabs")
        self.tabs.addTab(self.schedule, "Schedule")
        self.settings = CalendarSettings(ctx)
        self.settings.changed.connect(self.request_refresh)
        self.tabs.addTab(self.settings, "Calendars")
        self.services = ServicesPanel(ctx)
        self.services.changed.connect(self.request_refresh)
        self.tabs.addTab(self.services, "Services")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(heading)
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
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self, lambda: agenda.overview(uows, actor, sub), key="overview"
        ).success(self.show_overview).run()

    def show_overview(self, data: Overview) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.overview = data
        self.schedule.grid.can_move = snapshot.can("calendars.manage")
        self.schedule.show_overview(snapshot, data)
        self.settings.show_overview(snapshot, data)
        self.services.show_services(snapshot)

    # -- appointments ---------------------------------------------------------------------
    def open_appointment(self, appointment_id: str) -> None:
        from ghl_desktop.ui.screens.calendars.appointment_dialog import AppointmentDialog

        if self.snapshot is None or self.overview is None:
            return
        item = next((i for i in self.schedule.items if i.id == appointment_id), None)
        if item is None:
            return
        dialog = AppointmentDialog(self.ctx, self.snapshot, self.overview, item=item, parent=self)
        dialog.saved.connect(self.request_refresh)
        dialog.open()

    def move_appointment(self, appointment_id: str, start: datetime) -> None:
        """Dragged to another time: rescheduled like from the dialog (the time must be open)."""
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        WriteOp(
            self.ctx.ops, self, lambda: desk.reschedule(uows, actor, sub, appointment_id, start)
        ).success(lambda _r: self.request_refresh()).failure(self._move_failed).run()

    def _move_failed(self, error: Exception) -> None:
        self.schedule.refresh()  # the block goes back where it was
        show_error(self, error)

    def book_at(self, when: datetime | None) -> None:
        from ghl_desktop.ui.screens.calendars.appointment_dialog import AppointmentDialog

        if self.snapshot is None or self.overview is None:
            return
        if not self.snapshot.can("calendars.manage"):
            return
        key = str(self.schedule.filter.currentData() or "")
        calendar_id = key.removeprefix("calendar:") if key.startswith("calendar:") else None
        dialog = AppointmentDialog(
            self.ctx, self.snapshot, self.overview, when=when, calendar_id=calendar_id, parent=self
        )
        dialog.saved.connect(self.request_refresh)
        dialog.open()
