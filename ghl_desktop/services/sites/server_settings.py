"""Settings of the funnel server, kept in ``app_settings`` under ``funnel_server``.

* ``host`` / ``port`` - where it listens (127.0.0.1:8787 by default: only this machine can
  reach it until the owner publishes it through a reverse proxy or tunnel);
* ``public_base_url`` - the address visitors use (``https://pages.example.com``), for links
  shown in the app; empty means ``http://host:port``;
* ``trusted_proxies`` - addresses or networks whose ``X-Forwarded-For/-Proto/-Host`` headers
  are believed; anyone else's are ignored;
* ``min_fill_seconds`` - posts sooner than this after the form was shown are dropped silently;
* ``submissions_per_minute`` - per visitor address, for form and survey posts (then 429);
* ``max_body_bytes`` - larger request bodies are refused with 413;
* ``access_log`` - one line per request.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services import settings as app_settings
from ghl_desktop.services.uow import UnitOfWorkFactory

SETTING_KEY = "funnel_server"
DEFAULT_PORT = 8787
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    public_base_url: str = ""
    trusted_proxies: tuple[str, ...] = ()
    min_fill_seconds: float = 3.0
    submissions_per_minute: int = 10
    max_body_bytes: int = 128 * 1024
    access_log: bool = True

    def base_url(self, port: int | None = None) -> str:
        """Where visitors reach the server (``port``: the one actually bound, for port 0)."""
        if self.public_base_url:
            return self.public_base_url
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port if port is not None else self.port}"

    def with_changes(self, **changes: Any) -> ServerSettings:
        return validate(asdict(replace(self)) | changes)


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(field, f"must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ValidationError(field, f"must be between {low} and {high}")
    return number


def _host(value: Any) -> str:
    text = str(value or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if not _HOST.match(text):
        raise ValidationError("host", f"{value!r} is not an IP address or host name")
    return text.lower()


def _public_url(value: Any) -> str:
    text = str(value or "").strip().rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValidationError(
            "public_base_url", f"{value!r} must be like https://pages.example.com"
        )
    return text


def _proxies(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    networks = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValidationError(
                "trusted_proxies", f"{text!r} is not an address or network like 10.0.0.0/8"
            ) from None
    return tuple(dict.fromkeys(networks))


def validate(raw: Mapping[str, Any]) -> ServerSettings:
    unknown = set(raw) - set(ServerSettings.__dataclass_fields__)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a funnel server setting")
    defaults = ServerSettings()
    seconds = raw.get("min_fill_seconds", defaults.min_fill_seconds)
    try:
        fill = float(seconds)
    except (TypeError, ValueError):
        raise ValidationError("min_fill_seconds", f"must be a number, got {seconds!r}") from None
    if not 0 <= fill <= 600:
        raise ValidationError("min_fill_seconds", "must be between 0 and 600")
    return ServerSettings(
        host=_host(raw.get("host", defaults.host)),
        port=_int(raw.get("port", defaults.port), "port", 0, 65535),
        public_base_url=_public_url(raw.get("public_base_url", "")),
        trusted_proxies=_proxies(raw.get("trusted_proxies", ())),
        min_fill_seconds=fill,
        submissions_per_minute=_int(
            raw.get("submissions_per_minute", defaults.submissions_per_minute),
            "submissions_per_minute",
            1,
            1_000_000,
        ),
        max_body_bytes=_int(
            raw.get("max_body_bytes", defaults.max_body_bytes), "max_body_bytes", 1024, 10**8
        ),
        access_log=bool(raw.get("access_log", defaults.access_log)),
    )


def load(uows: UnitOfWorkFactory) -> ServerSettings:
    stored = app_settings.get(uows, SETTING_KEY, {}) or {}
    return validate(stored)


def save(uows: UnitOfWorkFactory, new: ServerSettings) -> ServerSettings:
    checked = validate(asdict(new))
    stored = asdict(checked)
    stored["trusted_proxies"] = list(checked.trusted_proxies)
    app_settings.put(uows, SETTING_KEY, stored)
    return checked
