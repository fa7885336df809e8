"""The Jinja environment of our own page templates (autoescape on) and the helpers they use."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ghl_desktop.services.sites.richtext import sanitise
from ghl_desktop.services.sites.templating import fill_custom_values

HONEYPOT = "contact-website"  # never a field key (keys are snake_case)
INPUT_TYPES = {"text": "text", "email": "email", "phone": "tel", "date": "date", "number": "number"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
ASSETS = ("site.css", "site.js")


def _folder(name: str) -> Any:
    return resources.files("ghl_desktop.services.sites.rendering").joinpath(name)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_folder("templates"))),
        autoescape=True,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals.update(honeypot=HONEYPOT, input_types=INPUT_TYPES)
    return env


@cache
def asset(name: str) -> bytes:
    """A static file pages link to (``/_assets/<name>``)."""
    if name not in ASSETS:
        raise KeyError(name)
    return bytes(_folder("assets").joinpath(name).read_bytes())


@cache
def asset_version() -> str:
    digest = hashlib.sha256(b"".join(asset(name) for name in ASSETS))
    return digest.hexdigest()[:10]


def video_embed(url: str) -> str | None:
    """The player address of a YouTube or Vimeo link; None for a plain video file."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host in ("youtube.com", "youtube-nocookie.com"):
        if parts.path.startswith(("/embed/", "/shorts/")):
            video_id = parts.path.split("/")[2]
        else:
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
    elif host == "youtu.be":
        video_id = parts.path.strip("/")
    if _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host == "vimeo.com" and parts.path.strip("/").isdigit():
        return f"https://player.vimeo.com/video/{parts.path.strip('/')}"
    return None


def countdown_text(ends_at: str, expired_text: str, now: datetime | None = None) -> str:
    """What a countdown shows without JavaScript (the script then counts every second)."""
    try:
        end = datetime.fromisoformat(ends_at)
    except ValueError:
        return expired_text
    if now is not None and end <= now:
        return expired_text
    return "Ends " + end.strftime("%d %b %Y, %H:%M UTC")


def fill_escaped(text: str, values: dict[str, str]) -> str:
    """``{{custom_values.key}}`` in rich text: the value goes in escaped."""
    if "{{" not in text:
        return text
    return fill_custom_values(text, {k: html.escape(str(v)) for k, v in values.items()})


def rich(content: str, values: dict[str, str]) -> Markup:
    return Markup(sanitise(fill_escaped(content, values)))  # noqa: S704 (sanitised just now)
