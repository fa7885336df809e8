"""What every screen of a running app shares: the runtime, the background-op runner, the
event bridge, the service status registry and the preferences. Built once per app start and
passed down explicitly (no global main window to reach for)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.ops import OpRunner
from ghl_desktop.ui.preferences import Preferences
from ghl_desktop.ui.qt_bridge import QtBridge
from ghl_desktop.ui.service_status import ServiceStatusRegistry

if TYPE_CHECKING:
    from ghl_desktop.ui.funnel_server_host import FunnelServerHost
    from ghl_desktop.ui.scheduler_host import SchedulerHostUi


@dataclass
class UiContext:
    runtime: Runtime
    ops: OpRunner
    bridge: QtBridge
    status: ServiceStatusRegistry
    prefs: Preferences
    funnel_server: FunnelServerHost | None = None  # started by embedded_services
    scheduler: SchedulerHostUi | None = None  # started by scheduler_host.start_scheduler

    @property
    def uows(self) -> UnitOfWorkFactory:
        return self.runtime.uows
