"""What the post handlers answer with: message pages, the page again with a variant in it
(errors, a survey step, a thank-you), and the success action of a form or survey."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ghl_desktop.funnel_server.cache import CachedPage, Route
from ghl_desktop.funnel_server.pages import HTML, page_response
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.sites.rendering import render_message, render_page

log = logging.getLogger(__name__)

MAX_TOKEN_AGE = timedelta(hours=24)
Posted = dict[str, list[str]]


def message(status: int, title: str, text: str, back: str = "") -> Response:
    body = render_message(status, title, text, back)
    return Response(body, status, media_type=HTML, headers={"cache-control": "no-store"})


def first(posted: Mapping[str, list[str]], key: str) -> str:
    values = posted.get(key) or [""]
    return values[0]


def visitor_utm(request: Request, posted: Mapping[str, list[str]]) -> dict[str, str]:
    """UTM parameters of the address the form was on, where the visitor came from, the page."""
    utm = {k: v[:200] for k, v in request.query_params.items() if k.startswith("utm_")}
    referrer = first(posted, "_ref")[:500]
    if referrer:
        utm["referrer"] = referrer
    utm["page_url"] = request.scope["path"][:500]
    return utm


async def render_variant(
    request: Request, state: SiteState, entry: CachedPage, route: Route, session_id: str,
    status: int, **variant: Any,
) -> Response:  # fmt: skip
    """The page again with a form's errors, a survey step or a thank-you message in it."""
    rendered = await run_in_threadpool(
        lambda: render_page(entry.page, base_path=route.base_path, now=state.clock.now(), **variant)
    )
    again = CachedPage.of(entry.page, rendered.html, rendered.csp)
    body = again.body(lambda kind, target: state.token_for(kind, target, session_id))
    return page_response(request, again, body, session_id, False, status, rendered.csp)


async def success(
    request: Request, state: SiteState, entry: CachedPage, route: Route, session_id: str,
    settings: Mapping[str, Any], target_id: str,
) -> Response:  # fmt: skip
    """What the form (or survey) says happens on success: redirect, next step or a message."""
    action = settings.get("on_success")
    redirect = str(settings.get("redirect_url") or "")
    if action == "redirect" and redirect.startswith(("/", "http://", "https://")):
        return RedirectResponse(redirect, 303)
    next_slug = entry.page.next_slug
    if action == "next_step" and next_slug is not None:
        return RedirectResponse(f"{route.base_path}/{next_slug}", 303)
    thanks = {target_id: str(settings.get("thank_you_message") or "Thank you!")}
    return await render_variant(request, state, entry, route, session_id, 200, thanks=thanks)


def drop(state: SiteState, why: str) -> None:
    state.stats["dropped_posts"] += 1
    log.info("visitor post dropped silently: %s", why)
