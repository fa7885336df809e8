"""General settings of one calendar: name, booking address, time zone, booking limits,
reminders, and for a team calendar its members and how bookings are shared among them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.calendars import setup
from ghl_desktop.services.calendars.setup import CalendarInfo
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp, describe_error
from ghl_desktop.ui.screens.calendars.availability_editor import ZONES
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def _spin(low: int, high: int, suffix: str, special: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    if special:
        spin.setSpecialValueText(special)
    return spin


class CalendarForm(QWidget):
    saved = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("CalendarForm")
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.info: CalendarInfo | None = None
        self.name = QLineEdit()
        self.name.setObjectName("CalendarName")
        self.slug = QLineEdit()
        self.slug.setObjectName("CalendarSlug")
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(60)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(ZONES)
        self.active = QCheckBox("Takes bookings")
        self.min_notice = _spin(0, 60 * 24 * 365, " min")
        self.min_notice.setObjectName("MinNotice")
        self.max_days = _spin(1, 730, " days")
        self.max_per_day = _spin(0, 1000, " a day", "no limit")
        self.interval = _spin(5, 24 * 60, " min")
        self.reminders = QCheckBox("Remind the invitee")
        self.remind_hours = _spin(1, 24 * 30, " h before")
        self.distribution = QComboBox()
        self.distribution.addItem("Round robin (one member)", "round_robin")
        self.distribution.addItem("Collective (all members)", "collective")
        self.rr_mode = QComboBox()
        self.rr_mode.addItem("Equal distribution", "equal_distribution")
        self.rr_mode.addItem("By priority (list order)", "priority")
        self.members = QListWidget()
        self.members.setObjectName("TeamMembers")
        self.members.setMaximumHeight(120)

        form = self.form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Booking address", self.slug)
        form.addRow("Description", self.description)
        form.addRow("Time zone", self.zone)
        form.addRow("", self.active)
        form.addRow("Minimum notice", self.min_notice)
        form.addRow("Book up to", self.max_days)
        form.addRow("Bookings per day", self.max_per_day)
        form.addRow("Slot every", self.interval)
        reminder_row = QHBoxLayout()
        reminder_row.addWidget(self.reminders)
        reminder_row.addWidget(self.remind_hours)
        reminder_row.addStretch(1)
        form.addRow("Reminder", reminder_row)
        self.team_rows: list[QWidget] = []
        for label, widget in (("Team bookings", self.distribution), ("Round robin", self.rr_mode),
                              ("Members", self.members)):  # fmt: skip
            form.addRow(label, widget)
            self.team_rows.append(widget)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.save_button = QPushButton("Save calendar")
        self.save_button.setObjectName("SaveCalendar")
        self.save_button.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(bottom)

    def show_calendar(
        self, snapshot: WorkspaceSnapshot, info: CalendarInfo, users: list[UserInfo]
    ) -> None:
        if self.info is None or self.info.id != info.id:
            self.error.clear()
        self.snapshot, self.info = snapshot, info
        self.name.setText(info.name)
        self.slug.setText(info.slug)
        self.description.setPlainText(info.description)
        self.zone.setCurrentText(info.timezone)
        self.active.setChecked(info.is_active)
        self.min_notice.setValue(info.min_notice_minutes)
        self.max_days.setValue(info.max_days_ahead)
        self.max_per_day.setValue(info.max_per_day or 0)
        self.interval.setValue(info.slot_interval_minutes)
        self.reminders.setChecked(info.reminders_enabled)
        offsets = info.reminder_offsets_minutes
        self.remind_hours.setValue(max(offsets[0] // 60, 1) if offsets else 24)
        is_team = info.kind == "team"
        for widget in self.team_rows:
            self.form.setRowVisible(widget, is_team)
        self.distribution.setCurrentIndex(max(self.distribution.findData(info.distribution), 0))
        self.rr_mode.setCurrentIndex(max(self.rr_mode.findData(info.round_robin_mode), 0))
        chosen = dict(info.members)
        self.members.clear()
        for user in sorted(users, key=lambda u: (chosen.get(u.id, 999), u.full_name or u.email)):
            entry = QListWidgetItem(user.full_name or user.email)
            entry.setData(Qt.ItemDataRole.UserRole, user.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(
                Qt.CheckState.Checked if user.id in chosen else Qt.CheckState.Unchecked
            )
            self.members.addItem(entry)
        self.save_button.setEnabled(snapshot.can("calendars.manage"))

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name.text(), "slug": self.slug.text(),
            "description": self.description.toPlainText(), "timezone": self.zone.currentText(),
            "is_active": self.active.isChecked(), "min_notice_minutes": self.min_notice.value(),
            "max_days_ahead": self.max_days.value(),
            "max_per_day": self.max_per_day.value() or None,
            "slot_interval_minutes": self.interval.value(),
            "reminders_enabled": self.reminders.isChecked(),
            "reminder_offsets_minutes": [self.remind_hours.value() * 60],
            **({"distribution": self.distribution.currentData(),
                "round_robin_mode": self.rr_mode.currentData()}
               if self.info is not None and self.info.kind == "team" else {}),
        }  # fmt: skip

    def team(self) -> list[tuple[str, int]]:
        picked: list[tuple[str, int]] = []
        for row in range(self.members.count()):
            entry = self.members.item(row)
            if entry.checkState() == Qt.CheckState.Checked:
                picked.append((str(entry.data(Qt.ItemDataRole.UserRole)), len(picked)))
        return picked

    def save(self) -> None:
        if self.snapshot is None or self.info is None or self.snapshot.sub_account is None:
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.snapshot.sub_account.id
        calendar_id, changes = self.info.id, self.changes()
        team = self.team() if self.info.kind == "team" else None

        def write() -> CalendarInfo:
            info = setup.update_calendar(uows, actor, sub, calendar_id, changes)
            if team is not None:
                info = setup.set_team_members(uows, actor, sub, calendar_id, team)
            return info

        WriteOp(self.ctx.ops, self, write).success(self._saved).failure(
            lambda e: self.error.setText(describe_error(e))
        ).run()

    def _saved(self, info: CalendarInfo) -> None:
        self.info = info
        self.error.setText("Saved.")
        self.saved.emit()
