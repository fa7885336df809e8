"""The left pane's filters: the views (all, unread, mine, unassigned, starred, snoozed) with
their unread counts, and channel and status pickers."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.inbox.queries import ConversationFilter, UnreadCounts, View
from ghl_desktop.ui.screens.inbox.composer import CHANNELS

VIEWS = (
    (View.ALL, "All"), (View.UNREAD, "Unread"), (View.MINE, "Mine"),
    (View.UNASSIGNED, "Unassigned"), (View.STARRED, "Starred"), (View.SNOOZED, "Snoozed"),
)  # fmt: skip


class FilterPanel(QWidget):
    changed = Signal(object)  # ConversationFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = QListWidget()
        self.views.setObjectName("InboxViews")
        self.views.setAccessibleName("Inbox views")
        for view, label in VIEWS:
            item = QListWidgetItem(label)
            item.setData(256, view.value)
            self.views.addItem(item)
        self.views.setCurrentRow(0)
        self.views.setSpacing(2)
        self.views.setFixedHeight((self.views.sizeHintForRow(0) + 4) * len(VIEWS) + 8)
        self.channel = QComboBox()
        self.channel.setAccessibleName("Channel filter")
        self.channel.addItem("All channels", None)
        for key, label in CHANNELS:
            self.channel.addItem(label, key)
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        statuses: tuple[tuple[str | None, str], ...] = (
            (None, "Any status"), ("open", "Open"), ("pending", "Pending"),
            ("resolved", "Resolved"),
        )  # fmt: skip
        for status_key, label in statuses:
            self.status.addItem(label, status_key)
        pickers = QHBoxLayout()
        pickers.addWidget(self.channel)
        pickers.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)
        layout.addLayout(pickers)
        self.views.currentRowChanged.connect(lambda _r: self.changed.emit(self.current()))
        self.channel.currentIndexChanged.connect(lambda _i: self.changed.emit(self.current()))
        self.status.currentIndexChanged.connect(lambda _i: self.changed.emit(self.current()))

    def current(self) -> ConversationFilter:
        item = self.views.currentItem()
        view = str(item.data(256)) if item is not None else View.ALL.value
        return ConversationFilter(
            view=view, channel=self.channel.currentData(), status=self.status.currentData()
        )

    def select_view(self, view: View) -> None:
        for row in range(self.views.count()):
            if self.views.item(row).data(256) == view.value:
                self.views.setCurrentRow(row)

    def show_counts(self, counts: UnreadCounts) -> None:
        numbers = {View.UNREAD.value: counts.conversations, View.MINE.value: counts.mine,
                   View.UNASSIGNED.value: counts.unassigned}  # fmt: skip
        for row, (view, label) in enumerate(VIEWS):
            count = numbers.get(view.value, 0)
            self.views.item(row).setText(f"{label}  ({count})" if count else label)
