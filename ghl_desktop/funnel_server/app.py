"""The Starlette application: routes, middleware, and the background task that writes page
views and watches for content changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ghl_desktop.funnel_server.booking import ROUTES as BOOKING_ROUTES
from ghl_desktop.funnel_server.email_routes import ROUTES as EMAIL_ROUTES
from ghl_desktop.funnel_server.hot_path import PageServer
from ghl_desktop.funnel_server.ics_feed import ROUTES as ICS_ROUTES
from ghl_desktop.funnel_server.inbound_twilio import ROUTES as TWILIO_ROUTES
from ghl_desktop.funnel_server.inbound_twilio import close_inbound_pipeline
from ghl_desktop.funnel_server.middleware import (
    SECURITY_HEADERS,
    TOO_LARGE,
    BodyLimit,
    ForwardedHeaders,
    SecurityHeaders,
)
from ghl_desktop.funnel_server.pages import HTML, health, not_found, preview, static_asset
from ghl_desktop.funnel_server.posts import handle_post
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.funnel_server.webchat_routes import ROUTES as WEBCHAT_ROUTES
from ghl_desktop.funnel_server.workflow_hooks import ROUTES as WORKFLOW_HOOK_ROUTES
from ghl_desktop.services.sites.rendering import render_message

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
REFRESH_SECONDS = 1.0


async def _post_or_missing(request: Request) -> Response:
    """Posts to any page address; GET here only reaches unknown ``/_...`` addresses (the
    ``PageServer`` in front answers GET of pages itself)."""
    if request.method == "POST":
        return await handle_post(request)
    return not_found()


async def _server_error(_request: Request, _exc: Exception) -> Response:
    body = render_message(500, "Something went wrong", "Please try again in a moment.")
    headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    return Response(body, 500, media_type=HTML, headers=headers | {"cache-control": "no-store"})


async def _too_large(_request: Request, _exc: Exception) -> Response:
    body = render_message(413, *TOO_LARGE)
    return Response(body, 413, media_type=HTML, headers={"connection": "close"})


async def _background(state: SiteState) -> None:
    """Every second (or when many views wait): write page views; look for content changes."""
    assert state.flush_event is not None
    last_refresh = 0.0
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.flush_event.wait(), FLUSH_SECONDS)
        state.flush_event.clear()
        try:
            await run_in_threadpool(state.flush_views)
            if time.monotonic() - last_refresh >= REFRESH_SECONDS:
                last_refresh = time.monotonic()
                await run_in_threadpool(state.cache.refresh)
        except Exception:
            log.exception("funnel server background work failed; retrying in a second")


def create_app(state: SiteState) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state.flush_event = asyncio.Event()
        state.started_at = state.clock.now()
        await run_in_threadpool(state.cache.refresh)
        task = asyncio.create_task(_background(state), name="funnel-server-background")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await run_in_threadpool(state.close)
            await run_in_threadpool(close_inbound_pipeline, _app)

    app = Starlette(
        routes=[
            Route("/_health", health, methods=["GET", "HEAD"]),
            Route("/_assets/{name}", static_asset, methods=["GET", "HEAD"]),
            Route("/_preview/{page_id}", preview, methods=["GET", "HEAD"]),
            *ICS_ROUTES,
            *BOOKING_ROUTES,
            *EMAIL_ROUTES,
            *WEBCHAT_ROUTES,
            *TWILIO_ROUTES,
            *WORKFLOW_HOOK_ROUTES,
            Route("/{path:path}", _post_or_missing, methods=["GET", "HEAD", "POST"]),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={413: _too_large, 500: _server_error},
        lifespan=lifespan,
    )
    app.state.site = state
    # Outermost first: proxies decide who the client is, bodies are limited, then page GETs are
    # answered by the PageServer and the rest by the application.
    stack: ASGIApp = PageServer(app, state)
    stack = BodyLimit(stack, max_bytes=state.settings.max_body_bytes)
    if state.settings.trusted_proxies:
        stack = ForwardedHeaders(stack, trusted=state.settings.trusted_proxies)
    return stack
