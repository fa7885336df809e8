"""The Calendars screen on the demo agency: the painted day / week / month grid with its
navigation and filters, and the appointment dialog booking, moving and closing appointments
through the booking services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from ghl_desktop.models.calendars import Appointment, AppointmentStatus, Calendar
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.calendars.calendar_grid import CalendarGrid
from ghl_desktop.ui.screens.calendars.calendars_screen import CalendarsScreen
from ghl_desktop.ui.screens.calendars.grid_layout import (
    Block,
    ViewMode,
    month_items,
    place,
    step,
    visible_days,
)
from ghl_desktop.ui.workspace import Workspace
from tests.caldav_server import RadicaleServer, radicale_server
from tests.ui.conftest import WAIT_MS, click, sign_in, wait_idle

__all__ = ["radicale_server"]

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def block(start: datetime, minutes: int, title: str = "A", id_: str | None = "x") -> Block:
    return Block(id_, start, start + timedelta(minutes=minutes), title)


# -- geometry --------------------------------------------------------------------------------
def test_views_cover_the_right_days_and_step() -> None:
    wednesday = date(2026, 1, 7)
    assert visible_days(ViewMode.DAY, wednesday) == [wednesday]
    week = visible_days(ViewMode.WEEK, wednesday)
    assert week[0] == date(2026, 1, 5)
    assert len(week) == 7
    month = visible_days(ViewMode.MONTH, wednesday)
    assert month[0] == date(2025, 12, 29)
    assert len(month) == 42
    assert step(ViewMode.MONTH, date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert step(ViewMode.MONTH, date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert step(ViewMode.WEEK, wednesday, -1) == date(2025, 12, 31)


def test_overlapping_blocks_get_lanes_and_midnight_splits() -> None:
    days = visible_days(ViewMode.WEEK, T0.date())
    placed = place(
        [block(T0, 60, "a"), block(T0 + timedelta(minutes=30), 60, "b"),
         block(T0 + timedelta(hours=3), 30, "c"),
         block(T0.replace(hour=23), 120, "late")],
        days, UTC_ZONE,
    )  # fmt: skip
    by_title = {(p.block.title, p.day_index): p for p in placed}
    assert (by_title["a", 0].lane, by_title["b", 0].lane) == (0, 1)
    assert by_title["a", 0].lanes == 2
    assert by_title["c", 0].lanes == 1  # after the overlap ended: full width again
    assert by_title["late", 0].bottom == 24 * 60
    assert by_title["late", 1].top == 0
    assert by_title["late", 1].bottom == 60
    items = month_items([block(T0.replace(hour=23), 120, "late")], days, UTC_ZONE)
    assert set(items) == {T0.date(), T0.date() + timedelta(days=1)}


def test_grid_paints_every_view_and_hits_blocks(qtbot: QtBot) -> None:
    grid = CalendarGrid(UTC_ZONE, lambda: T0)
    qtbot.addWidget(grid)
    grid.resize(800, 1100)
    busy = [block(T0 + timedelta(hours=2), 60, "Gym", None)]
    grid.set_blocks([block(T0, 60, "Tasting", "a-1")], busy)
    for mode in ViewMode:
        grid.set_view(mode, T0.date())
        assert not grid.grab().isNull()
    grid.set_view(ViewMode.WEEK, T0.date())
    [placed] = [p for p in grid._placed if p.block.id == "a-1"]
    centre = grid.block_rect(placed).center()
    with qtbot.waitSignal(grid.appointment_activated, timeout=WAIT_MS) as opened:
        qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert opened.args == ["a-1"]
    empty = QPointF(centre.x(), grid.block_rect(placed).bottom() + 300)
    assert grid.time_at(empty) == datetime(2026, 1, 5, 16, 30, tzinfo=UTC_ZONE)


def test_dragging_a_block_moves_it_in_quarter_hours(qtbot: QtBot) -> None:
    from ghl_desktop.ui.screens.calendars.calendar_grid import HOUR

    grid = CalendarGrid(UTC_ZONE, lambda: T0)
    qtbot.addWidget(grid)
    grid.resize(800, 1100)
    grid.set_view(ViewMode.WEEK, T0.date())
    grid.set_blocks([block(T0, 60, "Tasting", "a-1")], [])
    grid.show()
    [placed] = grid._placed
    start = grid.block_rect(placed).center().toPoint()
    target = QPoint(start.x() + int(grid._column_width()), start.y() + int(2.1 * HOUR))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    assert grid._drag is None  # without the permission nothing can be dragged
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=start)
    grid.can_move = True
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(target), QPointF(target),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(grid, move)
    assert not grid.grab().isNull()  # paints the drop outline
    with qtbot.waitSignal(grid.appointment_moved, timeout=WAIT_MS) as moved:
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    assert moved.args == ["a-1", datetime(2026, 1, 6, 11, 0, tzinfo=UTC_ZONE)]


# -- the screen ------------------------------------------------------------------------------
@dataclass
class Opened:
    """The screen on its own (not inside the main window: other screens stay out of it)."""

    ctx: UiContext
    workspace: Workspace

    def settle(self, qtbot: QtBot) -> None:
        wait_idle(qtbot, self.ctx)


@pytest.fixture
def owner_screen(qtbot: QtBot, ctx: UiContext, demo: DemoResult) -> tuple[Opened, CalendarsScreen]:
    workspace = Workspace(ctx, sign_in(ctx, demo.owner_email, demo.password))
    workspace.load()
    qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=WAIT_MS)
    screen = CalendarsScreen(ctx, workspace, zone=ZoneInfo("America/New_York"))
    qtbot.addWidget(screen)
    screen.resize(1200, 800)
    screen.show()
    opened = Opened(ctx, workspace)
    opened.settle(qtbot)
    return opened, screen


def test_schedule_shows_the_demo_appointments(owner_screen, qtbot: QtBot) -> None:
    owner_window, screen = owner_screen
    view = screen.schedule
    click(qtbot, view.modes.buttons()[2])  # Month
    owner_window.settle(qtbot)
    assert view.grid.mode is ViewMode.MONTH
    assert view.grid.blocks, "the demo books appointments every month"
    assert "appointment" in view.note.text()
    title = view.title.text()
    click(qtbot, view.next)
    owner_window.settle(qtbot)
    assert view.title.text() != title
    click(qtbot, view.today)
    owner_window.settle(qtbot)
    assert view.title.text() == title

    everyone = len(view.grid.blocks)
    index = next(i for i in range(view.filter.count()) if "John" in view.filter.itemText(i)
                 and str(view.filter.itemData(i)).startswith("calendar:"))  # fmt: skip
    view.filter.setCurrentIndex(index)
    owner_window.settle(qtbot)
    assert 0 < len(view.grid.blocks) < everyone
    assert {i.calendar_name for i in view.items} == {"John's Calendar"}


def test_book_then_cancel_through_the_dialog(owner_screen, qtbot: QtBot) -> None:
    from ghl_desktop.ui.screens.calendars.appointment_dialog import AppointmentDialog

    owner_window, screen = owner_screen
    ctx = owner_window.ctx
    sub = owner_window.workspace.snapshot.sub_account.id
    with ctx.uows.system() as uow:
        john = uow.session.scalar(select(Calendar).where(Calendar.sub_account_id == sub,
                                                         Calendar.slug == "john"))  # fmt: skip
        assert john is not None
        john_id = john.id
    screen.schedule.choose(f"calendar:{john_id}")
    owner_window.settle(qtbot)
    screen.book_at(None)
    dialog = screen.findChild(AppointmentDialog)
    assert dialog is not None
    owner_window.settle(qtbot)
    assert dialog.service.count() > 0
    # Without a chosen time the dialog opens on the first day with open time.
    assert dialog.slots.item(0).flags() & Qt.ItemFlag.ItemIsSelectable
    # Next Monday or Tuesday has open hours on John's calendar.
    day = ctx.runtime.clock.now().date() + timedelta(days=7)
    while day.weekday() not in (0, 1):
        day += timedelta(days=1)
    dialog.day.setDate(dialog.day.date().addDays((day - dialog.day.date().toPython()).days))
    owner_window.settle(qtbot)
    assert dialog.slots.count() > 1
    dialog.contact_search.setText("a")
    dialog.contact_search.setText("an")
    qtbot.waitUntil(lambda: dialog.contacts.count() > 0, timeout=WAIT_MS)
    dialog.contacts.setCurrentRow(0)
    dialog.slots.setCurrentRow(0)
    chosen = dialog.slots.currentItem().data(Qt.ItemDataRole.UserRole)
    later = dialog.slots.item(dialog.slots.count() - 1).data(Qt.ItemDataRole.UserRole)
    click(qtbot, dialog.save)
    owner_window.settle(qtbot)
    with ctx.uows.system() as uow:
        booked = uow.session.scalar(
            select(Appointment).where(Appointment.calendar_id == john_id,
                                      Appointment.start_at == chosen.astimezone(UTC))
        )  # fmt: skip
        assert booked is not None
        assert booked.booked_via == "desktop"
        booked_id = booked.id
    screen.schedule.grid.set_view(ViewMode.WEEK, day)
    screen.schedule._after_move()
    owner_window.settle(qtbot)
    screen.move_appointment(booked_id, later)  # what dropping a dragged block does
    owner_window.settle(qtbot)
    with ctx.uows.system() as uow:
        assert uow.session.get_one(Appointment, booked_id).start_at == later.astimezone(UTC)
    screen.open_appointment(booked_id)
    opened = next(d for d in screen.findChildren(AppointmentDialog) if d.item is not None)
    opened.reason.setText("Client asked")
    click(qtbot, opened.outcome_buttons["cancelled"])
    owner_window.settle(qtbot)
    with ctx.uows.system() as uow:
        row = uow.session.get_one(Appointment, booked_id)
        assert row.status == AppointmentStatus.CANCELLED
        assert row.cancellation_reason == "Client asked"


def test_settings_availability_services_and_sharing(owner_screen, qtbot: QtBot) -> None:
    from PySide6.QtGui import QGuiApplication

    from ghl_desktop.services.calendars import service_catalog, setup

    owner_window, screen = owner_screen
    settings = screen.settings
    screen.tabs.setCurrentWidget(settings)
    owner_window.settle(qtbot)
    assert settings.calendars.count() >= 2
    assert settings.tabs.isEnabled()
    calendar_id = settings.form.info.id

    # Availability: one more weekly range, a closed day; saved through the setup service.
    editor = settings.availability
    settings.tabs.setCurrentWidget(editor)
    before = editor.weekly.rowCount()
    assert before > 0
    click(qtbot, editor.findChild(QPushButton, "AddWeekly"))
    click(qtbot, editor.findChild(QPushButton, "AddOverride"))
    click(qtbot, editor.save_button)
    owner_window.settle(qtbot)
    assert editor.error.text() == "Saved."
    snapshot = owner_window.workspace.snapshot
    sub = snapshot.sub_account.id
    rules = setup.list_rules(owner_window.ctx.uows, snapshot.actor, sub, calendar_id)
    assert sum(r.kind == "weekly" for r in rules) == before + 1
    today = owner_window.ctx.runtime.clock.now().date()
    [closed] = [r for r in rules if r.kind == "override" and r.override_date == today]
    assert closed.start_time is None
    # A bad range is refused with the field named, nothing saved.
    end = editor.weekly.cellWidget(0, 2)
    end.setTime(editor.weekly.cellWidget(0, 1).time())
    click(qtbot, editor.save_button)
    owner_window.settle(qtbot)
    assert "end_time" in editor.error.text()

    # Sharing: the ICS feed and booking link are shown and copied.
    sync = settings.sync
    settings.tabs.setCurrentWidget(sync)
    owner_window.settle(qtbot)
    assert "/_calendars/ics/" in sync.feed_url.text()
    assert sync.booking_url.text().endswith(f"/{settings.form.info.slug}")
    click(qtbot, sync.copy_booking)
    assert QGuiApplication.clipboard().text() == sync.booking_url.text()
    assert "Not connected" in sync.status.text()
    sync.url.setText("not a url")
    sync.username.setText("me")
    sync.password.setText("pw")
    click(qtbot, sync.test_button)
    owner_window.settle(qtbot)
    assert "https://" in sync.status.text()

    # Services: a new one is created from the form.
    services = screen.services
    screen.tabs.setCurrentWidget(services)
    click(qtbot, services.new_button)
    services.name.setText("Wine pairing")
    services.duration.setValue(45)
    click(qtbot, services.save_button)
    owner_window.settle(qtbot)
    names = [
        s.name for s in service_catalog.list_services(owner_window.ctx.uows, snapshot.actor, sub)
    ]
    assert "Wine pairing" in names


def test_caldav_connect_and_sync_from_the_settings(
    owner_screen, qtbot: QtBot, radicale_server: RadicaleServer
) -> None:
    owner_window, screen = owner_screen
    settings = screen.settings
    screen.tabs.setCurrentWidget(settings)
    owner_window.settle(qtbot)
    sync = settings.sync
    settings.tabs.setCurrentWidget(sync)
    url = radicale_server.new_calendar()
    sync.url.setText(url)
    sync.username.setText(radicale_server.username)
    sync.password.setText("wrong")
    click(qtbot, sync.test_button)
    owner_window.settle(qtbot)
    assert "not accepted" in sync.status.text()
    sync.password.setText(radicale_server.password)
    click(qtbot, sync.test_button)
    owner_window.settle(qtbot)
    assert "Connected to “Work”" in sync.status.text()
    click(qtbot, sync.save_button)
    qtbot.waitUntil(lambda: "Status: ok" in sync.status.text(), timeout=WAIT_MS)
    assert sync.password.text() == ""
    assert "appointments pushed" in sync.status.text()
    assert sync.sync_button.isEnabled()
    assert (
        owner_window.ctx.runtime.secrets.get(f"calendar.caldav.{settings.form.info.id}.password")
        == radicale_server.password
    )
