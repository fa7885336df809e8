"""A real CalDAV peer for the tests: Radicale in a subprocess on 127.0.0.1, a free port, plain
htpasswd users and a throw-away storage folder.

``radicale_server`` (a session-scoped fixture, imported by the tests that need it) starts one
server per test worker; each test makes its own calendar collection in it (``new_calendar``),
so tests never see each other's events.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

USER = "alice"
PASSWORD = "radicale-secret"
START_TIMEOUT = 20.0


@dataclass
class RadicaleServer:
    base_url: str
    username: str
    password: str
    process: subprocess.Popen[bytes]

    def new_calendar(self, name: str = "work") -> str:
        """Create an empty calendar collection for the user and return its URL."""
        url = f"{self.base_url}/{self.username}/{name}-{uuid.uuid4().hex[:8]}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:set><D:prop><D:displayname>Work</D:displayname></D:prop></D:set>"
            "</C:mkcalendar>"
        )
        response = httpx.request(
            "MKCALENDAR", url, content=body, auth=(self.username, self.password), timeout=10
        )
        response.raise_for_status()
        return url

    def new_address_book(self) -> str:
        """A collection that is not a calendar (to test the "not a calendar" error)."""
        url = f"{self.base_url}/{self.username}/contacts-{uuid.uuid4().hex[:8]}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
            "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
            "</D:prop></D:set></D:mkcol>"
        )
        response = httpx.request(
            "MKCOL", url, content=body, auth=(self.username, self.password), timeout=10
        )
        response.raise_for_status()
        return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_radicale(folder: Path) -> RadicaleServer:
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        # No penalty pause after a failed login: the bad-credentials test stays fast.
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = (folder / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)], stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited: {(folder / 'radicale.log').read_text()}")
        try:
            httpx.get(f"{base_url}/.web/", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("radicale did not answer in time") from None
            time.sleep(0.05)
    return RadicaleServer(base_url, USER, PASSWORD, process)


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
