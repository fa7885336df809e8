"""The inbox's presence outside its screen: the unread count beside "Conversations" in the
navigation, and a desktop notification when a message comes in.

Counts are re-read (one grouped query, off the Qt thread) a moment after inbox changes, so a
burst of a hundred inbound messages costs one read, not a hundred.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from ghl_desktop.services.inbox import queries
from ghl_desktop.services.inbox.queries import ConversationFilter, ConversationPage, View
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

DEBOUNCE_MS = 300
TOPICS = ("message", "conversation")


class InboxBadge(QObject):
    def __init__(self, ctx: UiContext, workspace: Workspace, setter: Callable[[int], None]) -> None:
        super().__init__(workspace)
        self.ctx, self.workspace, self.setter = ctx, workspace, setter
        self.count = 0
        self.notifications: list[tuple[str, str]] = []  # (title, text) shown, newest last
        self.tray: QSystemTrayIcon | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.update_count)
        workspace.changed.connect(lambda _s: self.update_count())
        ctx.bridge.data_changed.connect(self._changed)
        if workspace.snapshot is not None:
            self.update_count()

    def _sub_account(self) -> tuple[WorkspaceSnapshot, str] | None:
        snapshot = self.workspace.snapshot
        if (
            snapshot is None
            or snapshot.sub_account is None
            or not snapshot.can("conversations.read")
        ):
            return None
        return snapshot, snapshot.sub_account.id

    def _changed(self, change: Change) -> None:
        where = self._sub_account()
        if where is None or (change.sub_account_id not in (None, where[1])):
            return
        if change.concerns(*TOPICS):
            self._timer.start()
        if change.event_name == "message.received":
            self._notify_newest(*where)

    def update_count(self) -> None:
        where = self._sub_account()
        if where is None:
            self._show(0)
            return
        snapshot, sub = where
        uows, actor = self.ctx.uows, snapshot.actor
        ReadOp(self.ctx.ops, self._anchor(), lambda: queries.unread_counts(uows, actor, sub),
               key="inbox-badge").success(lambda c: self._show(c.conversations)).run()  # fmt: skip

    def _show(self, count: int) -> None:
        self.count = count
        self.setter(count)

    def _anchor(self) -> QObject:
        return self.workspace

    def _notify_newest(self, snapshot: WorkspaceSnapshot, sub: str) -> None:
        uows, actor = self.ctx.uows, snapshot.actor
        flt = ConversationFilter(view=View.UNREAD)
        ReadOp(self.ctx.ops, self._anchor(),
               lambda: queries.list_conversations(uows, actor, sub, flt, limit=1),
               key="inbox-notify").success(self._notify).run()  # fmt: skip

    def _notify(self, page: ConversationPage) -> None:
        if not page.rows:
            return
        row = page.rows[0]
        title, text = f"New message from {row.contact_name}", row.preview[:140]
        self.notifications.append((title, text))
        del self.notifications[:-20]
        tray = self._tray()
        if tray is not None:
            tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def _tray(self) -> QSystemTrayIcon | None:
        """The tray icon that carries notifications, where the desktop has a tray."""
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            app = QApplication.instance()
            icon = app.windowIcon() if isinstance(app, QApplication) else None
            if icon is None or icon.isNull():
                style = QApplication.style()
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("GHL Desktop")
            self.tray.show()
        return self.tray
