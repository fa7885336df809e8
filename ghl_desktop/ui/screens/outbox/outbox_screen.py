"""Outbox: what is waiting to be sent, what failed, dead letters, what the sandbox providers
kept instead of sending, and the scheduler jobs that send it all."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout

from ghl_desktop.models.outbox import OutboxStatus
from ghl_desktop.services.outbox import admin
from ghl_desktop.services.outbox.admin import OutboxItem
from ghl_desktop.services.scheduler_state import SchedulerStatus, scheduler_status
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.outbox.jobs_tab import JobsTab
from ghl_desktop.ui.screens.outbox.message_tab import MessageTab
from ghl_desktop.ui.workspace import Workspace

# Sending happens in the background: while shown, the screen reloads this often.
REFRESH_MS = 5000
PAGE = 200

QUEUE = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
FAILED = (OutboxStatus.FAILED,)
DEAD = (OutboxStatus.DEAD, OutboxStatus.CANCELLED)


@dataclass(frozen=True)
class OutboxView:
    queue: list[OutboxItem]
    failed: list[OutboxItem]
    dead: list[OutboxItem]
    sandbox: list[OutboxItem]
    counts: dict[OutboxStatus, int]
    scheduler: SchedulerStatus


class OutboxScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("OutboxScreen")
        heading = QLabel("Outbox")
        heading.setProperty("role", "heading")
        self.summary = QLabel()
        self.summary.setObjectName("OutboxSummary")
        self.summary.setProperty("role", "muted")
        self.queue_tab = MessageTab("Nothing is waiting to be sent.")
        self.failed_tab = MessageTab("No message is waiting for a retry.")
        self.dead_tab = MessageTab("No dead letters: every message was sent or is still queued.")
        self.sandbox_tab = MessageTab(
            "The sandbox is empty. Without a real provider, messages land here instead of "
            "being sent.", actions=False,
        )  # fmt: skip
        self.jobs_tab = JobsTab()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("OutboxTabs")
        for tab, title in (
            (self.queue_tab, "Queue"), (self.failed_tab, "Failed"),
            (self.dead_tab, "Dead letters"), (self.sandbox_tab, "Sandbox"),
            (self.jobs_tab, "Jobs"),
        ):  # fmt: skip
            self.tabs.addTab(tab, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 12)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        for tab in (self.queue_tab, self.failed_tab, self.dead_tab):
            tab.retry_requested.connect(lambda item: self._change(item, retry=True))
            tab.cancel_requested.connect(lambda item: self._change(item, retry=False))
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def concerns(self, change: Change) -> bool:
        current = self.snapshot.sub_account if self.snapshot else None
        same = change.sub_account_id is None or (
            current is not None and change.sub_account_id == current.id
        )
        return same and change.concerns("outbox", "message")

    def _tick(self) -> None:
        if self.isVisible():
            self.request_refresh()

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id

        def load() -> OutboxView:
            def page(statuses: tuple[OutboxStatus, ...]) -> list[OutboxItem]:
                return admin.list_messages(uows, actor, sub_id, statuses=statuses, limit=PAGE)

            return OutboxView(
                queue=page(QUEUE), failed=page(FAILED), dead=page(DEAD),
                sandbox=admin.list_messages(uows, actor, sub_id, sandbox_only=True, limit=PAGE),
                counts=admin.status_counts(uows, actor, sub_id), scheduler=scheduler_status(uows),
            )  # fmt: skip

        ReadOp(self.ctx.ops, self, load, key="outbox").success(self._show).run()

    def _show(self, view: OutboxView) -> None:
        can_manage = self.snapshot is not None and self.snapshot.can("outbox.manage")
        tabs = ((self.queue_tab, view.queue, "Queue", QUEUE),
                (self.failed_tab, view.failed, "Failed", FAILED),
                (self.dead_tab, view.dead, "Dead letters", (OutboxStatus.DEAD,)))  # fmt: skip
        for tab, items, title, statuses in tabs:
            tab.set_items(items, can_manage)
            count = sum(view.counts[s] for s in statuses)
            self.tabs.setTabText(self.tabs.indexOf(tab), f"{title} ({count})" if count else title)
        self.sandbox_tab.set_items(view.sandbox, False)
        host = getattr(self.ctx, "scheduler", None)
        self.jobs_tab.show_status(view.scheduler, getattr(host, "holder", None))
        c = view.counts
        self.summary.setText(
            f"{c[OutboxStatus.QUEUED] + c[OutboxStatus.SENDING]} waiting · "
            f"{c[OutboxStatus.FAILED]} retrying · {c[OutboxStatus.DEAD]} dead letters · "
            f"{c[OutboxStatus.SENT]} sent"
        )

    def _change(self, item: OutboxItem, *, retry: bool) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        uows, actor, sub_id = self.ctx.uows, snapshot.actor, snapshot.sub_account.id
        action = admin.retry if retry else admin.cancel
        WriteOp(self.ctx.ops, self, lambda: action(uows, actor, sub_id, item.id)).changes(
            "outbox", sub_account_id=sub_id
        ).run()
