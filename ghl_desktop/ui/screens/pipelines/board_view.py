"""The kanban board: one column per stage side by side in a horizontal scroll area. It only
shows what it is given and reports what the user does (drop, open, load more); the screen
runs the service calls."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QWidget

from ghl_desktop.services.pipelines.board import Board, Card
from ghl_desktop.ui.screens.pipelines.stage_column import StageColumn


class KanbanBoard(QScrollArea):
    move_requested = Signal(str, str)  # opportunity id, stage id
    open_requested = Signal(str)  # opportunity id
    more_requested = Signal(str, int)  # stage id, offset
    columns_shown = Signal()  # a board was put on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KanbanBoard")
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns: dict[str, StageColumn] = {}
        self.board: Board | None = None
        self._holder = QWidget()
        self._row = QHBoxLayout(self._holder)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self.setWidget(self._holder)

    def show_board(self, board: Board) -> None:
        """Replace the columns (a reload after a change, a pipeline or filter switch)."""
        self.board = board
        self.setUpdatesEnabled(False)
        try:
            for column in self.columns.values():
                self._row.removeWidget(column)
                column.deleteLater()
            self.columns = {}
            if not board.pipeline.stages:
                self._row.insertWidget(0, QLabel("This pipeline has no stages yet."))
            for index, col in enumerate(board.columns):
                widget = StageColumn(col, board.currency, self._holder)
                widget.cards.card_dropped.connect(self.move_requested)
                widget.cards.card_opened.connect(self.open_requested)
                widget.more_requested.connect(self.more_requested)
                self._row.insertWidget(index, widget)
                self.columns[col.stage.id] = widget
        finally:
            self.setUpdatesEnabled(True)
        self.columns_shown.emit()

    def add_cards(self, stage_id: str, cards: tuple[Card, ...]) -> None:
        column = self.columns.get(stage_id)
        if column is not None:
            column.add_cards(cards)

    def move_card(self, opportunity_id: str, stage_id: str) -> Card | None:
        """Show the move at once (the reload after the service's event confirms it)."""
        target = self.columns.get(stage_id)
        if target is None:
            return None
        for column in self.columns.values():
            card = column.take(opportunity_id)
            if card is not None:
                target.put(card)
                return card
        return None

    def column_of(self, opportunity_id: str) -> str | None:
        for stage_id, column in self.columns.items():
            if any(c.id == opportunity_id for c in column.cards.cards()):
                return stage_id
        return None
