"""The outbound webhook provider against a real HTTP server on 127.0.0.1: Standard Webhooks
signatures, status handling, and refusal of private, loopback and other internal targets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.providers.webhook import WebhookProvider, new_secret, sign
from ghl_desktop.services.outbox import (
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Receiver:
    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    answer: int = 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def _receive(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            headers = {k.lower(): v for k, v in self.headers.items()}
            box.requests.append((self.command, headers, self.rfile.read(length)))
            self.send_response(box.answer)
            if box.answer in (301, 302):
                self.send_header("location", "http://10.0.0.1/")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self) -> None:
            self._receive()

        def do_PUT(self) -> None:
            self._receive()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/crm?x=1"
    yield box
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def store(tmp_path: Path) -> EncryptedFileSecretStore:
    return EncryptedFileSecretStore(tmp_path / "secrets.enc")


def _message(payload: dict[str, Any], msg_id: str = "01J0WEBHOOK") -> OutboundMessage:
    return OutboundMessage(
        id=msg_id, sub_account_id="sub", channel="webhook", payload=payload,
        idempotency_key="k", attempt=1,
    )  # fmt: skip


def _provider(store: EncryptedFileSecretStore, **kw: Any) -> WebhookProvider:
    return WebhookProvider(store, clock=FixedClock(NOW), **kw)


def test_signed_post_verifies(receiver: Receiver, store: EncryptedFileSecretStore) -> None:
    secret = new_secret()
    store.set("webhook:crm", secret)
    data = {"event": "contact.created", "contact": {"id": "c1", "name": "Zoë"}}
    provider = _provider(store, allow_loopback_for_tests=True)
    receipt = provider.send(
        _message(
            {
                "url": receiver.url,
                "data": data,
                "secret_ref": "webhook:crm",
                "event_type": "contact.created",
                "headers": {"X-Source": "ghl"},
            }
        )
    )
    assert receipt.provider_message_id == "01J0WEBHOOK"
    assert receipt.detail["status_code"] == 204
    [(method, headers, body)] = receiver.requests
    assert method == "POST"
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == data
    assert headers["webhook-id"] == "01J0WEBHOOK"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["webhook-event-type"] == "contact.created"
    assert headers["x-source"] == "ghl"
    assert headers["host"] == receiver.url.split("/")[2]
    # Verify independently of sign(), exactly as the Standard Webhooks spec describes it.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    version, signature = headers["webhook-signature"].split(",", 1)
    assert version == "v1"
    assert hmac.compare_digest(signature, expected)


def test_sign_matches_the_specification_example() -> None:
    # The example from the Standard Webhooks specification / reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_unsigned_without_a_secret(receiver: Receiver, store: EncryptedFileSecretStore) -> None:
    # The shape the workflow "outbound webhook" step queues: its own method, headers and body.
    _provider(store, allow_loopback_for_tests=True).send(
        _message(
            {
                "url": receiver.url,
                "body": "plain",
                "method": "put",
                "event": "workflow.x",
                "headers": {"Content-Type": "text/plain"},
            }
        )
    )
    [(method, headers, body)] = receiver.requests
    assert (method, body) == ("PUT", b"plain")
    assert headers["content-type"] == "text/plain"
    assert headers["webhook-event-type"] == "workflow.x"
    assert "webhook-signature" not in headers
    with pytest.raises(PermanentSendError, match="method: must be one of POST, PUT, PATCH"):
        _provider(store, allow_loopback_for_tests=True).send(
            _message({"url": receiver.url, "method": "GET"})
        )


@pytest.mark.parametrize(
    ("answer", "error"),
    [(500, TransientSendError), (429, TransientSendError), (404, PermanentSendError),
     (302, PermanentSendError)],
)  # fmt: skip
def test_status_codes(
    receiver: Receiver, store: EncryptedFileSecretStore, answer: int, error: type[Exception]
) -> None:
    receiver.answer = answer
    with pytest.raises(error, match=f"HTTP {answer}"):
        _provider(store, allow_loopback_for_tests=True).send(_message({"url": receiver.url}))


def test_loopback_is_refused_by_default(
    receiver: Receiver, store: EncryptedFileSecretStore
) -> None:
    with pytest.raises(PermanentSendError, match="loopback"):
        _provider(store).send(_message({"url": receiver.url}))
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.1.2.3/h", "private"),
        ("http://192.168.1.1/h", "private"),
        ("http://172.16.0.9/h", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/h", "link-local"),
        ("http://[::1]/h", "loopback"),
        ("http://[::ffff:127.0.0.1]/h", "loopback"),
        ("http://224.0.0.1/h", "multicast"),
        ("http://240.0.0.1/h", "reserved"),
        ("http://0.0.0.0/h", "unspecified"),
        ("http://100.64.0.1/h", "not globally routable"),
    ],
)
def test_internal_targets_are_refused(store: EncryptedFileSecretStore, url: str, why: str) -> None:
    with pytest.raises(PermanentSendError, match=why):
        _provider(store).send(_message({"url": url}))


def test_names_are_checked_after_dns_resolution(store: EncryptedFileSecretStore) -> None:
    def resolver(host: str, port: int) -> list[str]:
        assert (host, port) == ("hooks.example.com", 443)
        return ["93.184.216.34", "10.0.0.7"]  # one public, one internal: refused

    with pytest.raises(PermanentSendError, match=r"hooks.example.com resolves to a private"):
        _provider(store, resolver=resolver).send(_message({"url": "https://hooks.example.com/x"}))
    with pytest.raises(PermanentSendError, match="loopback"):
        _provider(store).send(_message({"url": "http://localhost:9/x"}))


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({}, "url: is required"),
        ({"url": "ftp://example.com/x"}, "url: must be an http or https URL"),
        ({"url": "http://user:pw@example.com/"}, "url: must not carry credentials"),
        ({"url": "http://93.184.216.34/", "secret_ref": "missing"}, "secret_ref: no secret"),
        ({"url": "http://93.184.216.34/", "headers": {"webhook-id": "x"}}, "headers:"),
        ({"url": "http://93.184.216.34/", "headers": {"x-a": "1\r\nx-b: 2"}}, "line break"),
    ],
)
def test_bad_payloads_name_the_field(
    store: EncryptedFileSecretStore, payload: dict[str, Any], problem: str
) -> None:
    with pytest.raises(PermanentSendError, match=problem):
        _provider(store).send(_message(payload))


def test_unreachable_is_transient(store: EncryptedFileSecretStore) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connection refused
        with pytest.raises(TransientSendError, match="could not reach"):
            _provider(store, allow_loopback_for_tests=True).send(
                _message({"url": f"http://127.0.0.1:{port}/"})
            )
