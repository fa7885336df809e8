"""The appointment dialog: book (calendar, service, contact, day, open slot) or, for an existing
appointment, reschedule to another open slot, cancel, confirm, mark completed or no-show.

Slots come from the slot engine through the booking services; every call runs off the Qt thread.
Times are shown in the calendar's own time zone (named next to the slot list).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.calendars.sync import desk
from ghl_desktop.services.calendars.sync.agenda import AgendaItem, Overview
from ghl_desktop.services.calendars.sync.desk import ContactChoice, ServiceChoice, SlotChoice
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.screens.calendars.availability_editor import DATE_FORMAT
from ghl_desktop.ui.workspace import WorkspaceSnapshot

SEARCH_DELAY_MS = 250
OUTCOMES = (("Confirm", "confirmed"), ("Completed", "completed"), ("No-show", "no_show"))


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AppointmentDialog(QDialog):
    saved = Signal()

    def __init__(
        self, ctx: UiContext, snapshot: WorkspaceSnapshot, overview: Overview, *,
        item: AgendaItem | None = None, when: datetime | None = None,
        calendar_id: str | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("AppointmentDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx, self.snapshot, self.overview, self.item = ctx, snapshot, overview, item
        assert snapshot.sub_account is not None
        self.sub = snapshot.sub_account.id
        self.contact_id: str | None = item.contact_id if item else None
        self.setWindowTitle("Appointment" if item else "New appointment")
        self.resize(560, 620)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.calendar = QComboBox()
        self.calendar.setObjectName("AppointmentCalendar")
        for cal in overview.calendars:
            if cal.is_active:
                self.calendar.addItem(cal.name, cal.id)
        self.service = QComboBox()
        self.service.setObjectName("AppointmentService")
        self.contact_search = QLineEdit()
        self.contact_search.setObjectName("ContactSearch")
        self.contact_search.setPlaceholderText("Search contacts by name, email or phone")
        self.contacts = QListWidget()
        self.contacts.setObjectName("ContactResults")
        self.contacts.setMaximumHeight(110)
        self.day = QDateEdit()
        self.day.setObjectName("AppointmentDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat(DATE_FORMAT)
        self.zone_label = QLabel()
        self.zone_label.setProperty("role", "muted")
        self.slots = QListWidget()
        self.slots.setObjectName("SlotList")
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("AppointmentNotes")
        self.notes.setMaximumHeight(80)
        self.error = QLabel()
        self.error.setObjectName("AppointmentError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)

        if item is not None:
            summary = QLabel(self._summary(item))
            summary.setObjectName("AppointmentSummary")
            summary.setWordWrap(True)
            summary.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(summary)
            self.calendar.setCurrentIndex(max(self.calendar.findData(item.calendar_id), 0))
            self.calendar.setEnabled(False)
        else:
            form.addRow("Calendar", self.calendar)
        form.addRow("Service", self.service)
        if item is None:
            form.addRow("Contact", self.contact_search)
            form.addRow("", self.contacts)
        form.addRow("Day", self.day)
        form.addRow(self.zone_label)
        form.addRow(self.slots)
        if item is None:
            form.addRow("Notes", self.notes)
        layout.addWidget(self.error)
        if item is not None and item.status not in ("scheduled", "confirmed"):
            # Completed, no-show or cancelled: history, nothing to move.
            for widget in (self.service, self.day, self.zone_label, self.slots):
                form.setRowVisible(widget, False)
            layout.addStretch(1)
            self.resize(480, 220)

        buttons = QHBoxLayout()
        self.outcome_buttons: dict[str, QPushButton] = {}
        if item is not None and item.status in ("scheduled", "confirmed"):
            for label, outcome in OUTCOMES:
                button = QPushButton(label)
                button.setObjectName(f"Mark_{outcome}")
                button.clicked.connect(lambda _c=False, o=outcome: self.set_outcome(o))
                self.outcome_buttons[outcome] = button
                buttons.addWidget(button)
            self.reason = QLineEdit()
            self.reason.setObjectName("CancelReason")
            self.reason.setPlaceholderText("Reason (optional)")
            cancel = QPushButton("Cancel appointment")
            cancel.setObjectName("Mark_cancelled")
            cancel.clicked.connect(lambda: self.set_outcome("cancelled"))
            self.outcome_buttons["cancelled"] = cancel
            layout.addWidget(self.reason)
            buttons.addWidget(cancel)
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        can_book = item is None or item.status in ("scheduled", "confirmed")
        self.save = QPushButton("Book" if item is None else "Move here")
        self.save.setObjectName("SaveAppointment")
        self.save.setDefault(True)
        self.save.setEnabled(False)
        self.save.setVisible(can_book)
        self.save.clicked.connect(self.submit)
        buttons.addWidget(self.save)
        layout.addLayout(buttons)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.search_contacts)
        self.contact_search.textChanged.connect(lambda _t: self.search_timer.start())
        self.contacts.currentItemChanged.connect(self._contact_chosen)
        self.calendar.currentIndexChanged.connect(lambda _i: self.load_services())
        self.service.currentIndexChanged.connect(lambda _i: self.load_slots())
        self.day.dateChanged.connect(lambda _d: self.load_slots())
        self.slots.currentItemChanged.connect(lambda _c, _p: self._update_save())
        if calendar_id is not None:
            self.calendar.setCurrentIndex(max(self.calendar.findData(calendar_id), 0))
        self._wanted_time = when
        self._find_open_day = item is None and when is None
        start_day = when or (item.start_at if item else None) or ctx.runtime.clock.now()
        self.day.setDate(qdate(start_day.astimezone(self._zone()).date()))
        self.load_services()

    # -- helpers --------------------------------------------------------------------------
    def _summary(self, item: AgendaItem) -> str:
        zone = self._zone_of(item.calendar_id)
        start, end = item.start_at.astimezone(zone), item.end_at.astimezone(zone)
        lines = [
            item.title,
            f"{start:%A %d %B %Y, %H:%M}-{end:%H:%M} ({zone.key})",
            f"Contact: {item.contact_name or '—'}",
            f"Calendar: {item.calendar_name}" + (f", with {item.assigned_name}"
                                                 if item.assigned_name else ""),
            f"Status: {item.status.replace('_', ' ')}",
        ]  # fmt: skip
        if item.notes:
            lines.append(f"Notes: {item.notes}")
        return "\n".join(lines)

    def _zone_of(self, calendar_id: str | None) -> ZoneInfo:
        cal = next((c for c in self.overview.calendars if c.id == calendar_id), None)
        return ZoneInfo(cal.timezone if cal else "UTC")

    def _zone(self) -> ZoneInfo:
        return self._zone_of(self.calendar.currentData())

    def _update_save(self) -> None:
        ready = self.slots.currentItem() is not None and self.service.currentData() is not None
        if self.item is None:
            ready = ready and self.contact_id is not None
        self.save.setEnabled(ready)

    def _fail(self, error: Exception) -> None:
        self.error.setText(describe_error(error))

    # -- loading --------------------------------------------------------------------------
    def load_services(self) -> None:
        calendar_id = self.calendar.currentData()
        self.zone_label.setText(f"Times in {self._zone().key}")
        if calendar_id is None:
            self.error.setText("Create a calendar first (Settings tab).")
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        ReadOp(self.ctx.ops, self, lambda: desk.services_of(uows, actor, sub, calendar_id),
               key="services").success(self.show_services).failure(self._fail).run()  # fmt: skip

    def show_services(self, services: list[ServiceChoice]) -> None:
        self.service.blockSignals(True)
        self.service.clear()
        for s in services:
            self.service.addItem(f"{s.name} ({s.duration_minutes} min)", s.id)
        wanted = self.item.service_name if self.item else None
        if wanted:
            found = self.service.findText(wanted, Qt.MatchFlag.MatchStartsWith)
            self.service.setCurrentIndex(max(found, 0))
        self.service.blockSignals(False)
        if not services:
            self.error.setText("This calendar offers no active service yet.")
        if self._find_open_day and services:
            self._find_open_day = False
            self.jump_to_open_day()
            return
        self.load_slots()

    def jump_to_open_day(self) -> None:
        """A new booking without a chosen time starts on the first day with open time."""
        calendar_id, service_id = self.calendar.currentData(), self.service.currentData()
        qd = self.day.date()
        day, zone = date(qd.year(), qd.month(), qd.day()), self._zone().key
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        ReadOp(
            self.ctx.ops, self,
            lambda: desk.first_open_day(uows, actor, sub, calendar_id, service_id, day, zone),
            key="open-day",
        ).success(self._open_day_found).failure(self._fail).run()  # fmt: skip

    def _open_day_found(self, day: date | None) -> None:
        if day is not None and day != self.day.date().toPython():
            self.day.setDate(qdate(day))  # loads its slots
        else:
            self.load_slots()

    def load_slots(self) -> None:
        calendar_id, service_id = self.calendar.currentData(), self.service.currentData()
        self.slots.clear()
        self._update_save()
        if calendar_id is None or service_id is None:
            return
        qd = self.day.date()
        day = date(qd.year(), qd.month(), qd.day())
        zone = self._zone().key
        exclude = self.item.id if self.item else None
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        ReadOp(
            self.ctx.ops, self,
            lambda: desk.slots_on(uows, actor, sub, calendar_id, service_id, day, zone,
                                  exclude_appointment=exclude),
            key="slots",
        ).success(self.show_slots).failure(self._fail).run()  # fmt: skip

    def show_slots(self, slots: list[SlotChoice]) -> None:
        self.slots.clear()
        self.error.clear()
        for slot in slots:
            entry = QListWidgetItem(f"{slot.start:%H:%M} - {slot.end:%H:%M}")
            entry.setData(Qt.ItemDataRole.UserRole, slot.start)
            self.slots.addItem(entry)
            wanted = self._wanted_time
            if wanted is not None and slot.start == wanted.astimezone(slot.start.tzinfo):
                self.slots.setCurrentItem(entry)
        if not slots:
            self.slots.addItem(QListWidgetItem("No open time on this day"))
            self.slots.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self._update_save()

    def search_contacts(self) -> None:
        text = self.contact_search.text().strip()
        if len(text) < 2:
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        ReadOp(self.ctx.ops, self, lambda: desk.find_contacts(uows, actor, sub, text),
               key="contacts").success(self.show_contacts).failure(self._fail).run()  # fmt: skip

    def show_contacts(self, found: list[ContactChoice]) -> None:
        self.contacts.clear()
        for choice in found:
            entry = QListWidgetItem(choice.label)
            entry.setData(Qt.ItemDataRole.UserRole, choice.id)
            self.contacts.addItem(entry)
        if len(found) == 1:
            self.contacts.setCurrentRow(0)

    def _contact_chosen(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.contact_id = current.data(Qt.ItemDataRole.UserRole) if current else None
        self._update_save()

    # -- actions --------------------------------------------------------------------------
    def submit(self) -> None:
        slot = self.slots.currentItem()
        if slot is None:
            return
        start: datetime = slot.data(Qt.ItemDataRole.UserRole)
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        self.save.setEnabled(False)
        op: WriteOp[object]
        if self.item is not None:
            appointment_id = self.item.id
            op = WriteOp(
                self.ctx.ops, self, lambda: desk.reschedule(uows, actor, sub, appointment_id, start)
            )
        else:
            calendar_id, service_id = self.calendar.currentData(), self.service.currentData()
            contact_id, notes, zone = self.contact_id, self.notes.toPlainText(), self._zone().key
            assert contact_id is not None
            op = WriteOp(
                self.ctx.ops, self,
                lambda: desk.book(uows, actor, sub, calendar_id=calendar_id,
                                  service_id=service_id, contact_id=contact_id, start_at=start,
                                  notes=notes, timezone=zone),
            )  # fmt: skip
        op.success(self._done).failure(self._failed_write).run()

    def set_outcome(self, outcome: str) -> None:
        assert self.item is not None
        appointment_id = self.item.id
        reason = self.reason.text() if outcome == "cancelled" else ""
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.sub
        WriteOp(
            self.ctx.ops, self,
            lambda: desk.set_outcome(uows, actor, sub, appointment_id, outcome, reason=reason),
        ).success(self._done).failure(self._failed_write).run()  # fmt: skip

    def _done(self, _result: object) -> None:
        self.saved.emit()
        self.accept()

    def _failed_write(self, error: Exception) -> None:
        self._fail(error)
        self._update_save()
        self.load_slots()
