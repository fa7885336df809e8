"""GET of a published page: the one route every visitor hits, served as plain ASGI.

It sits in front of the Starlette application and answers GET/HEAD of any address not under
``/_`` itself: no router, no request object, headers read in one pass, the response headers
prebuilt per cached page. What it does per request is only what the page needs: find the
cached HTML, fill each form's token for the visitor's session (setting the session cookie on
a first visit), queue the page view in memory. Everything else - posts, previews, assets,
health - goes on to the application.
"""

from __future__ import annotations

import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ghl_desktop.funnel_server.cache import CachedPage, parse_route
from ghl_desktop.funnel_server.middleware import DEFAULT_CSP, SECURITY_HEADERS
from ghl_desktop.funnel_server.protection import SESSION_COOKIE, new_session_id, session_cookie
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.sites.rendering import render_message

log = logging.getLogger(__name__)

_SESSION = re.compile(rb"(?:^|;)\s*" + SESSION_COOKIE.encode() + rb"=([A-Za-z0-9_-]{16,64})(?:;|$)")
_HTML = (b"content-type", b"text/html; charset=utf-8")
_NO_CACHE = (b"cache-control", b"private, no-cache")
_NO_STORE = (b"cache-control", b"no-store")
_MESSAGE_CSP = (b"content-security-policy", DEFAULT_CSP)


def host_name(raw: bytes) -> str:
    """The Host header without its port, lower-case (``[::1]:8787`` keeps its brackets)."""
    host = raw.decode("latin-1").lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class PageServer:
    def __init__(self, app: ASGIApp, state: SiteState) -> None:
        self.app = app
        self.state = state
        not_found = render_message(404, "Page not found", "There is nothing at this address.")
        self._not_found = not_found.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith("/_")
        ):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._serve(scope, tracking)
        except Exception:
            log.exception("serving %s failed", scope["path"])
            if not started:
                body = render_message(500, "Something went wrong", "Please try again.").encode()
                await _respond(
                    send, 500, body, [_HTML, _NO_STORE, _MESSAGE_CSP], scope["method"] == "HEAD"
                )

    async def _serve(self, scope: Scope, send: Send) -> None:
        state = self.state
        host = cookie = referrer = b""
        for key, value in scope["headers"]:
            if key == b"host":
                host = value
            elif key == b"cookie":
                cookie = value
            elif key == b"referer":
                referrer = value
        head_only = scope["method"] == "HEAD"
        route = parse_route(host_name(host), scope["path"], state.cache.domains)
        entry = state.cache.get(route) if route is not None else None
        if entry is False and route is not None:
            entry = await run_in_threadpool(state.cache.load, route)
        if not isinstance(entry, CachedPage):
            await _respond(send, 404, self._not_found, [_HTML, _NO_STORE, _MESSAGE_CSP], head_only)
            return
        found = _SESSION.search(cookie) if cookie else None
        headers = [_HTML, _NO_CACHE, (b"content-security-policy", entry.csp.encode())]
        if found:
            session_id = found.group(1).decode()
        else:
            session_id = new_session_id()
            secure = scope.get("scheme") == "https"
            headers.append((b"set-cookie", session_cookie(session_id, secure=secure).encode()))
        body = entry.body(lambda kind, target: state.token_for(kind, target, session_id))
        await _respond(send, 200, body, headers, head_only)
        if not head_only:
            state.record_view(
                entry.page, session_id, scope["path"], referrer, scope.get("query_string", b"")
            )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], head_only: bool
) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    headers.extend(SECURITY_HEADERS)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else body})
