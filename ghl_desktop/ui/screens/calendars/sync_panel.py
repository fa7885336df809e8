"""Sync & sharing of one calendar: the CalDAV connection (test, save, sync now, disconnect,
status with the last error and conflicts), the secret ICS feed URL (copy, rotate) and the public
booking link (copy). Network work runs off the Qt thread."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.providers.caldav_client import connect
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.calendars.sync import connection, ics_feed
from ghl_desktop.services.calendars.sync.connection import SyncStatusView
from ghl_desktop.services.calendars.sync.engine import SyncReport, sync_calendar
from ghl_desktop.services.calendars.sync.port import ConnectionInfo
from ghl_desktop.services.calendars.tokens import booking_path
from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.workspace import WorkspaceSnapshot


@dataclass(frozen=True)
class SharingData:
    status: SyncStatusView
    feed_token: str | None
    base_url: str


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class SyncPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("CalendarSyncPanel")
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.calendar_id: str | None = None
        self.slug = ""
        self.data: SharingData | None = None

        caldav = QGroupBox("External calendar (CalDAV two-way sync)")
        form = QFormLayout(caldav)
        self.url = QLineEdit()
        self.url.setObjectName("CaldavUrl")
        self.url.setPlaceholderText("https://caldav.example.com/calendars/me/work/")
        self.username = QLineEdit()
        self.username.setObjectName("CaldavUser")
        self.password = QLineEdit()
        self.password.setObjectName("CaldavPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("App password (kept in the secret store)")
        form.addRow("Calendar URL", self.url)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("CaldavTest")
        self.save_button = QPushButton("Save and connect")
        self.save_button.setObjectName("CaldavSave")
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("CaldavSync")
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setObjectName("CaldavDisconnect")
        for button in (self.test_button, self.save_button, self.sync_button,
                       self.disconnect_button):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.status = QLabel()
        self.status.setObjectName("CaldavStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.status)

        sharing = QGroupBox("Sharing")
        share = QFormLayout(sharing)
        self.feed_url = QLineEdit()
        self.feed_url.setObjectName("IcsFeedUrl")
        self.feed_url.setReadOnly(True)
        self.copy_feed = QPushButton("Copy")
        self.copy_feed.setObjectName("CopyIcsFeed")
        self.rotate_feed = QPushButton("New URL")
        self.rotate_feed.setObjectName("RotateIcsFeed")
        self.rotate_feed.setToolTip("Make a new secret address; the old one stops working")
        feed_row = QHBoxLayout()
        feed_row.addWidget(self.feed_url, 1)
        feed_row.addWidget(self.copy_feed)
        feed_row.addWidget(self.rotate_feed)
        share.addRow("ICS feed (secret)", feed_row)
        self.booking_url = QLineEdit()
        self.booking_url.setObjectName("BookingLink")
        self.booking_url.setReadOnly(True)
        self.copy_booking = QPushButton("Copy booking link")
        self.copy_booking.setObjectName("CopyBookingLink")
        booking_row = QHBoxLayout()
        booking_row.addWidget(self.booking_url, 1)
        booking_row.addWidget(self.copy_booking)
        share.addRow("Booking page", booking_row)

        layout = QVBoxLayout(self)
        layout.addWidget(caldav)
        layout.addWidget(sharing)
        layout.addStretch(1)

        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        self.sync_button.clicked.connect(self.sync_now)
        self.disconnect_button.clicked.connect(self.disconnect_calendar)
        self.copy_feed.clicked.connect(self._copy_feed)
        self.rotate_feed.clicked.connect(self.rotate)
        self.copy_booking.clicked.connect(lambda: _copy(self.booking_url.text()))

    # -- loading --------------------------------------------------------------------------
    def show_calendar(self, snapshot: WorkspaceSnapshot, calendar_id: str, slug: str) -> None:
        self.snapshot, self.calendar_id, self.slug = snapshot, calendar_id, slug
        manage = snapshot.can("calendars.manage")
        for widget in (self.url, self.username, self.password, self.test_button,
                       self.save_button, self.sync_button, self.disconnect_button,
                       self.rotate_feed):  # fmt: skip
            widget.setEnabled(manage)
        self.reload()

    def _args(self) -> tuple[UnitOfWorkFactory, Actor, str, str]:
        assert self.snapshot is not None
        assert self.snapshot.sub_account is not None
        assert self.calendar_id is not None
        return self.ctx.uows, self.snapshot.actor, self.snapshot.sub_account.id, self.calendar_id

    def reload(self) -> None:
        if self.snapshot is None or self.calendar_id is None:
            return
        uows, actor, sub, cal = self._args()
        manage = self.snapshot.can("calendars.manage")
        host = self.ctx.funnel_server
        running = host.public_url if host is not None else None

        def load() -> SharingData:
            status = connection.sync_status(uows, actor, sub, cal)
            token = ics_feed.feed_token(uows, actor, sub, cal) if manage else None
            base = running or server_settings.load(uows).base_url()
            return SharingData(status, token, base)

        ReadOp(self.ctx.ops, self, load, key="sharing").success(self.show_data).run()

    def show_data(self, data: SharingData) -> None:
        self.data = data
        status = data.status
        if status.is_connected:
            self.url.setText(status.url)
            self.username.setText(status.username)
        self.sync_button.setEnabled(status.is_connected and self.save_button.isEnabled())
        self.disconnect_button.setEnabled(status.is_connected and self.save_button.isEnabled())
        self.status.setText(describe_status(status))
        assert self.snapshot is not None
        assert self.snapshot.sub_account is not None
        if data.feed_token:
            self.feed_url.setText(data.base_url + ics_feed.feed_path(data.feed_token))
        else:
            self.feed_url.setText("Only people who manage calendars see the feed address.")
        self.booking_url.setText(
            data.base_url + booking_path(self.snapshot.sub_account.id, self.slug)
        )

    # -- actions --------------------------------------------------------------------------
    def _settings(self) -> tuple[str, str, str]:
        return self.url.text().strip(), self.username.text().strip(), self.password.text()

    def _show_problem(self, error: Exception) -> None:
        self.status.setText(describe_error(error))

    def test_connection(self) -> None:
        url, user, password = self._settings()
        self.status.setText("Testing…")
        ReadOp(
            self.ctx.ops, self, lambda: connection.test_connection(connect, url, user, password),
            key="test",
        ).success(self._tested).failure(self._show_problem).run()  # fmt: skip

    def _tested(self, info: ConnectionInfo) -> None:
        self.status.setText(
            f"Connected to “{info.display_name}” ({info.event_count} events)."
            " Save to start syncing."
        )

    def save(self) -> None:
        uows, actor, sub, cal = self._args()
        url, user, password = self._settings()
        secrets = self.ctx.runtime.secrets
        WriteOp(
            self.ctx.ops, self,
            lambda: connection.configure(uows, secrets, actor, sub, cal, url=url,
                                         username=user, password=password or None),
        ).success(lambda _r: self._saved()).failure(self._show_problem).run()  # fmt: skip

    def _saved(self) -> None:
        self.password.clear()
        self.changed.emit()
        self.sync_now()

    def sync_now(self) -> None:
        uows, actor, sub, cal = self._args()
        secrets = self.ctx.runtime.secrets
        self.status.setText("Syncing…")
        WriteOp(
            self.ctx.ops, self,
            lambda: sync_calendar(uows, secrets, connect, actor, sub, cal),
        ).success(self._synced).failure(self._show_problem).run()  # fmt: skip

    def _synced(self, _report: SyncReport) -> None:
        self.changed.emit()
        self.reload()

    def disconnect_calendar(self) -> None:
        uows, actor, sub, cal = self._args()
        secrets = self.ctx.runtime.secrets
        WriteOp(
            self.ctx.ops, self,
            lambda: connection.disconnect(uows, secrets, actor, sub, cal),
        ).success(lambda _r: self._disconnected()).failure(self._show_problem).run()  # fmt: skip

    def _disconnected(self) -> None:
        self.url.clear()
        self.username.clear()
        self.changed.emit()
        self.reload()

    def rotate(self) -> None:
        uows, actor, sub, cal = self._args()
        WriteOp(
            self.ctx.ops, self,
            lambda: ics_feed.rotate_feed_token(uows, actor, sub, cal),
        ).success(lambda _t: self.reload()).run()  # fmt: skip

    def _copy_feed(self) -> None:
        if self.data is not None and self.data.feed_token:
            _copy(self.feed_url.text())


def describe_status(status: SyncStatusView) -> str:
    if not status.is_connected:
        return "Not connected. Bookings still show in the ICS feed below."
    when = f"{status.last_synced_at:%Y-%m-%d %H:%M} UTC" if status.last_synced_at else "never"
    lines = [
        f"Status: {status.status} - last synced {when}",
        f"{status.external_events} busy times read, {status.pushed} appointments pushed",
    ]
    if status.last_error:
        lines.append(f"Last error: {status.last_error}")
    lines += [f"Conflict: {c}" for c in status.conflicts[:3]]
    return "\n".join(lines)
