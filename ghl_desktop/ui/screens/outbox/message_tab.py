"""One tab of outbox messages: the table, the selected message in full, retry and cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.outbox.admin import OutboxItem
from ghl_desktop.ui.screens.outbox.models import (
    ATTEMPTS,
    CHANNEL,
    CREATED,
    ERROR,
    NEXT,
    RECIPIENT,
    STATUS,
    STATUS_LABELS,
    SUBJECT,
    OutboxTableModel,
    when,
)
from ghl_desktop.ui.widgets.data_table import DataTable


def describe(item: OutboxItem) -> str:
    """The message as plain text (never rendered as HTML: it may come from anyone)."""
    lines = [
        f"To: {item.recipient or '—'}",
        f"Channel: {item.channel}    Status: {STATUS_LABELS[item.status]}",
        f"Attempts: {item.attempts} of {item.max_attempts}",
        f"Queued: {when(item.created_at)}    Sent: {when(item.sent_at)}",
    ]
    if item.subject:
        lines.append(f"Subject: {item.subject}")
    if item.provider:
        lines.append(f"Provider: {item.provider} ({item.provider_message_id or 'no id'})")
    if item.source:
        lines.append(f"Queued by: {item.source} {item.source_ref or ''}".rstrip())
    if item.last_error:
        lines.append(f"Last error: {item.last_error}")
    lines += ["", item.body]
    return "\n".join(lines)


class MessageTab(QWidget):
    retry_requested = Signal(object)  # OutboxItem
    cancel_requested = Signal(object)

    def __init__(self, empty_text: str, *, actions: bool = True) -> None:
        super().__init__()
        self.model = OutboxTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=SUBJECT,
            widths={CREATED: 150, CHANNEL: 80, RECIPIENT: 210, STATUS: 90, ATTEMPTS: 80,
                    NEXT: 150},
        )  # fmt: skip
        # The last error shares the spare width with the subject: on the Failed and Dead
        # letters tabs it is why the row is there.
        self.table.horizontalHeader().setSectionResizeMode(ERROR, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Outbox messages")
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Selected message")
        self.empty = QLabel(empty_text)
        self.empty.setProperty("role", "muted")
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setObjectName("RetryMessage")
        self.cancel_button = QPushButton("Ca&ncel message")
        self.cancel_button.setObjectName("CancelMessage")
        self._can_manage = False
        self._actions = actions
        bar = QHBoxLayout()
        bar.addWidget(self.empty)
        bar.addStretch(1)
        bar.addWidget(self.retry_button)
        bar.addWidget(self.cancel_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([300, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.table.current_item_changed.connect(lambda _i: self._update())
        self.retry_button.clicked.connect(lambda: self._emit(self.retry_requested))
        self.cancel_button.clicked.connect(lambda: self._emit(self.cancel_requested))
        self._update()

    def set_items(self, items: list[OutboxItem], can_manage: bool) -> None:
        keep = getattr(self.selected(), "id", None)
        self._can_manage = can_manage
        self.model.set_items(items)
        row = self.model.find_row(lambda i: i.id == keep) if keep else 0
        self.table.select_row(max(row, 0))
        self.empty.setVisible(not items)
        self._update()

    def selected(self) -> OutboxItem | None:
        item = self.table.current_item()
        return item if isinstance(item, OutboxItem) else None

    def _emit(self, signal: SignalInstance) -> None:
        item = self.selected()
        if item is not None:
            signal.emit(item)

    def _update(self) -> None:
        item = self.selected()
        visible = self._actions and self._can_manage
        self.retry_button.setVisible(visible)
        self.cancel_button.setVisible(visible)
        self.retry_button.setEnabled(item is not None and item.can_retry)
        self.cancel_button.setEnabled(item is not None and item.can_cancel)
        self.detail.setPlainText(describe(item) if item is not None else "")
