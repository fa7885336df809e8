"""A small bar chart drawn with QPainter (the Essentials wheel has no QtCharts): one bar per
label, the value above it, labels below, thinned out when they would overlap."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN = 8
LABEL_HEIGHT = 18


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float]] = []
        self.empty_text = "No data yet"
        self.value_format = "{:,.0f}"
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def set_bars(self, bars: Sequence[tuple[str, float]]) -> None:
        self.bars = list(bars)
        self.setAccessibleDescription(
            ", ".join(f"{label}: {self.value_format.format(v)}" for label, v in self.bars)
        )
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        area = QRectF(self.rect()).adjusted(
            MARGIN, MARGIN + LABEL_HEIGHT, -MARGIN, -(MARGIN + LABEL_HEIGHT)
        )
        if not self.bars or max(v for _, v in self.bars) <= 0:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        top = max(v for _, v in self.bars)
        slot = area.width() / len(self.bars)
        bar_colour = palette.color(QPalette.ColorRole.Highlight)
        every = max(1, int(60 // max(slot, 1)))  # a label every n bars when they are narrow
        metrics = painter.fontMetrics()
        for index, (label, value) in enumerate(self.bars):
            height = area.height() * value / top
            x = area.left() + index * slot + slot * 0.15
            bar = QRectF(x, area.bottom() - height, slot * 0.7, height)
            painter.fillRect(bar, bar_colour)
            painter.setPen(text)
            if slot >= metrics.horizontalAdvance(self.value_format.format(value)) + 4:
                painter.drawText(
                    QRectF(x - slot * 0.15, bar.top() - LABEL_HEIGHT, slot, LABEL_HEIGHT),
                    Qt.AlignmentFlag.AlignCenter,
                    self.value_format.format(value),
                )
            if index % every == 0:
                painter.setPen(QColor(text).lighter(150) if text.lightness() < 128 else text)
                painter.drawText(
                    QRectF(x - slot * 0.15, area.bottom() + 2, slot * every, LABEL_HEIGHT),
                    Qt.AlignmentFlag.AlignLeft,
                    label,
                )
