"""The right-hand panel: who the contact is (name, email, phone, tags, DND) and what can be
done with the thread (assignee, status, snooze, star)."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.services.inbox.queries import ConversationRow
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.widgets.plain_label import PlainLabel

STATUSES = (("open", "Open"), ("pending", "Pending"), ("resolved", "Resolved"))
SNOOZES = (("1 hour", timedelta(hours=1)), ("4 hours", timedelta(hours=4)),
           ("Tomorrow", timedelta(days=1)), ("Next week", timedelta(days=7)))  # fmt: skip


class ContactPanel(QWidget):
    assign_requested = Signal(object)  # user id or None
    status_requested = Signal(str)
    snooze_requested = Signal(object)  # timedelta or None (wake now)
    star_requested = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ContactPanel")
        self.setMinimumWidth(260)
        self.name = PlainLabel()
        self.name.setObjectName("ContactName")
        font = self.name.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.name.setFont(font)
        self.email, self.phone, self.tags, self.dnd = (
            PlainLabel(),
            PlainLabel(),
            PlainLabel(),
            QLabel(),
        )
        self.assignee = QComboBox()
        self.assignee.setAccessibleName("Assigned to")
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for key, label in STATUSES:
            self.status.addItem(label, key)
        self.snooze = QPushButton("Snooze")
        menu = QMenu(self)
        for label, delta in SNOOZES:
            menu.addAction(label).triggered.connect(
                lambda _c=False, d=delta: self.snooze_requested.emit(d)
            )
        menu.addSeparator()
        menu.addAction("Wake now").triggered.connect(lambda: self.snooze_requested.emit(None))
        self.snooze.setMenu(menu)
        self.star = QPushButton("☆ Star")
        self.star.setCheckable(True)
        form = QFormLayout()
        form.addRow("Email", self.email)
        form.addRow("Phone", self.phone)
        form.addRow("Tags", self.tags)
        form.addRow("", self.dnd)
        actions = QFormLayout()
        actions.addRow("Assigned", self.assignee)
        actions.addRow("Status", self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addLayout(actions)
        layout.addWidget(self.snooze)
        layout.addWidget(self.star)
        layout.addStretch(1)
        self._row: ConversationRow | None = None
        self._loading = False
        self.assignee.activated.connect(
            lambda _i: self.assign_requested.emit(self.assignee.currentData())
        )
        self.status.activated.connect(
            lambda _i: self.status_requested.emit(str(self.status.currentData()))
        )
        self.star.clicked.connect(lambda checked: self.star_requested.emit(bool(checked)))
        self.setEnabled(False)

    def show_conversation(
        self, row: ConversationRow, contact: ContactInfo | None, users: list[UserInfo]
    ) -> None:
        self._row = row
        self.setEnabled(True)
        self.name.setText(contact.display_name if contact else row.contact_name)
        self.email.setText((contact.email if contact else row.contact_email) or "—")
        self.phone.setText((contact.phone if contact else row.contact_phone) or "—")
        self.tags.setText(
            ", ".join(t.name for t in contact.tags) if contact and contact.tags else "—"
        )
        flags = (
            (("SMS", contact.dnd_sms), ("email", contact.dnd_email),
             ("WhatsApp", contact.dnd_whatsapp)) if contact else ()
        )  # fmt: skip
        dnd = [name for name, on in flags if on]
        self.dnd.setText(f"⛔ Do not disturb: {', '.join(dnd)}" if dnd else "")
        self.assignee.clear()
        self.assignee.addItem("Unassigned", None)
        for user in users:
            self.assignee.addItem(user.full_name or user.email, user.id)
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(row.assigned_user_id)))
        self.status.setCurrentIndex(max(0, self.status.findData(str(row.status))))
        self.star.setChecked(row.is_starred)
        self.star.setText("★ Starred" if row.is_starred else "☆ Star")
        snoozed = row.snoozed_until
        self.snooze.setText(f"Snoozed until {_local(snoozed)}" if snoozed else "Snooze")

    def clear(self) -> None:
        self._row = None
        self.name.setText("")
        for label in (self.email, self.phone, self.tags, self.dnd):
            label.setText("")
        self.setEnabled(False)


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%d %b %H:%M")
