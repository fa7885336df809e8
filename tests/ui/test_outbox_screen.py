"""The Outbox screen: queue, failures, dead letters, the sandbox mailbox and the scheduler jobs;
retry and cancel; and the app's scheduler host reporting to the status bar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import delete

from ghl_desktop.models.outbox import OutboxMessage, OutboxStatus
from ghl_desktop.scheduler.host import SchedulerHost
from ghl_desktop.scheduler.jobs import JobSpec, default_jobs
from ghl_desktop.services.outbox import OutboundMessage, SendReceipt, TransientSendError, enqueue
from ghl_desktop.services.outbox.dispatcher import Dispatcher
from ghl_desktop.services.scheduler_state import JobRunView
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.scheduler_host import SCHEDULER, SchedulerHostUi
from ghl_desktop.ui.screens.outbox.message_tab import MessageTab
from ghl_desktop.ui.screens.outbox.models import (
    ERROR,
    JOB,
    JOB_TITLES,
    NEXT_RUN,
    NOT_SCHEDULED,
    JobTableModel,
)
from ghl_desktop.ui.screens.outbox.outbox_screen import OutboxScreen
from ghl_desktop.ui.service_status import ServiceLevel
from tests.ui.conftest import OpenWindow, click, wait_idle


def _queue(win: OpenWindow, key: str, channel: str, payload: dict[str, Any]) -> str:
    snapshot = win.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    with win.ctx.uows.tenant(snapshot.actor, snapshot.sub_account.id) as uow:
        row_id = enqueue(uow, channel=channel, payload=payload, idempotency_key=key)
        uow.commit()
    return row_id


class Flaky:
    name = "flaky"

    def send(self, message: OutboundMessage) -> SendReceipt:
        raise TransientSendError("connection reset by the SMS gateway")


def _empty_outbox(win: OpenWindow) -> None:
    """The demo may have queued messages of its own: start from an empty outbox."""
    with win.ctx.uows.system() as uow:
        uow.session.execute(delete(OutboxMessage))
        uow.commit()


def _open(qtbot: QtBot, win: OpenWindow) -> OutboxScreen:
    screen = win.window.open_screen("outbox")
    assert isinstance(screen, OutboxScreen)
    screen.request_refresh()
    wait_idle(qtbot, win.ctx)
    return screen


def test_tabs_show_each_kind_and_retry_cancel_work(qtbot: QtBot, owner_window: OpenWindow) -> None:
    win, rt = owner_window, owner_window.ctx.runtime
    _empty_outbox(win)
    welcome = {"to": "ann@example.com", "subject": "Welcome aboard", "body": "Hi Ann,\nthanks!"}
    sent = _queue(win, "welcome", "email", welcome)
    dead = _queue(win, "no-to", "email", {"subject": "Broken", "body": "x"})
    Dispatcher(rt.uows, rt.providers, rt.clock).dispatch_due()
    rt.providers.register("sms", lambda _sub: Flaky())
    retrying = _queue(win, "sms", "sms", {"to": "+15550100", "body": "Your code is 1234"})
    Dispatcher(rt.uows, rt.providers, rt.clock).dispatch_due()
    waiting = _queue(win, "later", "email", {"to": "bob@example.com", "subject": "Later",
                     "body": "b"})  # fmt: skip
    # Not due for a day: the dispatcher leaves it queued.
    with rt.uows.system() as uow:
        uow.session.get_one(OutboxMessage, waiting).next_attempt_at = rt.clock.now() + timedelta(
            days=1
        )
        uow.commit()

    screen = _open(qtbot, win)
    tabs = screen.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "Queue (1)", "Failed (1)", "Dead letters (1)", "Sandbox", "Jobs"]  # fmt: skip
    assert [i.id for i in screen.queue_tab.model.items()] == [waiting]
    assert [i.id for i in screen.failed_tab.model.items()] == [retrying]
    assert [i.id for i in screen.dead_tab.model.items()] == [dead]
    [mail] = screen.sandbox_tab.model.items()
    assert mail.id == sent
    tabs.setCurrentWidget(screen.sandbox_tab)
    detail = screen.sandbox_tab.detail.toPlainText()
    assert "To: ann@example.com" in detail
    assert "Subject: Welcome aboard" in detail
    assert detail.endswith("Hi Ann,\nthanks!")
    assert not screen.sandbox_tab.retry_button.isVisible()
    assert screen.summary.text() == "1 waiting · 1 retrying · 1 dead letters · 1 sent"

    failed_text = screen.failed_tab.model.display(screen.failed_tab.model.item(0), 7)
    assert failed_text == "connection reset by the SMS gateway"

    tabs.setCurrentWidget(screen.dead_tab)
    assert screen.dead_tab.retry_button.isEnabled()
    click(qtbot, screen.dead_tab.retry_button)
    wait_idle(qtbot, win.ctx)
    qtbot.waitUntil(lambda: not screen.dead_tab.model.items(), timeout=5000)
    assert dead in [i.id for i in screen.queue_tab.model.items()]

    tabs.setCurrentWidget(screen.queue_tab)
    row = screen.queue_tab.model.find_row(lambda i: i.id == waiting)
    screen.queue_tab.table.select_row(row)
    assert screen.queue_tab.cancel_button.isEnabled()
    assert not screen.queue_tab.retry_button.isEnabled()
    click(qtbot, screen.queue_tab.cancel_button)
    wait_idle(qtbot, win.ctx)
    qtbot.waitUntil(lambda: bool(screen.dead_tab.model.items()), timeout=5000)
    [cancelled] = screen.dead_tab.model.items()
    assert (cancelled.id, cancelled.status) == (waiting, OutboxStatus.CANCELLED)


def test_jobs_tab_shows_runs_and_the_holder(qtbot: QtBot, owner_window: OpenWindow) -> None:
    win = owner_window

    def boom(_rt: object) -> None:
        raise RuntimeError("mailbox unreachable")

    host = SchedulerHost(win.ctx.runtime, [JobSpec("test.boom", 60, boom)], holder="desk-1",
                         lease_ttl=timedelta(seconds=60), heartbeat_seconds=10)  # fmt: skip
    host.heartbeat()
    host.run_all_now()
    screen = _open(qtbot, win)
    screen.tabs.setCurrentWidget(screen.jobs_tab)
    [job] = screen.jobs_tab.model.items()
    assert job.job_id == "test.boom"
    assert job.last_error == "RuntimeError: mailbox unreachable"
    assert screen.jobs_tab.model.display(job, 4) == "1 (1 failed)"
    assert "Another process runs the jobs: desk-1" in screen.jobs_tab.lease.text()
    assert screen.jobs_tab.model.display(job, NEXT_RUN) not in ("", NOT_SCHEDULED)
    host.stop()
    screen.request_refresh()
    wait_idle(qtbot, win.ctx)
    assert "No scheduler is running" in screen.jobs_tab.lease.text()
    # Without a scheduler the stored next runs will not happen: the tab does not promise them.
    [job] = screen.jobs_tab.model.items()
    assert screen.jobs_tab.model.display(job, NEXT_RUN) == NOT_SCHEDULED


def test_jobs_are_named_by_what_they_do(qtbot: QtBot) -> None:
    model = JobTableModel()
    run = JobRunView("workflows.tick", None, None, None, None, None, 0, 0)
    assert model.display(run, JOB) == "Workflow steps"
    assert model.tooltip(run, JOB) == "workflows.tick"
    assert set(JOB_TITLES) == {spec.id for spec in default_jobs()}


def test_the_app_runs_the_scheduler_and_reports_it(qtbot: QtBot, plain_ctx: UiContext) -> None:
    host = SchedulerHostUi(plain_ctx)
    plain_ctx.scheduler = host
    host.start()

    def state_text() -> str | None:
        state = plain_ctx.status.state(SCHEDULER)
        return state.text if state is not None else None

    qtbot.waitUntil(lambda: state_text() == "running jobs", timeout=10_000)
    state = plain_ctx.status.state(SCHEDULER)
    assert state is not None
    assert state.level is ServiceLevel.OK
    assert host.holder is not None
    assert host.holder in state.detail
    # A second app on the same database stands by.
    other = SchedulerHost(plain_ctx.runtime, [], holder="other", lease_ttl=timedelta(seconds=60),
                          heartbeat_seconds=10)  # fmt: skip
    assert other.heartbeat() is False
    host.stop()
    qtbot.waitUntil(lambda: state_text() == "stopped", timeout=10_000)
    assert other.heartbeat() is True  # the lease was handed back on stop
    other.stop()


def test_the_last_error_gets_room_to_be_read(qtbot: QtBot) -> None:
    tab = MessageTab("empty")
    qtbot.addWidget(tab)
    tab.resize(1200, 500)
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.table.columnWidth(ERROR) >= 200
