"""How one conversation looks in the list: contact name (bold while unread) and time on the
first line, channel and preview on the second, an unread count pill and a star."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ghl_desktop.services.inbox.queries import ConversationRow
from ghl_desktop.ui.screens.inbox.conversation_model import ROW_ROLE

CHANNEL_LABELS = {"sms": "SMS", "email": "Email", "whatsapp": "WhatsApp", "webchat": "Chat",
                  "sandbox": "Sandbox"}  # fmt: skip
PAD = 8


def short_time(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return ""
    now = now or datetime.now(UTC)
    local = when.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    if (now - when).days < 7:
        return local.strftime("%a")
    return local.strftime("%d %b")


class ConversationDelegate(QStyledItemDelegate):
    def sizeHint(
        self, option: QStyleOptionViewItem, _index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(240, option.fontMetrics.height() * 2 + PAD * 3)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:  # fmt: skip
        row = index.data(ROW_ROLE)
        if not isinstance(row, ConversationRow):
            super().paint(painter, option, index)
            return
        painter.save()
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.highlight())
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        muted = QColor(text_color)
        muted.setAlpha(150)
        line = option.fontMetrics.height()
        inner = rect.adjusted(PAD, PAD, -PAD, -PAD)
        base_font: QFont = option.font
        bold = QFont(base_font)
        bold.setBold(row.unread_count > 0)
        when = short_time(row.last_message_at)
        painter.setFont(base_font)
        time_width = painter.fontMetrics().horizontalAdvance(when) + 4
        painter.setPen(muted)
        painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, when)
        painter.setFont(bold)
        painter.setPen(text_color)
        star = "★ " if row.is_starred else ""
        name_rect = QRect(inner.left(), inner.top(), inner.width() - time_width, line)
        name = painter.fontMetrics().elidedText(
            star + (row.contact_name or "Unknown"), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        painter.setFont(base_font)
        second = QRect(inner.left(), inner.top() + line + PAD // 2, inner.width(), line)
        pill = ""
        if row.unread_count:
            pill = str(min(row.unread_count, 99))
            pill_width = painter.fontMetrics().horizontalAdvance(pill) + 12
            pill_rect = QRect(second.right() - pill_width, second.top(), pill_width, line)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#2f7de1"))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawRoundedRect(pill_rect, line / 2, line / 2)
            painter.setPen(QColor("white"))
            painter.drawText(pill_rect, Qt.AlignmentFlag.AlignCenter, pill)
            second.setWidth(second.width() - pill_width - 6)
        painter.setPen(muted)
        label = CHANNEL_LABELS.get(row.channel_type, row.channel_type)
        preview = painter.fontMetrics().elidedText(
            f"{label} · {row.preview}", Qt.TextElideMode.ElideRight, second.width()
        )
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, preview)
        painter.restore()
