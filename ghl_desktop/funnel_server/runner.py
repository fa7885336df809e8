"""Running the funnel server: in a background thread (the desktop app, tests) or in the
foreground until SIGINT/SIGTERM (``ghl-desktop serve``).

The listening socket is bound here, before uvicorn starts, so a port already in use is
reported at once with the operating system's reason, and port 0 (any free port, for tests)
is known before the first request.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.funnel_server.app import create_app
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.services.sites.signing import load_signing_key
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

ACCESS_LOGGER = "uvicorn.access"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    """uvicorn's server, minus one habit: after a graceful stop on SIGINT/SIGTERM it raises the
    signal again (the process then dies of it). ``serve`` has finished cleanly by then and
    should exit 0, so the signal is only recorded."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class ServerStartError(Exception):
    """The server could not listen (the address is taken, not local, not allowed...)."""


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every response waits for a delayed ACK (40 ms on Linux).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


class FunnelServer:
    def __init__(
        self, uows: UnitOfWorkFactory, clock: Clock, secrets: SecretStore,
        settings: ServerSettings, *, access_log_path: Path | None = None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.state = SiteState.build(uows, clock, settings, load_signing_key(secrets))
        self.app = create_app(self.state)
        self._access_log_path = access_log_path
        self._access_handler: logging.Handler | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        config = uvicorn.Config(
            self.app, host=settings.host, port=settings.port, http="httptools", lifespan="on",
            access_log=settings.access_log, log_config=None, proxy_headers=False,
            server_header=False, timeout_graceful_shutdown=5,
        )  # fmt: skip
        self.server = _Server(config)

    # -- where it listens ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port bound (the one the OS chose when the setting is 0)."""
        return self._port if self._port is not None else self.settings.port

    @property
    def url(self) -> str:
        """The address for this machine (``http://127.0.0.1:8787``)."""
        host = self.settings.host if self.settings.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    @property
    def public_url(self) -> str:
        return self.settings.base_url(self.port)

    @property
    def is_running(self) -> bool:
        return bool(self.server.started) and not self.server.should_exit

    # -- lifecycle ----------------------------------------------------------------------------
    def bind(self) -> socket.socket:
        """Take the address now (idempotent); ``start``/``run`` do it when not done yet."""
        if self._socket is None:
            self._socket = bind_socket(self.settings.host, self.settings.port)
            self._port = int(self._socket.getsockname()[1])
            self._attach_access_log()
        return self._socket

    def start(self, timeout: float = 15) -> str:
        """Start in a background thread; returns once it accepts connections (its URL)."""
        sock = self.bind()

        def run() -> None:
            try:
                self.server.run(sockets=[sock])
            except BaseException as exc:  # SystemExit from uvicorn's startup too
                self._error = exc
                log.exception("the funnel server stopped with an error")

        self._thread = threading.Thread(target=run, name="funnel-server", daemon=True)
        self._thread.start()
        waited = 0.0
        while not self.server.started:
            if not self._thread.is_alive() or waited >= timeout:
                self.stop()
                raise ServerStartError(f"the funnel server did not start: {self._error!r}")
            threading.Event().wait(0.02)
            waited += 0.02
        log.info("funnel server listening on %s", self.url)
        return self.url

    def run(self) -> None:
        """In the foreground until SIGINT/SIGTERM (uvicorn handles them on the main thread)."""
        sock = self.bind()
        try:
            self.server.run(sockets=[sock])
        finally:
            self._cleanup()

    def stop(self, timeout: float = 15) -> None:
        """Stop accepting, finish requests in flight, write what is queued. Safe to repeat."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._access_handler is not None:
            logging.getLogger(ACCESS_LOGGER).removeHandler(self._access_handler)
            self._access_handler.close()
            self._access_handler = None

    def _attach_access_log(self) -> None:
        if self._access_log_path is None or not self.settings.access_log:
            return
        self._access_log_path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            self._access_log_path, maxBytes=10 * 1024 * 1024, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access = logging.getLogger(ACCESS_LOGGER)
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        self._access_handler = handler
