"""Reports the core embedded services - the database and the event bus - to the status
registry, and starts the funnel server (which reports itself). Later services (the scheduler)
report the same way where they start."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.funnel_server_host import FunnelServerHost
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.service_status import ServiceLevel, describe_database

DATABASE = "database"
EVENT_BUS = "event_bus"
# The funnel server starts a moment after the window: importing Starlette and uvicorn on a
# worker thread must not compete with the first paint.
FUNNEL_SERVER_DELAY_MS = 1500


def watch_core_services(ctx: UiContext) -> None:
    runtime = ctx.runtime
    text, detail = describe_database(runtime.database)
    if runtime.migration_backup:
        detail += f"\nBackup taken before the last migration: {runtime.migration_backup}"
    ctx.status.report(DATABASE, "Database", ServiceLevel.OK, text, detail)
    subscribers = runtime.bus.subscriber_names
    bus_detail = "Durable subscribers: " + (", ".join(subscribers) if subscribers else "none")
    ctx.status.report(EVENT_BUS, "Events", ServiceLevel.OK, "running", bus_detail)

    def on_change(change: Change) -> None:
        if change.event_name is not None:
            when = runtime.clock.now().astimezone().strftime("%H:%M:%S")
            ctx.status.report(
                EVENT_BUS, "Events", ServiceLevel.OK,
                f"running · last {change.event_name} at {when}", bus_detail,
            )  # fmt: skip

    ctx.bridge.data_changed.connect(on_change)


def start_funnel_server(ctx: UiContext, delay_ms: int = FUNNEL_SERVER_DELAY_MS) -> FunnelServerHost:
    """The funnel server in a background thread; ``ctx.funnel_server`` controls it."""
    host = FunnelServerHost(ctx)
    ctx.funnel_server = host
    QTimer.singleShot(delay_ms, host.start)
    return host
