"""The job scheduler inside the desktop app: started a moment after the window, reported in
the status bar (running the jobs, or standing by while ``ghl-desktop serve`` or another app on
the same database runs them), stopped when the app quits - giving the lease back at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ghl_desktop.ui.ops import ReadOp, describe_error
from ghl_desktop.ui.service_status import ServiceLevel

if TYPE_CHECKING:
    from ghl_desktop.scheduler.host import HostReport, SchedulerHost
    from ghl_desktop.ui.context import UiContext

SCHEDULER = "scheduler"
LABEL = "Scheduler"


class SchedulerHostUi(QObject):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.host: SchedulerHost | None = None
        # The one being started on a worker thread: stop() must find it even if the app quits
        # before the start reported back.
        self._starting: SchedulerHost | None = None
        self._stopped = False

    @property
    def holder(self) -> str | None:
        return self.host.holder if self.host is not None else None

    def start(self) -> None:
        if self.host is not None or self._stopped:
            return
        self._ctx.status.report(SCHEDULER, LABEL, ServiceLevel.STARTING, "starting…")
        # APScheduler is imported and started on a worker thread: not on the first paint.
        ReadOp(self._ctx.ops, self, self._start_blocking).success(self._started).failure(
            self._failed
        ).run()

    def _start_blocking(self) -> SchedulerHost:
        from ghl_desktop.scheduler.host import SchedulerHost

        host = SchedulerHost(self._ctx.runtime, on_report=self._report)
        self._starting = host
        host.start()
        if self._stopped:  # stop() ran while this thread was starting it
            host.stop()
        return host

    def _started(self, host: SchedulerHost) -> None:
        self._starting = None
        if self._stopped:  # the app quit while it started
            host.stop()
            return
        self.host = host

    def _failed(self, error: Exception) -> None:
        self._ctx.status.report(
            SCHEDULER, LABEL, ServiceLevel.ERROR, "not running", describe_error(error)
        )

    def _report(self, report: HostReport) -> None:
        """Called on the scheduler's thread; the registry hops to the Qt thread itself."""
        from ghl_desktop.scheduler.host import HostState

        level = {
            HostState.ACTIVE: ServiceLevel.OK,
            HostState.STANDBY: ServiceLevel.OK,
            HostState.STOPPED: ServiceLevel.STOPPED,
        }[report.state]
        text = {
            HostState.ACTIVE: "running jobs",
            HostState.STANDBY: "standing by",
            HostState.STOPPED: "stopped",
        }[report.state]
        detail = f"{report.text}\nThis app: {report.holder}"
        self._ctx.status.report(SCHEDULER, LABEL, level, text, detail)

    def stop(self) -> None:
        """Waits for running jobs (call before the runtime closes)."""
        self._stopped = True
        host, self.host = self.host or self._starting, None
        self._starting = None
        if host is not None:
            host.stop()


def start_scheduler(ctx: UiContext, delay_ms: int = 2500) -> SchedulerHostUi:
    """The scheduler a moment after the window opens; ``ctx.scheduler`` controls it."""
    from PySide6.QtCore import QTimer

    host = SchedulerHostUi(ctx)
    ctx.scheduler = host
    QTimer.singleShot(delay_ms, host.start)
    return host
