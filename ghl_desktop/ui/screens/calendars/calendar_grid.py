"""The day / week / month grid, painted by hand: hour lines, appointment blocks side by side
when they overlap, external busy times hatched, a red line at the current time.

Double-clicking an appointment opens it; double-clicking empty time offers a booking there;
in the month view a day opens that day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ghl_desktop.ui.screens.calendars.grid_layout import (
    Block,
    Placed,
    ViewMode,
    month_items,
    place,
    visible_days,
)

HEADER = 30.0
GUTTER = 56.0
HOUR = 44.0
MONTH_LINES = 4
PALETTE = ("#2f6fde", "#1f9d74", "#b45fd3", "#e07a1f", "#d0435b", "#2b9eb3", "#7a8a1f")
MOVABLE = ("scheduled", "confirmed")
SNAP_MINUTES = 15
DRAG_DISTANCE = 6
STATUS_TONES = {"cancelled": "#9aa0a6", "no_show": "#9aa0a6", "completed": None}


def color_for(key: str) -> QColor:
    digest = hashlib.blake2s(key.encode(), digest_size=2).digest()
    return QColor(PALETTE[int.from_bytes(digest, "big") % len(PALETTE)])


class CalendarGrid(QWidget):
    appointment_activated = Signal(str)
    appointment_moved = Signal(str, object)  # id, the new aware start (dragged in day/week)
    time_activated = Signal(object)  # an aware datetime: where to book
    day_activated = Signal(object)  # a date (month view)

    def __init__(self, zone: tzinfo, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.setObjectName("CalendarGrid")
        self.zone = zone
        self._now = now
        self.mode = ViewMode.WEEK
        self.anchor = now().astimezone(zone).date()
        self.blocks: list[Block] = []
        self.busy: list[Block] = []
        self._placed: list[Placed] = []
        self._month: dict[date, list[Block]] = {}
        self._header_top = 0.0  # where the day names were last painted (they stay in view)
        self.can_move = False  # set by the screen from the user's permissions
        self._drag: tuple[Placed, QPointF] | None = None
        self._drag_to: datetime | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.update)
        self._tick.start(60_000)  # the current-time line moves once a minute

    # -- data ---------------------------------------------------------------------------
    @property
    def days(self) -> list[date]:
        return visible_days(self.mode, self.anchor)

    def set_view(self, mode: ViewMode, anchor: date) -> None:
        self.mode, self.anchor = mode, anchor
        self._relayout()
        self.updateGeometry()

    def set_blocks(self, blocks: list[Block], busy: list[Block]) -> None:
        self.blocks, self.busy = blocks, busy
        self._relayout()

    def _relayout(self) -> None:
        days = self.days
        if self.mode is ViewMode.MONTH:
            self._month = month_items(self.blocks + self.busy, days, self.zone)
            self._placed = []
        else:
            self._placed = place(self.busy + self.blocks, days, self.zone)
            self._month = {}
        self.update()

    def sizeHint(self) -> QSize:
        if self.mode is ViewMode.MONTH:
            return QSize(900, 640)
        return QSize(900, int(HEADER + 24 * HOUR))

    def minimumSizeHint(self) -> QSize:
        if self.mode is ViewMode.MONTH:
            return QSize(420, 360)
        return QSize(320, int(HEADER + 24 * HOUR))

    # -- geometry -----------------------------------------------------------------------
    def _column_width(self) -> float:
        return (self.width() - GUTTER) / len(self.days)

    def block_rect(self, placed: Placed) -> QRectF:
        width = self._column_width()
        lane_width = (width - 6) / placed.lanes
        x = GUTTER + placed.day_index * width + 2 + placed.lane * lane_width
        top = HEADER + placed.top / 60 * HOUR
        height = max((placed.bottom - placed.top) / 60 * HOUR, 14.0)
        return QRectF(x, top, lane_width - 2, height - 1)

    def _cell(self, index: int) -> QRectF:
        width = self.width() / 7
        height = (self.height() - HEADER) / 6
        return QRectF((index % 7) * width, HEADER + (index // 7) * height, width, height)

    def time_at(self, point: QPointF) -> datetime | None:
        in_header = self._header_top <= point.y() < self._header_top + HEADER
        if point.x() < GUTTER or point.y() < HEADER or in_header:
            return None
        day = self.days[min(int((point.x() - GUTTER) / self._column_width()), len(self.days) - 1)]
        minutes = int((point.y() - HEADER) / HOUR * 60) // 30 * 30
        if minutes >= 24 * 60:
            return None
        return datetime.combine(day, time(minutes // 60, minutes % 60), self.zone)

    def hit(self, point: QPointF) -> Placed | None:
        for placed in reversed(self._placed):
            if placed.block.id and self.block_rect(placed).contains(point):
                return placed
        return None

    # -- painting -----------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        if self.mode is ViewMode.MONTH:
            self._paint_month(painter)
        else:
            self._paint_days(painter)
        painter.end()

    def _grid_pen(self) -> QPen:
        color = self.palette().text().color()
        color.setAlpha(40)
        return QPen(color, 1)

    def _paint_days(self, painter: QPainter) -> None:
        days, width = self.days, self._column_width()
        text = self.palette().text().color()
        today = self._now().astimezone(self.zone).date()
        painter.setPen(self._grid_pen())
        for hour in range(25):
            y = HEADER + hour * HOUR
            painter.drawLine(QPointF(GUTTER, y), QPointF(self.width(), y))
        for i in range(len(days) + 1):
            x = GUTTER + i * width
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setPen(text)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        painter.setFont(small)
        for hour in range(1, 24):
            y = HEADER + hour * HOUR
            painter.drawText(QRectF(0, y - 8, GUTTER - 6, 16), Qt.AlignmentFlag.AlignRight,
                             f"{hour:02d}:00")  # fmt: skip
        painter.setFont(small)
        for placed in self._placed:
            self._paint_block(painter, placed)
        if today in days:
            now = self._now().astimezone(self.zone)
            y = HEADER + (now.hour * 60 + now.minute) / 60 * HOUR
            x = GUTTER + days.index(today) * width
            painter.setPen(QPen(QColor("#e53935"), 2))
            painter.drawLine(QPointF(x, y), QPointF(x + width, y))
            painter.setBrush(QColor("#e53935"))
            painter.drawEllipse(QPointF(x, y), 4, 4)
        if self._drag is not None and self._drag_to is not None:
            self._paint_drop(painter, self._drag[0], self._drag_to)
        self._paint_header(painter, days, width, today)

    def _paint_drop(self, painter: QPainter, placed: Placed, start: datetime) -> None:
        """Where a dragged appointment would land: a dashed outline with its new time."""
        length = (placed.block.end - placed.block.start).total_seconds() / 60
        day = self.days.index(start.date()) if start.date() in self.days else placed.day_index
        top = start.hour * 60 + start.minute
        rect = self.block_rect(Placed(placed.block, day, top, top + length, 0, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self.palette().highlight().color(), 2, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(self.palette().text().color())
        painter.drawText(rect.adjusted(4, 2, -2, -2), Qt.AlignmentFlag.AlignLeft,
                         f"{start:%H:%M} {placed.block.title}")  # fmt: skip

    def _paint_header(self, painter: QPainter, days: list[date], width: float, today: date) -> None:
        """Day names stay at the top of the visible part while the hours scroll under them."""
        top = float(self.visibleRegion().boundingRect().top())
        self._header_top = top
        painter.fillRect(QRectF(0, top, self.width(), HEADER), self.palette().base())
        painter.setPen(self._grid_pen())
        painter.drawLine(QPointF(0, top + HEADER), QPointF(self.width(), top + HEADER))
        painter.setPen(self.palette().text().color())
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        painter.setFont(small)
        zone_name = getattr(self.zone, "key", None) or now_label(self._now(), self.zone)
        painter.drawText(QRectF(2, top, GUTTER - 4, HEADER), Qt.AlignmentFlag.AlignCenter,
                         zone_name.rsplit("/", 1)[-1].replace("_", " ")[:10])  # fmt: skip
        bold = QFont(self.font())
        bold.setBold(True)
        for i, day in enumerate(days):
            painter.setFont(bold if day == today else self.font())
            rect = QRectF(GUTTER + i * width, top, width, HEADER)
            label = day.strftime("%a %d %b") if width > 90 else day.strftime("%a %d")
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_block(self, painter: QPainter, placed: Placed) -> None:
        block, rect = placed.block, self.block_rect(placed)
        if block.is_busy:
            grey = QColor("#8a8f98")
            grey.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(grey, Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(self.palette().text().color())
            painter.drawText(rect.adjusted(4, 2, -2, -2), Qt.AlignmentFlag.AlignLeft,
                             f"Busy: {block.title}" if block.title else "Busy")  # fmt: skip
            return
        tone = STATUS_TONES.get(block.status)
        color = QColor(tone) if tone else color_for(block.color_key or block.title)
        fill = QColor(color)
        fill.setAlpha(60 if block.status in ("cancelled", "no_show") else 215)
        painter.setPen(QPen(color.darker(130), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor("white") if fill.alpha() > 100 else self.palette().text().color())
        start = block.start.astimezone(self.zone)
        lines = [f"{start:%H:%M} {block.title}"]
        if block.subtitle and rect.height() > 30:
            lines.append(block.subtitle)
        font = painter.font()
        font.setStrikeOut(block.status in ("cancelled", "no_show"))
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.drawText(rect.adjusted(4, 2, -2, -2), flags, "\n".join(lines))
        font.setStrikeOut(False)
        painter.setFont(font)

    def _paint_month(self, painter: QPainter) -> None:
        days = self.days
        text = self.palette().text().color()
        today = self._now().astimezone(self.zone).date()
        width = self.width() / 7
        for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
            painter.setPen(text)
            painter.drawText(
                QRectF(i * width, 0, width, HEADER), Qt.AlignmentFlag.AlignCenter, name
            )
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        for index, day in enumerate(days):
            cell = self._cell(index)
            painter.setPen(self._grid_pen())
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(cell)
            muted = day.month != self.anchor.month
            color = QColor(text)
            color.setAlpha(110 if muted else 255)
            painter.setPen(color)
            painter.setFont(self.font())
            number = cell.adjusted(4, 2, -4, 0)
            if day == today:
                painter.setBrush(QColor("#2f6fde"))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawEllipse(QRectF(cell.x() + 2, cell.y() + 2, 22, 20))
                painter.setPen(QColor("white"))
                number = QRectF(cell.x() + 2, cell.y() + 2, 22, 20)
                painter.drawText(number, Qt.AlignmentFlag.AlignCenter, str(day.day))
            else:
                painter.drawText(number, Qt.AlignmentFlag.AlignLeft, str(day.day))
            painter.setFont(small)
            items = self._month.get(day, [])
            line = 16.0
            room = max(int((cell.height() - 24) // line), 1)
            shown = items if len(items) <= room else items[: room - 1]
            for n, block in enumerate(shown):
                rect = QRectF(cell.x() + 3, cell.y() + 22 + n * line, cell.width() - 6, line - 2)
                if block.is_busy:
                    painter.setPen(QColor("#8a8f98"))
                    label = f"Busy {block.start.astimezone(self.zone):%H:%M}"
                else:
                    painter.setPen(color_for(block.color_key or block.title))
                    label = f"{block.start.astimezone(self.zone):%H:%M} {block.title}"
                painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 label)  # fmt: skip
            if len(shown) < len(items):
                painter.setPen(text)
                rect = QRectF(cell.x() + 3, cell.y() + 22 + len(shown) * line, cell.width(), line)
                painter.drawText(rect, Qt.AlignmentFlag.AlignLeft,
                                 f"+{len(items) - len(shown)} more")  # fmt: skip

    # -- input --------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        placed = self.hit(event.position()) if self.mode is not ViewMode.MONTH else None
        movable = placed is not None and placed.block.status in MOVABLE
        if event.button() == Qt.MouseButton.LeftButton and self.can_move and movable:
            assert placed is not None
            self._drag, self._drag_to = (placed, event.position()), None
        super().mousePressEvent(event)

    def _dragged_start(self, point: QPointF) -> datetime:
        assert self._drag is not None
        placed, origin = self._drag
        start = placed.block.start.astimezone(self.zone)
        width = self._column_width()
        column = min(max(int((point.x() - GUTTER) / width), 0), len(self.days) - 1)
        shift = round((point.y() - origin.y()) / HOUR * 60 / SNAP_MINUTES) * SNAP_MINUTES
        minutes = min(max(start.hour * 60 + start.minute + shift, 0), 24 * 60 - SNAP_MINUTES)
        wall = time(minutes // 60, minutes % 60)
        return datetime.combine(self.days[column], wall, self.zone)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, target = self._drag, self._drag_to
        self._drag = self._drag_to = None
        if drag is not None and target is not None and drag[0].block.id:
            if target != drag[0].block.start.astimezone(self.zone):
                self.appointment_moved.emit(drag[0].block.id, target)
            self.update()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if self.mode is ViewMode.MONTH:
            for index, day in enumerate(self.days):
                if self._cell(index).contains(point):
                    self.day_activated.emit(day)
                    return
            return
        placed = self.hit(point)
        if placed is not None and placed.block.id:
            self.appointment_activated.emit(placed.block.id)
            return
        when = self.time_at(point)
        if when is not None:
            self.time_activated.emit(when)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            moved = event.position() - self._drag[1]
            if self._drag_to is not None or abs(moved.x()) + abs(moved.y()) > DRAG_DISTANCE:
                self._drag_to = self._dragged_start(event.position())
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.update()
                return
        placed = self.hit(event.position()) if self.mode is not ViewMode.MONTH else None
        if placed is not None:
            block = placed.block
            start, end = block.start.astimezone(self.zone), block.end.astimezone(self.zone)
            self.setToolTip(f"{block.title}\n{start:%a %d %b %H:%M}-{end:%H:%M}\n{block.subtitle}")
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.setToolTip("")
            self.unsetCursor()
        super().mouseMoveEvent(event)

    def scroll_hint(self) -> int:
        """Where a scroll area should start: at the first appointment of the view if it is
        before 08:00, else at 08:00 (an hour before now on today's view, when later)."""
        hour = 8.0
        now = self._now().astimezone(self.zone)
        if now.date() in self.days:
            hour = max(hour, min(now.hour - 1.0, 16.0))
        starts = [p.top / 60 for p in self._placed if p.block.id]
        if starts:
            hour = min(hour, min(starts))
        return max(int(HEADER + hour * HOUR) - 8, 0)


def now_label(now: datetime, zone: tzinfo) -> str:
    """A short name of a zone without an IANA key (the machine's local zone): "CET", "UTC"."""
    return now.astimezone(zone).tzname() or "local"
