"""One column's cards: a list drawn by a delegate (no widget per card, so a column of hundreds
stays cheap), whose cards can be dragged to another column. A drop emits ``card_dropped``
with the opportunity and the stage it was dropped on; the board turns that into a move."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ghl_desktop.services.pipelines.board import Card
from ghl_desktop.ui.screens.pipelines.loaders import money

MIME = "application/x-ghl-opportunity"
CARD_ROLE = Qt.ItemDataRole.UserRole + 1
LINES_ROLE = Qt.ItemDataRole.UserRole + 2  # the card's texts, formatted once
CARD_HEIGHT = 76
PAD = 8


def card_lines(card: Card) -> tuple[str, str, str, str]:
    """Name, contact, value, owner (with the status when it is not open)."""
    owner = card.owner_name or "Unassigned"
    if card.status.value != "open":
        owner = f"{card.status.value} · {owner}"
    return card.name, card.contact_name or "—", money(card.value_minor, card.currency), owner


class CardDelegate(QStyledItemDelegate):
    """A card: the deal's name in bold, the contact, then the value and the owner."""

    def __init__(self, parent: QWidget | None = None, accent: str | None = None) -> None:
        super().__init__(parent)
        self.accent = QColor(accent) if accent else None

    def sizeHint(
        self, _option: QStyleOptionViewItem, _index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(220, CARD_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:  # fmt: skip
        lines = index.data(LINES_ROLE)
        if not isinstance(lines, tuple):
            return
        name, contact, value, owner = lines
        palette = option.palette
        rect: QRect = option.rect.adjusted(4, 3, -4, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(
            QPalette.ColorRole.AlternateBase if selected else QPalette.ColorRole.Base
        ))  # fmt: skip
        painter.drawRoundedRect(rect, 6, 6)
        if self.accent is not None:
            painter.fillRect(QRect(rect.left() + 1, rect.top() + 6, 3, rect.height() - 12),
                             self.accent)  # fmt: skip
        text_rect = rect.adjusted(PAD + 4, PAD - 2, -PAD, -PAD + 2)
        line = text_rect.height() // 3
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        metrics = painter.fontMetrics()
        first = QRect(text_rect.left(), text_rect.top(), text_rect.width(), line)
        painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(name, Qt.TextElideMode.ElideRight,
                                            first.width()))  # fmt: skip
        painter.setFont(option.font)
        metrics = painter.fontMetrics()
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        second = first.translated(0, line)
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(contact,
                                            Qt.TextElideMode.ElideRight,
                                            second.width()))  # fmt: skip
        third = second.translated(0, line)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(third, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         value)  # fmt: skip
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(third, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(owner, Qt.TextElideMode.ElideRight,
                                            third.width() // 2))  # fmt: skip
        painter.restore()


class CardList(QListWidget):
    card_dropped = Signal(str, str)  # opportunity id, stage id dropped on
    card_opened = Signal(str)  # opportunity id

    def __init__(self, stage_id: str, accent: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage_id = stage_id
        self.setItemDelegate(CardDelegate(self, accent))
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setFrameShape(QListWidget.Shape.NoFrame)
        self.itemActivated.connect(self._opened)
        self.itemDoubleClicked.connect(self._opened)

    # -- the cards -----------------------------------------------------------------------
    def add_cards(self, cards: Sequence[Card]) -> None:
        shown = {self.item(i).data(CARD_ROLE).id for i in range(self.count())}
        for card in cards:
            if card.id not in shown:
                self.addItem(self._item(card))

    def insert_card(self, card: Card) -> None:
        self.insertItem(0, self._item(card))

    def take_card(self, opportunity_id: str) -> Card | None:
        for row in range(self.count()):
            card = self.item(row).data(CARD_ROLE)
            if card.id == opportunity_id:
                self.takeItem(row)
                return card  # type: ignore[no-any-return]
        return None

    def cards(self) -> list[Card]:
        return [self.item(i).data(CARD_ROLE) for i in range(self.count())]

    @staticmethod
    def _item(card: Card) -> QListWidgetItem:
        lines = card_lines(card)
        text = " — ".join(lines)
        item = QListWidgetItem(text)
        item.setData(CARD_ROLE, card)
        item.setData(LINES_ROLE, lines)
        item.setToolTip(text)
        return item

    def _opened(self, item: QListWidgetItem) -> None:
        self.card_opened.emit(item.data(CARD_ROLE).id)

    # -- drag and drop -------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            data.setData(MIME, QByteArray(items[0].data(CARD_ROLE).id.encode()))
        return data

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Never let the list move items itself: the board moves the card once the service
        said yes (a drop inside the same column changes nothing)."""
        data = event.mimeData()
        if not data.hasFormat(MIME):
            event.ignore()
            return
        opportunity_id = bytes(data.data(MIME).data()).decode()
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if not any(card.id == opportunity_id for card in self.cards()):
            self.card_dropped.emit(opportunity_id, self.stage_id)
