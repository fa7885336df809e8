"""Outbound webhooks: an HTTP POST signed per the Standard Webhooks scheme, to public hosts only.

Signing (https://www.standardwebhooks.com): ``webhook-id`` (the outbox row id, the same on every
retry so receivers can deduplicate), ``webhook-timestamp`` (unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the base64
secret after its ``whsec_`` prefix.

Targets are checked after DNS resolution: private, loopback, link-local, multicast, reserved and
unspecified addresses are refused (a workflow must not reach the LAN, the router or a cloud
metadata endpoint), and the request is sent to the address that was checked (the Host header and
TLS SNI keep the name), so a second lookup cannot swap in an internal address. Redirects are not
followed for the same reason.

Payload: ``url`` (required), ``data`` (any JSON, sent as the body) or ``body`` (a string),
``secret_ref`` (the secret store entry holding the ``whsec_`` secret; unsigned without it),
``headers`` (extra headers; ``content-type`` defaults to JSON), ``event_type`` or ``event`` (sent
as ``webhook-event-type``), ``method`` (POST, PUT or PATCH; POST by default).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ghl_desktop.core.clock import Clock, SystemClock
from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.services.outbox import (
    OutboundMessage,
    PermanentSendError,
    SendReceipt,
    TransientSendError,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_KEPT = 500
# Headers a caller may not set: they carry the signature, routing or framing.
_RESERVED_HEADERS = {
    "host", "content-length", "webhook-id", "webhook-timestamp", "webhook-signature",
    "transfer-encoding", "connection",
}  # fmt: skip
METHODS = ("POST", "PUT", "PATCH")

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"secret: must start with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        raise ValueError("secret: is not valid base64 after whsec_") from None
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransientSendError(f"url: cannot resolve {host} ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def refusal(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``address`` may not receive a webhook, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    checks = (
        ("unspecified", address.is_unspecified), ("link-local", address.is_link_local),
        ("multicast", address.is_multicast), ("reserved", address.is_reserved),
        ("private", address.is_private), ("not globally routable", not address.is_global),
    )  # fmt: skip
    return next((name for name, hit in checks if hit), None)


class WebhookProvider:
    name = "webhook"

    def __init__(
        self,
        secret_store: SecretStore,
        *,
        clock: Clock | None = None,
        resolver: Resolver = system_resolver,
        allow_loopback_for_tests: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._secrets = secret_store
        self._clock = clock or SystemClock()
        self._resolve = resolver
        # Tests post to a server on 127.0.0.1; production never sets this.
        self._allow_loopback = allow_loopback_for_tests
        self._transport = transport

    def send(self, message: OutboundMessage) -> SendReceipt:
        payload = message.payload
        url, host, port = _parse_url(payload.get("url"))
        address = self._checked_address(host, port)
        body = _body(payload)
        timestamp = int(self._clock.now().timestamp())
        method = str(payload.get("method") or "POST").upper()
        if method not in METHODS:
            raise PermanentSendError(f"method: must be one of {', '.join(METHODS)}")
        headers = {"content-type": "application/json"}
        headers.update(_extra_headers(payload.get("headers")))
        headers.update({
            "webhook-id": message.id, "webhook-timestamp": str(timestamp),
            "host": _host_header(url),
        })  # fmt: skip
        event_type = payload.get("event_type") or payload.get("event")
        if event_type:
            headers["webhook-event-type"] = str(event_type)
        secret_ref = payload.get("secret_ref")
        if secret_ref:
            secret = self._secrets.get(str(secret_ref))
            if not secret:
                raise PermanentSendError(f"secret_ref: no secret is stored as {secret_ref!r}")
            try:
                headers["webhook-signature"] = sign(secret, message.id, timestamp, body)
            except ValueError as exc:
                raise PermanentSendError(str(exc)) from None
        pinned = _with_address(url, address)
        extensions = {"sni_hostname": host} if urlsplit(url).scheme == "https" else {}
        try:
            with httpx.Client(
                timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=self._transport
            ) as client:
                response = client.request(
                    method, pinned, content=body, headers=headers, extensions=extensions
                )
        except httpx.TimeoutException as exc:
            raise TransientSendError(f"timed out posting to {host}: {exc}") from None
        except httpx.TransportError as exc:
            raise TransientSendError(f"could not reach {host}: {exc}") from None
        return _receipt(message, response, url)

    def _checked_address(self, host: str, port: int) -> str:
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = [ipaddress.ip_address(a) for a in self._resolve(host, port)]
        if not addresses:
            raise TransientSendError(f"url: {host} has no address")
        for address in addresses:
            why = refusal(address, allow_loopback=self._allow_loopback)
            if why is not None:
                raise PermanentSendError(f"url: {host} resolves to a {why} address ({address})")
        return str(addresses[0])


def _parse_url(value: Any) -> tuple[str, str, int]:
    if not isinstance(value, str) or not value.strip():
        raise PermanentSendError("url: is required")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise PermanentSendError("url: must be an http or https URL")
    if not parts.hostname:
        raise PermanentSendError("url: has no host")
    if parts.username or parts.password:
        raise PermanentSendError("url: must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PermanentSendError("url: has an invalid port") from None
    return value.strip(), parts.hostname, port


def _body(payload: dict[str, Any]) -> bytes:
    if "data" in payload:
        return json.dumps(payload["data"], separators=(",", ":"), ensure_ascii=False).encode()
    body = payload.get("body", "")
    if not isinstance(body, str):
        raise PermanentSendError("body: must be a string (use data for JSON)")
    return body.encode()


def _extra_headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PermanentSendError("headers: must be an object of header names and values")
    out = {}
    for name, val in value.items():
        key = str(name).strip().lower()
        if key in _RESERVED_HEADERS or not key or any(c in key for c in "\r\n:"):
            raise PermanentSendError(f"headers: {name!r} cannot be set")
        text = str(val)
        if "\r" in text or "\n" in text:
            raise PermanentSendError(f"headers: the value of {name!r} has a line break")
        out[key] = text
    return out


def _host_header(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1]


def _with_address(url: str, address: str) -> str:
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _receipt(message: OutboundMessage, response: httpx.Response, url: str) -> SendReceipt:
    status = response.status_code
    snippet = response.text[:MAX_RESPONSE_KEPT]
    if 200 <= status < 300:
        return SendReceipt(
            provider_message_id=message.id,
            detail={"to": url, "status_code": status, "response": snippet},
        )
    problem = f"{url} answered HTTP {status}"
    if status in (408, 425, 429) or status >= 500:
        raise TransientSendError(problem)
    if 300 <= status < 400:
        raise PermanentSendError(f"{problem} (redirects are not followed)")
    raise PermanentSendError(problem)
