"""The schedule: a toolbar (Day / Week / Month, previous / today / next, whose calendar) over the
painted grid. Reads run off the Qt thread; the newest read wins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.calendars.sync import agenda
from ghl_desktop.services.calendars.sync.agenda import Agenda, AgendaItem, Overview
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.screens.calendars.calendar_grid import CalendarGrid
from ghl_desktop.ui.screens.calendars.grid_layout import Block, ViewMode, local_bounds, step
from ghl_desktop.ui.workspace import WorkspaceSnapshot

ALL = ""


def block_of(item: AgendaItem) -> Block:
    named = item.contact_name and item.contact_name in item.title
    who = ", ".join(x for x in (None if named else item.contact_name, item.assigned_name) if x)
    return Block(
        id=item.id, start=item.start_at, end=item.end_at, title=item.title,
        subtitle=f"{who} · {item.calendar_name}" if who else item.calendar_name,
        status=item.status, color_key=item.assigned_user_id or item.calendar_id,
    )  # fmt: skip


class ScheduleView(QWidget):
    appointment_activated = Signal(str)
    time_activated = Signal(object)
    new_requested = Signal()

    def __init__(self, ctx: UiContext, zone: tzinfo, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.items: list[AgendaItem] = []
        self._scroll_pending = True  # scroll to the working hours once the view has data
        self.grid = CalendarGrid(zone, now)
        self.grid.appointment_activated.connect(self.appointment_activated)
        self.grid.time_activated.connect(self.time_activated)
        self.grid.day_activated.connect(self._open_day)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(self.grid)
        # The day names are painted at the top of the visible part: repaint on every scroll.
        self.scroller.verticalScrollBar().valueChanged.connect(lambda _v: self.grid.update())

        self.modes = QButtonGroup(self)
        bar = QHBoxLayout()
        for mode in ViewMode:
            button = QPushButton(mode.value.title())
            button.setCheckable(True)
            button.setObjectName(f"View{mode.value.title()}")
            button.setChecked(mode is ViewMode.WEEK)
            self.modes.addButton(button)
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            bar.addWidget(button)
        bar.addSpacing(12)
        self.previous = QPushButton("<")
        self.previous.setToolTip("Previous")
        self.today = QPushButton("Today")
        self.next = QPushButton(">")
        self.next.setToolTip("Next")
        self.previous.clicked.connect(lambda: self._move(-1))
        self.next.clicked.connect(lambda: self._move(1))
        self.today.clicked.connect(self.go_today)
        for button in (self.previous, self.today, self.next):
            bar.addWidget(button)
        self.title = QLabel()
        self.title.setObjectName("ScheduleTitle")
        self.title.setProperty("role", "subheading")
        bar.addSpacing(12)
        bar.addWidget(self.title, 1)
        self.filter = QComboBox()
        self.filter.setObjectName("ScheduleFilter")
        self.filter.setMinimumWidth(220)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.filter)
        self.new_button = QPushButton("New appointment")
        self.new_button.setObjectName("NewAppointment")
        self.new_button.setProperty("role", "primary")
        self.new_button.clicked.connect(self.new_requested)
        bar.addWidget(self.new_button)
        self.note = QLabel()
        self.note.setObjectName("ScheduleNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.note)
        self._update_title()

    # -- filter -------------------------------------------------------------------------
    def show_overview(self, snapshot: WorkspaceSnapshot, data: Overview) -> None:
        self.snapshot = snapshot
        self.new_button.setVisible(snapshot.can("calendars.manage"))
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("All calendars", ALL)
        for person in data.people:
            self.filter.addItem(f"Person: {person.name}", f"user:{person.id}")
        for cal in data.calendars:
            kind = "Team" if cal.kind == "team" else "Calendar"
            self.filter.addItem(f"{kind}: {cal.name}", f"calendar:{cal.id}")
        found = self.filter.findData(current) if current is not None else -1
        self.filter.setCurrentIndex(max(found, 0))
        self.filter.blockSignals(False)
        self.refresh()

    def choose(self, key: str) -> None:
        index = self.filter.findData(key)
        if index >= 0:
            self.filter.setCurrentIndex(index)

    # -- navigation ---------------------------------------------------------------------
    def set_mode(self, mode: ViewMode) -> None:
        for button in self.modes.buttons():
            button.setChecked(button.objectName() == f"View{mode.value.title()}")
        self.grid.set_view(mode, self.grid.anchor)
        self._after_move()

    def _move(self, direction: int) -> None:
        self.grid.set_view(self.grid.mode, step(self.grid.mode, self.grid.anchor, direction))
        self._after_move()

    def go_today(self) -> None:
        today = self.grid._now().astimezone(self.grid.zone).date()
        self.grid.set_view(self.grid.mode, today)
        self._after_move()

    def _open_day(self, day: date) -> None:
        self.grid.set_view(ViewMode.DAY, day)
        self.set_mode(ViewMode.DAY)

    def _after_move(self) -> None:
        self._update_title()
        self.refresh()
        self._scroll_pending = True

    def _update_title(self) -> None:
        days = self.grid.days
        if self.grid.mode is ViewMode.DAY:
            text = f"{days[0]:%A %d %B %Y}"
        elif self.grid.mode is ViewMode.WEEK:
            text = f"{days[0]:%d %b} - {days[-1]:%d %b %Y}"
        else:
            text = f"{self.grid.anchor:%B %Y}"
        self.title.setText(text)
        self.scroller.setWidgetResizable(True)

    # -- data ---------------------------------------------------------------------------
    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        start, end = local_bounds(self.grid.days, self.grid.zone)
        key = str(self.filter.currentData() or ALL)
        calendar_id = key.removeprefix("calendar:") if key.startswith("calendar:") else None
        user_id = key.removeprefix("user:") if key.startswith("user:") else None
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(
            self.ctx.ops, self,
            lambda: agenda.agenda(uows, actor, sub, start, end, calendar_id=calendar_id,
                                  user_id=user_id, include_cancelled=True),
            key="agenda",
        ).success(self.show_agenda).run()  # fmt: skip

    def show_agenda(self, data: Agenda) -> None:
        self.items = data.items
        busy = [Block(None, b.start_at, b.end_at, b.summary, is_busy=True) for b in data.busy]
        self.grid.set_blocks([block_of(i) for i in data.items], busy)
        if self.grid.mode is not ViewMode.MONTH and self._scroll_pending:
            self._scroll_pending = False
            self.scroller.verticalScrollBar().setValue(self.grid.scroll_hint())
        live = [i for i in data.items if i.status != "cancelled"]
        text = f"{len(live)} appointment{'s' if len(live) != 1 else ''}"
        if data.busy:
            text += f", {len(data.busy)} busy time{'s' if len(data.busy) != 1 else ''} from"
            text += " external calendars"
        if data.truncated:
            text += " (showing the first ones; narrow the view to see all)"
        self.note.setText(text)
