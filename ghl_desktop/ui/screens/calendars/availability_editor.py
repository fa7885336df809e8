"""The availability editor: weekly open hours (any number of ranges per weekday) in an IANA time
zone, valid from / to, and date overrides (closed, or special hours). Saved as a whole through
the calendar setup service, which validates every range."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.calendars import setup
from ghl_desktop.services.calendars.setup import RuleInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.workspace import WorkspaceSnapshot

# Shown Monday first; stored with 0 = Sunday.
WEEKDAYS = (("Monday", 1), ("Tuesday", 2), ("Wednesday", 3), ("Thursday", 4), ("Friday", 5),
            ("Saturday", 6), ("Sunday", 0))  # fmt: skip
DATE_FORMAT = "ddd d MMM yyyy"
ZONES = [*sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")), "UTC"]


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(edit: QTimeEdit) -> str:
    return edit.time().toString("HH:mm")


def _date(edit: QDateEdit) -> str:
    value = edit.date()
    return date(value.year(), value.month(), value.day()).isoformat()


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _time_edit(value: time) -> QTimeEdit:
    edit = QTimeEdit(_qtime(value))
    edit.setDisplayFormat("HH:mm")
    return edit


class AvailabilityEditor(QWidget):
    saved = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("AvailabilityEditor")
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.calendar_id: str | None = None

        self.zone = QComboBox()
        self.zone.setObjectName("AvailabilityZone")
        self.zone.setEditable(True)
        self.zone.addItems(ZONES)
        self.weekly = QTableWidget(0, 3)
        self.weekly.setObjectName("WeeklyHours")
        self.weekly.setHorizontalHeaderLabels(["Day", "From", "To"])
        self.weekly.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.weekly.verticalHeader().setVisible(False)
        self.weekly.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((150, 100, 100)):
            self.weekly.setColumnWidth(column, width)
        self.use_from = QCheckBox("Valid from")
        self.valid_from = QDateEdit()
        self.use_to = QCheckBox("until")
        self.valid_to = QDateEdit()
        for edit in (self.valid_from, self.valid_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_FORMAT)
        self.overrides = QTableWidget(0, 4)
        self.overrides.setObjectName("DateOverrides")
        self.overrides.setHorizontalHeaderLabels(["Date", "Closed", "From", "To"])
        self.overrides.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.overrides.verticalHeader().setVisible(False)
        self.overrides.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((160, 70, 100, 100)):
            self.overrides.setColumnWidth(column, width)

        weekly_box = QGroupBox("Weekly hours")
        weekly_layout = QVBoxLayout(weekly_box)
        zone_row = QFormLayout()
        zone_row.addRow("Time zone", self.zone)
        weekly_layout.addLayout(zone_row)
        weekly_layout.addWidget(self.weekly, 1)
        row = QHBoxLayout()
        add_range = QPushButton("Add hours")
        add_range.setObjectName("AddWeekly")
        add_range.clicked.connect(lambda: self.add_weekly(1, time(9), time(17)))
        remove_range = QPushButton("Remove selected")
        remove_range.clicked.connect(lambda: self._remove(self.weekly))
        row.addWidget(add_range)
        row.addWidget(remove_range)
        row.addStretch(1)
        row.addWidget(self.use_from)
        row.addWidget(self.valid_from)
        row.addWidget(self.use_to)
        row.addWidget(self.valid_to)
        weekly_layout.addLayout(row)

        override_box = QGroupBox("Date overrides (closed days, special hours)")
        override_layout = QVBoxLayout(override_box)
        override_layout.addWidget(self.overrides, 1)
        row2 = QHBoxLayout()
        add_override = QPushButton("Add date")
        add_override.setObjectName("AddOverride")
        add_override.clicked.connect(lambda: self.add_override(self._today(), None, None))
        remove_override = QPushButton("Remove selected")
        remove_override.clicked.connect(lambda: self._remove(self.overrides))
        row2.addWidget(add_override)
        row2.addWidget(remove_override)
        row2.addStretch(1)
        override_layout.addLayout(row2)

        self.error = QLabel()
        self.error.setObjectName("AvailabilityError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.save_button = QPushButton("Save availability")
        self.save_button.setObjectName("SaveAvailability")
        self.save_button.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(weekly_box, 3)
        layout.addWidget(override_box, 2)
        layout.addLayout(bottom)

    def _today(self) -> date:
        return self.ctx.runtime.clock.now().date()

    # -- rows -----------------------------------------------------------------------------
    def add_weekly(self, day: int, start: time, end: time) -> None:
        row = self.weekly.rowCount()
        self.weekly.insertRow(row)
        days = QComboBox()
        for label, number in WEEKDAYS:
            days.addItem(label, number)
        days.setCurrentIndex(max(days.findData(day), 0))
        self.weekly.setCellWidget(row, 0, days)
        self.weekly.setCellWidget(row, 1, _time_edit(start))
        self.weekly.setCellWidget(row, 2, _time_edit(end))

    def add_override(self, day: date, start: time | None, end: time | None) -> None:
        row = self.overrides.rowCount()
        self.overrides.insertRow(row)
        when = QDateEdit(_qdate(day))
        when.setCalendarPopup(True)
        when.setDisplayFormat(DATE_FORMAT)
        closed = QCheckBox()
        closed.setChecked(start is None)
        begin, finish = _time_edit(start or time(9)), _time_edit(end or time(17))
        closed.toggled.connect(begin.setDisabled)
        closed.toggled.connect(finish.setDisabled)
        begin.setDisabled(start is None)
        finish.setDisabled(start is None)
        for column, widget in enumerate((when, closed, begin, finish)):
            self.overrides.setCellWidget(row, column, widget)

    def _remove(self, table: QTableWidget) -> None:
        for row in sorted({i.row() for i in table.selectedIndexes()}, reverse=True):
            table.removeRow(row)

    # -- loading --------------------------------------------------------------------------
    def show_calendar(self, snapshot: WorkspaceSnapshot, calendar_id: str, zone: str) -> None:
        if calendar_id != self.calendar_id:
            self.error.clear()
        self.snapshot, self.calendar_id = snapshot, calendar_id
        self.save_button.setEnabled(snapshot.can("calendars.manage"))
        self.zone.setCurrentText(zone)
        assert snapshot.sub_account is not None
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(self.ctx.ops, self, lambda: setup.list_rules(uows, actor, sub, calendar_id),
               key="rules").success(self.show_rules).run()  # fmt: skip

    def show_rules(self, rules: list[RuleInfo]) -> None:
        self.weekly.setRowCount(0)
        self.overrides.setRowCount(0)
        weekly = [r for r in rules if r.kind == "weekly" and r.start_time and r.end_time]
        order = {number: i for i, (_label, number) in enumerate(WEEKDAYS)}
        for rule in sorted(weekly, key=lambda r: (order[r.day_of_week or 0], r.start_time)):
            assert rule.start_time is not None
            assert rule.end_time is not None
            self.add_weekly(rule.day_of_week or 0, rule.start_time, rule.end_time)
        if weekly:
            self.zone.setCurrentText(weekly[0].timezone)
        first = weekly[0] if weekly else None
        self.use_from.setChecked(bool(first and first.valid_from))
        self.use_to.setChecked(bool(first and first.valid_to))
        self.valid_from.setDate(_qdate(first.valid_from if first and first.valid_from
                                       else self._today()))  # fmt: skip
        self.valid_to.setDate(_qdate(first.valid_to if first and first.valid_to
                                     else self._today()))  # fmt: skip
        for rule in (r for r in rules if r.kind == "override"):
            assert rule.override_date is not None
            self.add_override(rule.override_date, rule.start_time, rule.end_time)

    # -- saving ---------------------------------------------------------------------------
    def rules(self) -> list[dict[str, Any]]:
        zone = self.zone.currentText().strip()
        found: list[dict[str, Any]] = []
        for row in range(self.weekly.rowCount()):
            days, start, end = (self.weekly.cellWidget(row, c) for c in range(3))
            assert isinstance(days, QComboBox)
            assert isinstance(start, QTimeEdit)
            assert isinstance(end, QTimeEdit)
            rule: dict[str, Any] = {"kind": "weekly", "day_of_week": days.currentData(),
                                    "start_time": _time(start), "end_time": _time(end),
                                    "timezone": zone}  # fmt: skip
            if self.use_from.isChecked():
                rule["valid_from"] = _date(self.valid_from)
            if self.use_to.isChecked():
                rule["valid_to"] = _date(self.valid_to)
            found.append(rule)
        for row in range(self.overrides.rowCount()):
            when, closed, start, end = (self.overrides.cellWidget(row, c) for c in range(4))
            assert isinstance(when, QDateEdit)
            assert isinstance(closed, QCheckBox)
            assert isinstance(start, QTimeEdit)
            assert isinstance(end, QTimeEdit)
            override: dict[str, Any] = {"kind": "override", "date": _date(when), "timezone": zone}
            if not closed.isChecked():
                override.update(start_time=_time(start), end_time=_time(end))
            found.append(override)
        return found

    def save(self) -> None:
        if self.snapshot is None or self.calendar_id is None:
            return
        assert self.snapshot.sub_account is not None
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.snapshot.sub_account.id
        calendar_id, rules = self.calendar_id, self.rules()
        WriteOp(
            self.ctx.ops, self, lambda: setup.set_availability(uows, actor, sub, calendar_id, rules)
        ).success(self._saved).failure(lambda e: self.error.setText(describe_error(e))).run()

    def _saved(self, rules: list[RuleInfo]) -> None:
        self.show_rules(rules)
        self.error.setText("Saved.")
        self.saved.emit()
