"""One column of the board: the stage's name, how many deals it holds and their total (both
from the SQL aggregate, so they are right before every card is loaded), the cards, and "Load
more" while the column holds more deals than it shows."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from ghl_desktop.services.pipelines.board import BoardColumn, Card
from ghl_desktop.ui.screens.pipelines.card_list import CardList
from ghl_desktop.ui.screens.pipelines.loaders import money, short_money

COLUMN_WIDTH = 260


class StageColumn(QFrame):
    more_requested = Signal(str, int)  # stage id, offset

    def __init__(self, column: BoardColumn, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = column.stage
        self.currency = currency
        self.count = column.count
        self.value_minor = column.value_minor
        self.setObjectName(f"StageColumn_{column.stage.position}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(COLUMN_WIDTH)
        colour = column.stage.colour or "#7F8C8D"
        self.title = QLabel()
        self.title.setObjectName("StageTitle")
        self.title.setStyleSheet(f"border-top: 3px solid {colour}; padding-top: 4px;")
        self.summary = QLabel()
        self.summary.setObjectName("StageSummary")
        self.summary.setProperty("role", "muted")
        self.cards = CardList(column.stage.id, colour, self)
        self.cards.setAccessibleName(f"{column.stage.name} opportunities")
        self.more_button = QPushButton("Load more")
        self.more_button.setObjectName("LoadMore")
        self.more_button.setFlat(True)
        self.more_button.clicked.connect(
            lambda: self.more_requested.emit(self.stage.id, self.cards.count())
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.cards, 1)
        layout.addWidget(self.more_button)
        self.cards.add_cards(column.cards)
        self._update_header()

    def add_cards(self, cards: tuple[Card, ...]) -> None:
        self.cards.add_cards(cards)
        self._update_header()

    def take(self, opportunity_id: str) -> Card | None:
        card = self.cards.take_card(opportunity_id)
        if card is not None:
            self.count -= 1
            if card.currency == self.currency:
                self.value_minor -= card.value_minor
            self._update_header()
        return card

    def put(self, card: Card) -> None:
        self.cards.insert_card(card)
        self.count += 1
        if card.currency == self.currency:
            self.value_minor += card.value_minor
        self._update_header()

    def _update_header(self) -> None:
        self.title.setText(f"<b>{_escape(self.stage.name)}</b>")
        self.summary.setText(
            f"{self.count} {'deal' if self.count == 1 else 'deals'} · "
            f"{short_money(self.value_minor, self.currency)}"
        )
        self.summary.setToolTip(money(self.value_minor, self.currency))
        self.more_button.setVisible(self.cards.count() < self.count)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
