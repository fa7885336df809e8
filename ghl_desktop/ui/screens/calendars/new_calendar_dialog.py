"""A new calendar: a person's own, or a team's (its members are picked in its settings)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.calendars import CalendarKind
from ghl_desktop.services.calendars import setup
from ghl_desktop.services.calendars.setup import CalendarInfo
from ghl_desktop.services.users import UserInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp, describe_error
from ghl_desktop.ui.screens.calendars.availability_editor import ZONES
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100]


class NewCalendarDialog(QDialog):
    created = Signal(object)  # CalendarInfo

    def __init__(
        self, ctx: UiContext, snapshot: WorkspaceSnapshot, users: list[UserInfo],
        zone: str, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("NewCalendarDialog")
        self.setWindowTitle("New calendar")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx, self.snapshot = ctx, snapshot
        self.name = QLineEdit()
        self.name.setObjectName("NewCalendarName")
        self.slug = QLineEdit()
        self.slug.setObjectName("NewCalendarSlug")
        self.kind = QComboBox()
        self.kind.addItem("A person's calendar", CalendarKind.USER.value)
        self.kind.addItem("Team calendar", CalendarKind.TEAM.value)
        self.owner = QComboBox()
        for user in users:
            self.owner.addItem(user.full_name or user.email, user.id)
        self.owner.setCurrentIndex(max(self.owner.findData(snapshot.actor.user_id), 0))
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(ZONES)
        self.zone.setCurrentText(zone)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Booking address", self.slug)
        form.addRow("Kind", self.kind)
        form.addRow("Person", self.owner)
        form.addRow("Time zone", self.zone)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._slug_edited = False
        self.slug.textEdited.connect(lambda _t: setattr(self, "_slug_edited", True))
        self.name.textChanged.connect(self._suggest_slug)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.owner.setEnabled(self.kind.currentData() == CalendarKind.USER.value)
        )

    def _suggest_slug(self, name: str) -> None:
        if not self._slug_edited:
            self.slug.setText(slug_of(name))

    def submit(self) -> None:
        assert self.snapshot.sub_account is not None
        uows, actor, sub = self.ctx.uows, self.snapshot.actor, self.snapshot.sub_account.id
        name, slug, zone = self.name.text(), self.slug.text(), self.zone.currentText()
        kind = CalendarKind(self.kind.currentData())
        owner = self.owner.currentData() if kind is CalendarKind.USER else None
        WriteOp(
            self.ctx.ops, self,
            lambda: setup.create_calendar(uows, actor, sub, name=name, slug=slug, kind=kind,
                                          owner_user_id=owner, timezone=zone),
        ).success(self._done).failure(self._failed).run()  # fmt: skip

    def _failed(self, error: Exception) -> None:
        self.error.setText(describe_error(error))

    def _done(self, info: CalendarInfo) -> None:
        self.created.emit(info)
        self.accept()
