"""Shared pieces of the booking pages: rendering with a CSP nonce, the visitor's time zone,
the slot picker's data, tokens and the rate limit."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from starlette.requests import Request
from starlette.responses import Response

from ghl_desktop.funnel_server.booking_templates import environment
from ghl_desktop.funnel_server.pages import HTML, site, visitor_session
from ghl_desktop.funnel_server.protection import session_cookie
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.calendars.public import DAYS_SHOWN, PublicCalendar
from ghl_desktop.services.calendars.slots import Slot, slots_by_day
from ghl_desktop.services.calendars.tokens import manage_paths

MAX_FIELD = 1000


@cache
def zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc")))


def visitor_zone(raw: str | None, fallback: str) -> tuple[ZoneInfo, bool]:
    """(zone, whether the visitor chose it); unknown names fall back to the calendar's."""
    if raw == "UTC" or (raw and raw in zones()):
        return ZoneInfo(str(raw)), True
    return ZoneInfo(fallback), False


def render(
    request: Request, template: str, status: int = 200,
    session: tuple[str, bool] | None = None, **values: Any,
) -> Response:  # fmt: skip
    """Render with a fresh CSP nonce; ``session`` (id, is new) when a token was bound to it."""
    nonce = secrets.token_urlsafe(12)
    session_id, is_new = session or visitor_session(request)
    body = environment().get_template(template).render(nonce=nonce, **values)
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {"content-security-policy": csp, "cache-control": "private, no-store",
               "x-robots-tag": "noindex"}  # fmt: skip
    if is_new:
        headers["set-cookie"] = session_cookie(session_id, secure=request.url.scheme == "https")
    return Response(body, status, media_type=HTML, headers=headers)


def message_page(request: Request, status: int, title: str, text: str) -> Response:
    calendar = {"name": title}
    return render(request, "done.html", status, calendar=calendar, title=title, text=text,
                  step=0, appointment=None, links=None)  # fmt: skip


def limited(request: Request) -> Response | None:
    """A 429 page when this address posted too often, else None."""
    state = site(request)
    client = request.client.host if request.client else "unknown"
    allowed, wait = state.limiter.allow(client)
    if allowed:
        return None
    response = message_page(request, 429, "Too many attempts", "Please wait a minute.")
    response.headers["retry-after"] = str(max(1, math.ceil(wait)))
    return response


def absolute_links(request: Request, state: SiteState, appointment_id: str) -> dict[str, str]:
    base = state.settings.public_base_url or str(request.base_url).rstrip("/")
    return {k: base + v for k, v in manage_paths(state.signer, appointment_id).items()}


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse_start(raw: str | None) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None
    return value if value is not None and value.tzinfo is not None else None


def picker(
    calendar: PublicCalendar, slots: list[Slot], first_day: date,
    day: date | None, zone: ZoneInfo, today: date,
) -> dict[str, Any]:  # fmt: skip
    """Template values of the date and time picker for two weeks from ``first_day``."""
    grouped = slots_by_day(slots)
    days = [(first_day + timedelta(days=i), 0) for i in range(DAYS_SHOWN)]
    days = [(d, len(grouped.get(d, []))) for d, _ in days]
    if day is None or day not in grouped:
        day = next((d for d, n in days if n), None)
    last = today + timedelta(days=calendar.max_days_ahead + 1)
    earlier = first_day - timedelta(days=DAYS_SHOWN)
    later = first_day + timedelta(days=DAYS_SHOWN)
    return {
        "days": days, "day": day, "day_slots": grouped.get(day, []) if day else [],
        "any_slots": bool(slots), "tz": zone.key, "zones": zones(),
        "earlier": max(earlier, today).isoformat() if first_day > today else None,
        "later": later.isoformat() if later <= last else None,
    }  # fmt: skip


def when_text(start: datetime, zone: ZoneInfo, minutes: int | None = None) -> str:
    local = start.astimezone(zone)
    text = f"{local:%A %d %B %Y, %H:%M} ({zone.key}, UTC{local:%z})"
    if minutes:
        end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        text = f"{local:%A %d %B %Y, %H:%M}-{end:%H:%M} ({zone.key})"
    return text


async def read_form(request: Request) -> dict[str, str] | None:
    if not request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return None
    try:
        form = await request.form(max_files=0, max_fields=20)
    except Exception:  # malformed bodies of any kind are the visitor's problem: a 400
        return None
    return {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
