"""Serving pages: published steps (the hot path), owner previews, static assets, health."""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ghl_desktop.funnel_server.cache import CachedPage, Route, parse_route
from ghl_desktop.funnel_server.protection import (
    SESSION_COOKIE,
    new_session_id,
    session_cookie,
    valid_session_id,
)
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.sites import public
from ghl_desktop.services.sites.rendering import asset, render_message, render_page
from ghl_desktop.services.sites.signing import check_preview_token

HTML = "text/html; charset=utf-8"
ASSET_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}


def site(request: Request) -> SiteState:
    state: SiteState = request.app.state.site
    return state


def request_host(request: Request) -> str:
    host = request.headers.get("host", "")
    if host.startswith("["):  # an IPv6 literal: [::1]:8787
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()


def not_found(status: int = 404) -> Response:
    body = render_message(status, "Page not found", "There is nothing at this address.")
    return Response(body, status, media_type=HTML, headers={"cache-control": "no-store"})


def visitor_session(request: Request) -> tuple[str, bool]:
    """The visitor's session id, and whether it is new (so the response must set it)."""
    existing = valid_session_id(request.cookies.get(SESSION_COOKIE))
    return (existing, False) if existing else (new_session_id(), True)


def page_response(
    request: Request, entry: CachedPage, body: bytes, session_id: str, is_new: bool,
    status: int = 200, csp: str | None = None,
) -> Response:  # fmt: skip
    headers = {"content-security-policy": csp or entry.csp, "cache-control": "private, no-cache"}
    if is_new:
        headers["set-cookie"] = session_cookie(session_id, secure=request.url.scheme == "https")
    return Response(body, status, headers=headers, media_type=HTML)


async def cached_entry(state: SiteState, route: Route) -> CachedPage | None:
    entry = state.cache.get(route)
    if entry is False:
        return await run_in_threadpool(state.cache.load, route)
    return entry if isinstance(entry, CachedPage) else None


def route_of(request: Request, state: SiteState) -> Route | None:
    return parse_route(request_host(request), request.scope["path"], state.cache.domains)


async def preview(request: Request) -> Response:
    """The owner's draft, for the editor's live preview (a signed, short-lived link)."""
    state = site(request)
    page_id = request.path_params["page_id"]
    token = request.query_params.get("token", "")
    if not check_preview_token(state.signer, token, page_id, state.clock.now()):
        return not_found(404)
    page = await run_in_threadpool(public.draft_page, state.uows, page_id)
    if page is None:
        return not_found()
    base = f"/{page.funnel_slug}"  # previews are served on the default host
    rendered = await run_in_threadpool(render_page, page, base_path=base, now=state.clock.now())
    session_id, is_new = visitor_session(request)
    html = rendered.html
    entry = CachedPage.of(page, html, rendered.csp)
    body = entry.body(lambda kind, target: state.token_for(kind, target, session_id))
    response = page_response(request, entry, body, session_id, is_new)
    response.headers["x-robots-tag"] = "noindex"
    response.headers["cache-control"] = "no-store"
    return response


async def static_asset(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        data = asset(name)
    except KeyError:
        return not_found()
    media = ASSET_TYPES[name.rsplit(".", 1)[1]]
    max_age = int(timedelta(days=7).total_seconds())
    return Response(data, media_type=media, headers={"cache-control": f"public, max-age={max_age}"})


async def health(request: Request) -> Response:
    state = site(request)
    return JSONResponse(
        {
            "status": "ok",
            "started_at": state.started_at.isoformat() if state.started_at else None,
            "cached_pages": len(state.cache),
            "pending_views": state.views.pending,
            "written_views": state.views.written,
            "dropped_views": state.views.dropped,
            "posts": state.writer.items,
            "post_batches": state.writer.batches,
        },
        headers={"cache-control": "no-store"},
    )
