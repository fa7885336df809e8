"""Calendar settings: the calendars of the sub-account on the left (and "New calendar"); the
chosen one's general settings, availability, and sync & sharing on the right."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import users as user_service
from ghl_desktop.services.calendars import setup
from ghl_desktop.services.calendars.setup import CalendarInfo
from ghl_desktop.services.calendars.sync.agenda import Overview
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.screens.calendars.availability_editor import AvailabilityEditor
from ghl_desktop.ui.screens.calendars.calendar_form import CalendarForm
from ghl_desktop.ui.screens.calendars.new_calendar_dialog import NewCalendarDialog
from ghl_desktop.ui.screens.calendars.sync_panel import SyncPanel
from ghl_desktop.ui.workspace import WorkspaceSnapshot


@dataclass(frozen=True)
class CalendarDetail:
    info: CalendarInfo
    users: list[UserInfo]


class CalendarSettings(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("CalendarSettings")
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.users: list[UserInfo] = []
        self._pending: str | None = None  # a calendar just created: choose it once listed
        self.calendars = QListWidget()
        self.calendars.setObjectName("CalendarList")
        self.calendars.setMaximumWidth(260)
        self.new_button = QPushButton("New calendar")
        self.new_button.setObjectName("NewCalendar")
        self.form = CalendarForm(ctx)
        self.availability = AvailabilityEditor(ctx)
        self.sync = SyncPanel(ctx)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("CalendarSettingsTabs")
        self.tabs.addTab(self.form, "General")
        self.tabs.addTab(self.availability, "Availability")
        self.tabs.addTab(self.sync, "Sync && sharing")
        self.tabs.setEnabled(False)
        left = QVBoxLayout()
        left.addWidget(self.calendars, 1)
        left.addWidget(self.new_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.tabs, 1)
        self.calendars.currentItemChanged.connect(self._chosen)
        self.new_button.clicked.connect(self.new_calendar)
        for part in (self.form, self.availability):
            part.saved.connect(self.changed)
        self.sync.changed.connect(self.changed)

    def show_overview(self, snapshot: WorkspaceSnapshot, overview: Overview) -> None:
        self.snapshot = snapshot
        self.new_button.setEnabled(snapshot.can("calendars.manage"))
        keep = self.calendars.currentItem()
        keep_id = self._pending or (keep.data(Qt.ItemDataRole.UserRole) if keep else None)
        self._pending = None
        self.calendars.blockSignals(True)
        self.calendars.clear()
        for cal in overview.calendars:
            who = "team" if cal.kind == "team" else cal.owner_name
            sync = f" · sync {cal.sync_status}" if cal.sync_status else ""
            entry = QListWidgetItem(f"{cal.name}\n{who}{sync}")
            entry.setData(Qt.ItemDataRole.UserRole, cal.id)
            self.calendars.addItem(entry)
            if cal.id == keep_id:
                self.calendars.setCurrentItem(entry)
        self.calendars.blockSignals(False)
        if self.calendars.currentItem() is None and self.calendars.count():
            self.calendars.setCurrentRow(0)
        elif keep_id is not None:
            self.select(keep_id)

    def select(self, calendar_id: str) -> None:
        for row in range(self.calendars.count()):
            entry = self.calendars.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) == calendar_id:
                if self.calendars.currentItem() is entry:
                    self._load(calendar_id)
                self.calendars.setCurrentItem(entry)
                return

    def _chosen(self, entry: QListWidgetItem | None, _previous: object) -> None:
        if entry is not None:
            self._load(str(entry.data(Qt.ItemDataRole.UserRole)))

    def _load(self, calendar_id: str) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id

        def load() -> CalendarDetail:
            info = setup.get_calendar(uows, actor, sub, calendar_id)
            return CalendarDetail(info, user_service.list_sub_account_users(uows, actor, sub))

        ReadOp(self.ctx.ops, self, load, key="calendar").success(self.show_detail).run()

    def show_detail(self, detail: CalendarDetail) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.users = detail.users
        info = detail.info
        self.tabs.setEnabled(True)
        self.form.show_calendar(snapshot, info, detail.users)
        self.availability.show_calendar(snapshot, info.id, info.timezone)
        self.sync.show_calendar(snapshot, info.id, info.slug)

    def new_calendar(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(self.ctx.ops, self, lambda: user_service.list_sub_account_users(uows, actor, sub),
               key="users").success(self._open_new).run()  # fmt: skip

    def _open_new(self, users: list[UserInfo]) -> None:
        if self.snapshot is None:
            return
        self.users = users
        zone = self.form.info.timezone if self.form.info else "UTC"
        dialog = NewCalendarDialog(self.ctx, self.snapshot, users, zone, parent=self)
        dialog.created.connect(self._created)
        dialog.open()

    def _created(self, info: CalendarInfo) -> None:
        self._pending = info.id
        self.changed.emit()
