"""The quick filters above the board and the list: owner, status and search text. Typing
waits for a short pause before it asks for a reload."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from ghl_desktop.models.pipelines import OpportunityStatus
from ghl_desktop.services.pipelines.board import BoardFilter
from ghl_desktop.ui.screens.contacts.lookups import UserChoice

TYPING_DELAY_MS = 300


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = QComboBox()
        self.owner.setObjectName("OwnerFilter")
        self.owner.setAccessibleName("Owner")
        self.status = QComboBox()
        self.status.setObjectName("StatusFilter")
        self.status.setAccessibleName("Status")
        self.status.addItem("All statuses", "")
        for status in OpportunityStatus:
            self.status.addItem(status.value.capitalize(), status.value)
        self.search = QLineEdit()
        self.search.setObjectName("OpportunitySearch")
        self.search.setPlaceholderText("Search deals and contacts…")
        self.search.setClearButtonEnabled(True)
        self.set_users((), None)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_DELAY_MS)
        self._typing.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        self.owner.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.status.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.owner)
        layout.addWidget(self.status)
        layout.addWidget(self.search, 1)

    def set_users(self, users: tuple[UserChoice, ...], me: str | None) -> None:
        keep = self.owner.currentData()
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem("All owners", "")
        if me:
            self.owner.addItem("Mine", me)
        for user in users:
            if user.id != me:
                self.owner.addItem(user.label, user.id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(keep)))
        self.owner.blockSignals(False)

    def current(self) -> BoardFilter:
        status = str(self.status.currentData() or "")
        return BoardFilter(
            owner_user_id=str(self.owner.currentData() or "") or None,
            status=OpportunityStatus(status) if status else None,
            search=self.search.text().strip(),
        )
