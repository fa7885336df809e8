"""Webchat routes: the widget script and its JSON API, usable from the funnel server's own pages
and from the origins a sub-account allows (CORS).

* ``GET /_webchat/widget.js?key=K`` - the script (any site may load it; it only talks to
  this server, and the API checks the page's origin);
* ``POST /_webchat/api/start`` ``{key, name, email}`` -> ``{token}``;
* ``POST /_webchat/api/messages`` ``{token, id, body}`` -> ``{message}`` (``id`` is the
  widget's own message id: a retried post files nothing twice);
* ``GET /_webchat/api/stream?token=T&after=ID`` - server-sent events, one per message after
  ``ID`` (the visitor's and the replies that left the outbox). A stream ends after
  ``STREAM_SECONDS`` and the browser reconnects with ``Last-Event-ID``.

Bodies are JSON sent as ``text/plain`` (a "simple" cross-origin request: no preflight);
posts are rate limited per client address like form posts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ghl_desktop.core.errors import DomainError, ValidationError
from ghl_desktop.funnel_server.pages import site
from ghl_desktop.funnel_server.protection import RateLimiter
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.funnel_server.webchat_widget import widget_source
from ghl_desktop.services.inbox import webchat
from ghl_desktop.services.inbox.webchat import Visitor, WidgetConfig

log = logging.getLogger(__name__)

POSTS_PER_MINUTE = 30
STREAM_SECONDS = 25.0
POLL_SECONDS = 0.5
_limiters: dict[int, RateLimiter] = {}


def _limiter(state: SiteState) -> RateLimiter:
    limiter = _limiters.get(id(state))
    if limiter is None:
        limiter = _limiters[id(state)] = RateLimiter(POSTS_PER_MINUTE)
    return limiter


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


def _cors(request: Request, widget: WidgetConfig | None) -> dict[str, str] | None:
    """CORS headers for this request, or None when its origin may not use the widget."""
    origin = request.headers.get("origin")
    headers = {"vary": "Origin", "cache-control": "no-store"}
    if origin is None or origin.lower() == _own_origin(request):
        return headers  # same origin: the funnel server's own pages
    if widget is None or origin.rstrip("/").lower() not in widget.allowed_origins:
        return None
    return headers | {"access-control-allow-origin": origin}


def _error(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": text}, status, headers=headers or {"cache-control": "no-store"})


def _refused() -> JSONResponse:
    return _error(403, "this website may not use the chat (add it to the allowed origins)")


async def widget_js(request: Request) -> Response:
    state = site(request)
    widget = await run_in_threadpool(
        webchat.find_widget, state.uows, request.query_params.get("key", "")
    )
    if widget is None:
        return Response("/* unknown webchat key */", 404, media_type="text/javascript")
    source = widget_source({"key": widget.key, "title": widget.title, "greeting": widget.greeting})
    return Response(source, media_type="text/javascript; charset=utf-8",
                    headers={"cache-control": "public, max-age=300"})  # fmt: skip


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ValidationError("body", "must be JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    return data


def _rate_limited(request: Request, state: SiteState) -> JSONResponse | None:
    client = request.client.host if request.client else "unknown"
    allowed, wait = _limiter(state).allow(client)
    if allowed:
        return None
    return _error(429, "too many messages; wait a moment", {"retry-after": str(int(wait) + 1)})


def _visitor_widget(state: SiteState, visitor: Visitor) -> WidgetConfig | None:
    return webchat.widget_for_visitor(state.uows, visitor)


async def start(request: Request) -> Response:
    state = site(request)
    if (limited := _rate_limited(request, state)) is not None:
        return limited
    try:
        data = await _json(request)
        widget = await run_in_threadpool(webchat.find_widget, state.uows, str(data.get("key", "")))
        headers = _cors(request, widget)
        if headers is None:
            return _refused()
        if widget is None:
            return _error(404, "unknown chat", headers)
        visitor = await run_in_threadpool(
            webchat.start_chat, state.uows, widget, data.get("name"), data.get("email")
        )
    except DomainError as exc:
        return _error(422, str(exc), _cors(request, None) or {})
    return JSONResponse({"token": webchat.issue_token(state.signer, visitor)}, headers=headers)


async def post_message(request: Request) -> Response:
    state = site(request)
    if (limited := _rate_limited(request, state)) is not None:
        return limited
    try:
        data = await _json(request)
        visitor = webchat.read_token(state.signer, str(data.get("token", "")))
        widget = await run_in_threadpool(_visitor_widget, state, visitor) if visitor else None
        headers = _cors(request, widget)
        if headers is None:
            return _refused()
        if visitor is None or widget is None:
            return _error(401, "the chat expired; start again", headers)
        message = await run_in_threadpool(
            webchat.post_message, state.uows, visitor, data.get("id"), data.get("body")
        )
    except DomainError as exc:
        return _error(422, str(exc), _cors(request, None) or {})
    return JSONResponse({"message": message.as_json()}, headers=headers)


async def stream(request: Request) -> Response:
    state = site(request)
    visitor = webchat.read_token(state.signer, request.query_params.get("token", ""))
    widget = await run_in_threadpool(_visitor_widget, state, visitor) if visitor else None
    headers = _cors(request, widget)
    if headers is None:
        return _refused()
    after = request.headers.get("last-event-id") or request.query_params.get("after") or None
    if visitor is None or widget is None:
        return StreamingResponse(_expired(), media_type="text/event-stream", headers=headers)
    body = _events(request, state, visitor, after)
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _expired() -> AsyncIterator[bytes]:
    yield b"retry: 60000\nevent: expired\ndata: {}\n\n"


async def _events(
    request: Request, state: SiteState, visitor: Visitor, after: str | None
) -> AsyncIterator[bytes]:
    yield b"retry: 1000\n\n"
    ends = time.monotonic() + STREAM_SECONDS
    last_ping = time.monotonic()
    while time.monotonic() < ends and not await request.is_disconnected():
        messages = await run_in_threadpool(webchat.history, state.uows, visitor, after=after)
        for message in messages:
            after = message.id
            data = json.dumps(message.as_json(), ensure_ascii=True)
            yield f"id: {message.id}\ndata: {data}\n\n".encode()
        replies = [m.id for m in messages if m.direction == "outbound"]
        if replies:
            await run_in_threadpool(webchat.mark_delivered, state.uows, visitor, replies)
        if time.monotonic() - last_ping > 10:
            last_ping = time.monotonic()
            yield b": ping\n\n"
        await asyncio.sleep(POLL_SECONDS)


async def preflight(request: Request) -> Response:
    """CORS preflight (browsers skip it for the widget's text/plain posts; other clients may
    send JSON)."""
    origin = request.headers.get("origin", "")
    return Response(status_code=204, headers={
        "access-control-allow-origin": origin or "*", "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers": "content-type", "access-control-max-age": "600",
        "vary": "Origin",
    })  # fmt: skip


ROUTES = [
    Route("/_webchat/widget.js", widget_js, methods=["GET", "HEAD"]),
    Route("/_webchat/api/start", start, methods=["POST"]),
    Route("/_webchat/api/messages", post_message, methods=["POST"]),
    Route("/_webchat/api/stream", stream, methods=["GET"]),
    Route("/_webchat/api/{path:path}", preflight, methods=["OPTIONS"]),
]
