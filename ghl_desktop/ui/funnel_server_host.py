"""The funnel server inside the desktop app: started in the background once the workspace is
open, reported in the status bar (address and state), restarted when its settings change and
stopped when the app quits.

The server module (Starlette, uvicorn) is imported on a worker thread the first time, so the
app's cold start does not pay for it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ghl_desktop.ui.ops import ReadOp, describe_error
from ghl_desktop.ui.service_status import ServiceLevel

if TYPE_CHECKING:
    from ghl_desktop.funnel_server.runner import FunnelServer
    from ghl_desktop.services.sites.server_settings import ServerSettings
    from ghl_desktop.ui.context import UiContext

FUNNEL_SERVER = "funnel_server"
LABEL = "Funnel server"
PREVIEW_MINUTES = 30


class FunnelServerHost(QObject):
    changed = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.server: FunnelServer | None = None
        # The one being started on a worker thread: stop() must find it even if the app quits
        # before the start reported back.
        self._starting_server: FunnelServer | None = None
        self.error: str | None = None
        self.starting = False

    # -- state ------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.server is not None and self.server.is_running

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    @property
    def public_url(self) -> str | None:
        return self.server.public_url if self.server is not None else None

    @property
    def settings(self) -> ServerSettings | None:
        return self.server.settings if self.server is not None else None

    def page_url(self, funnel_slug: str, page_slug: str) -> str | None:
        """Where visitors find a step (on the public address when one is set)."""
        base = self.public_url
        return f"{base}/{funnel_slug}/{page_slug}" if base else None

    def preview_url(self, page_id: str) -> str | None:
        """A signed link to the page's draft, valid for half an hour."""
        if self.server is None:
            return None
        from ghl_desktop.services.sites.signing import issue_preview_token

        expires = self._ctx.runtime.clock.now() + timedelta(minutes=PREVIEW_MINUTES)
        token = issue_preview_token(self.server.state.signer, page_id, expires)
        return f"{self.server.url}/_preview/{page_id}?token={token}"

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        if self.starting or self.server is not None:
            return
        self.starting = True
        self._ctx.status.report(FUNNEL_SERVER, LABEL, ServiceLevel.STARTING, "starting…")
        ReadOp(self._ctx.ops, self, self._start_blocking).success(self._started).failure(
            self._failed
        ).run()

    def restart(self) -> None:
        """Stop (finishing what is in flight) and start with the current settings."""
        server, self.server = self.server, None
        if server is None:
            self.start()
            return
        self.starting = True
        self._ctx.status.report(FUNNEL_SERVER, LABEL, ServiceLevel.STARTING, "restarting…")

        def stop_then_start() -> FunnelServer:
            server.stop()
            return self._start_blocking()

        ReadOp(self._ctx.ops, self, stop_then_start).success(self._started).failure(
            self._failed
        ).run()

    def stop(self) -> None:
        """Blocking: at app exit, after the operations have finished."""
        servers = {id(s): s for s in (self.server, self._starting_server) if s is not None}
        self.server = self._starting_server = None
        for server in servers.values():
            server.stop()
        if servers:
            self._ctx.status.report(FUNNEL_SERVER, LABEL, ServiceLevel.STOPPED, "stopped")

    def _start_blocking(self) -> FunnelServer:
        from ghl_desktop.funnel_server.runner import FunnelServer
        from ghl_desktop.services.sites import server_settings

        runtime = self._ctx.runtime
        settings = server_settings.load(runtime.uows)
        server = FunnelServer(
            runtime.uows, runtime.clock, runtime.secrets, settings,
            access_log_path=runtime.data_dir / "logs" / "funnel-access.log",
        )  # fmt: skip
        self._starting_server = server
        server.start()
        return server

    def _started(self, server: FunnelServer) -> None:
        self.starting = False
        self.server = server
        self.error = None
        detail = (
            f"Visitors: {server.public_url}\nHealth: {server.url}/_health\n"
            f"Access log: {self._ctx.runtime.data_dir / 'logs' / 'funnel-access.log'}"
        )
        self._ctx.status.report(FUNNEL_SERVER, LABEL, ServiceLevel.OK, server.url, detail)
        self.changed.emit()

    def _failed(self, error: Exception) -> None:
        from ghl_desktop.funnel_server.runner import ServerStartError

        self.starting = False
        self.server = self._starting_server = None
        self.error = str(error) if isinstance(error, ServerStartError) else describe_error(error)
        self._ctx.status.report(FUNNEL_SERVER, LABEL, ServiceLevel.ERROR, "not running", self.error)
        self.changed.emit()
