"""The left navigation: one entry per registered screen the user may see."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ghl_desktop.ui.navigation import ScreenSpec

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_ROLE = Qt.ItemDataRole.UserRole + 2


class BadgeDelegate(QStyledItemDelegate):
    """Paints the item as usual, then its count (``BADGE_ROLE``) as a pill on the right."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:  # fmt: skip
        super().paint(painter, option, index)
        count = index.data(BADGE_ROLE)
        if not count:
            return
        text = str(count) if count < 1000 else "999+"
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.85)
        elif font.pixelSize() > 0:  # a style sheet set the size in pixels
            font.setPixelSize(max(9, round(font.pixelSize() * 0.85)))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 2
        rect = option.rect
        pill = QRect(rect.right() - width - 16, rect.center().y() - height // 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e5484d"))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class NavBar(QListWidget):
    screen_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NavBar")
        self.setAccessibleName("Navigation")
        self.setFixedWidth(210)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.currentItemChanged.connect(self._changed)
        self.setItemDelegate(BadgeDelegate(self))
        self._titles: dict[str, str] = {}
        self._badges: dict[str, int] = {}

    def set_screens(self, specs: list[ScreenSpec]) -> None:
        """Show these screens, keeping the current one selected when it is still there."""
        current = self.current_key()
        self.blockSignals(True)
        self.clear()
        for position, spec in enumerate(specs, start=1):
            self._titles[spec.key] = spec.title
            item = QListWidgetItem(spec.title)
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 22))
            item.setData(KEY_ROLE, spec.key)
            if position <= 9:
                item.setToolTip(f"{spec.title} (Ctrl+{position})")
            self.addItem(item)
            self._show_badge(item, spec.key)
        self.blockSignals(False)
        keys = self.keys()
        self.select(current if current in keys else (keys[0] if keys else ""))

    def _show_badge(self, item: QListWidgetItem, key: str) -> None:
        count = self._badges.get(key, 0)
        title = self._titles.get(key, key)
        item.setData(BADGE_ROLE, count)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title}, {count}" if count else title)

    def set_badge(self, key: str, count: int) -> None:
        """A count beside a screen's title (unread conversations...); 0 hides it."""
        self._badges[key] = count
        keys = self.keys()
        if key in keys:
            self._show_badge(self.item(keys.index(key)), key)

    def badge(self, key: str) -> int:
        return self._badges.get(key, 0)

    def keys(self) -> list[str]:
        return [str(self.item(row).data(KEY_ROLE)) for row in range(self.count())]

    def current_key(self) -> str | None:
        item = self.currentItem()
        return str(item.data(KEY_ROLE)) if item is not None else None

    def select(self, key: str) -> None:
        keys = self.keys()
        if key in keys:
            self.setCurrentRow(keys.index(key))

    def _changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.screen_chosen.emit(str(current.data(KEY_ROLE)))
