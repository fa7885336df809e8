"""Service settings: what can be booked - name, length, buffers before and after, price and
whether it must be paid for at booking, description, active. A list on the left, the form on
the right; new services start from the form with "New service"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
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

from ghl_desktop.services.calendars import service_catalog
from ghl_desktop.services.calendars.service_catalog import ServiceInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def _minutes(low: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, 24 * 60)
    spin.setSuffix(" min")
    return spin


class ServicesPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("ServicesPanel")
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.services: list[ServiceInfo] = []
        self.current: ServiceInfo | None = None
        self.list = QListWidget()
        self.list.setObjectName("ServiceList")
        self.list.setMaximumWidth(260)
        self.new_button = QPushButton("New service")
        self.new_button.setObjectName("NewService")
        self.name = QLineEdit()
        self.name.setObjectName("ServiceName")
        self.duration = _minutes(1)
        self.duration.setObjectName("ServiceDuration")
        self.before = _minutes(0)
        self.after = _minutes(0)
        self.price = QDoubleSpinBox()
        self.price.setRange(0, 1_000_000)
        self.price.setDecimals(2)
        self.currency = QLineEdit()
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(60)
        self.paid = QCheckBox("Payment required at booking")
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(80)
        self.active = QCheckBox("Bookable")
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.save_button = QPushButton("Save service")
        self.save_button.setObjectName("SaveService")

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Length", self.duration)
        form.addRow("Buffer before", self.before)
        form.addRow("Buffer after", self.after)
        price_row = QHBoxLayout()
        price_row.addWidget(self.price)
        price_row.addWidget(self.currency)
        price_row.addStretch(1)
        form.addRow("Price", price_row)
        form.addRow("", self.paid)
        form.addRow("Description", self.description)
        form.addRow("", self.active)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.save_button)
        right.addLayout(bottom)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        self.list.currentItemChanged.connect(self._chosen)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)

    def show_services(self, snapshot: WorkspaceSnapshot) -> None:
        self.snapshot = snapshot
        manage = snapshot.can("calendars.manage")
        self.new_button.setEnabled(manage)
        self.save_button.setEnabled(manage)
        assert snapshot.sub_account is not None
        uows, actor, sub = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        ReadOp(self.ctx.ops, self, lambda: service_catalog.list_services(uows, actor, sub),
               key="services").success(self._listed).run()  # fmt: skip

    def _listed(self, services: list[ServiceInfo]) -> None:
        keep = self.current.id if self.current else None
        self.services = services
        self.list.clear()
        for service in services:
            label = service.name if service.is_active else f"{service.name} (inactive)"
            entry = QListWidgetItem(f"{label} · {service.duration_minutes} min")
            entry.setData(Qt.ItemDataRole.UserRole, service.id)
            self.list.addItem(entry)
            if service.id == keep:
                self.list.setCurrentItem(entry)
        if self.list.currentItem() is None and services:
            self.list.setCurrentRow(0)
        elif not services:
            self.start_new()

    def _chosen(self, entry: QListWidgetItem | None, _previous: object) -> None:
        if entry is None:
            return
        wanted = entry.data(Qt.ItemDataRole.UserRole)
        service = next((s for s in self.services if s.id == wanted), None)
        if service is not None:
            self._fill(service)

    def _fill(self, service: ServiceInfo | None) -> None:
        self.current = service
        self.error.clear()
        self.name.setText(service.name if service else "")
        self.duration.setValue(service.duration_minutes if service else 30)
        self.before.setValue(service.buffer_before_minutes if service else 0)
        self.after.setValue(service.buffer_after_minutes if service else 0)
        self.price.setValue(service.price_minor / 100 if service else 0)
        self.currency.setText(service.currency if service else "USD")
        self.paid.setChecked(service.requires_payment if service else False)
        self.description.setPlainText(service.description if service else "")
        self.active.setChecked(service.is_active if service else True)

    def start_new(self) -> None:
        self.list.clearSelection()
        self._fill(None)
        self.name.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(), "duration_minutes": self.duration.value(),
            "buffer_before_minutes": self.before.value(),
            "buffer_after_minutes": self.after.value(),
            "price_minor": round(self.price.value() * 100), "currency": self.currency.text(),
            "requires_payment": self.paid.isChecked(),
            "description": self.description.toPlainText(), "is_active": self.active.isChecked(),
        }  # fmt: skip

    def save(self) -> None:
        if self.snapshot is None or self.snapshot.sub_account is None:
            return
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.snapshot.sub_account.id
        values, current = self.values(), self.current

        def write() -> ServiceInfo:
            if current is None:
                return service_catalog.create_service(uows, actor, sub, values)
            return service_catalog.update_service(uows, actor, sub, current.id, values)

        WriteOp(self.ctx.ops, self, write).success(self._saved).failure(
            lambda e: self.error.setText(describe_error(e))
        ).run()

    def _saved(self, service: ServiceInfo) -> None:
        self.current = service
        self.changed.emit()
        if self.snapshot is not None:
            self.show_services(self.snapshot)
