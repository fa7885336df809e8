"""Form and survey posts. Forms post back to the page's own address (query string included),
so hidden fields and UTM parameters come from the URL the visitor arrived on.

In order: rate limit (429) → content type → the page → the form data (size and count
limits) → the session cookie and the signed token (403 when forged, stale or from another
browser) → honeypot and minimum fill time (dropped silently: the visitor sees the success
response, nothing is stored) → strict validation (the page again, 422, messages next to the
fields and what was typed kept) → stored through the batch writer → redirect or thank-you.
"""

from __future__ import annotations

import asyncio
import logging
import math

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from ghl_desktop.funnel_server.cache import CachedPage, Route
from ghl_desktop.funnel_server.pages import (
    cached_entry,
    not_found,
    route_of,
    site,
)
from ghl_desktop.funnel_server.protection import SESSION_COOKIE, valid_session_id
from ghl_desktop.funnel_server.responses import (
    MAX_TOKEN_AGE,
    Posted,
    drop,
    first,
    message,
    render_variant,
    success,
    visitor_utm,
)
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.funnel_server.survey_flow import survey_post
from ghl_desktop.services.sites.form_input import check_input
from ghl_desktop.services.sites.public import PublicForm
from ghl_desktop.services.sites.rendering import FormState
from ghl_desktop.services.sites.rendering.environment import HONEYPOT
from ghl_desktop.services.sites.signing import read_form_token
from ghl_desktop.services.sites.submissions import FormPost

log = logging.getLogger(__name__)

MAX_FIELDS = 200
MAX_PART = 64 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_posted(request: Request) -> Posted | None:
    try:
        async with request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART) as form:
            posted: Posted = {}
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    return None
                posted.setdefault(key, []).append(value)
            return posted
    except (MultiPartException, UnicodeDecodeError, ValueError):
        return None


async def handle_post(request: Request) -> Response:
    state = site(request)
    route = route_of(request, state)
    if route is None:
        return not_found()
    client = request.client.host if request.client else "unknown"
    allowed, wait = state.limiter.allow(client)
    if not allowed:
        response = message(429, "Too many attempts", "Please wait a minute and try again.")
        response.headers["retry-after"] = str(max(1, math.ceil(wait)))
        return response
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return message(415, "Not a form", "This address only accepts form posts.")
    entry = await cached_entry(state, route)
    if entry is None:
        return not_found()
    posted = await read_posted(request)
    if posted is None:
        return message(400, "Bad request", "The form could not be read.")
    back = request.scope["path"]
    session_id = valid_session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is None:
        return message(403, "Your session expired", "Please reload the page and try again.", back)
    if first(posted, "_survey"):
        return await survey_post(request, state, entry, route, session_id, posted)
    form = entry.page.forms.get(first(posted, "_form"))
    if form is None:
        return message(400, "Unknown form", "This page has no such form.", back)
    return await form_post(request, state, entry, route, session_id, posted, form)


async def form_post(
    request: Request, state: SiteState, entry: CachedPage, route: Route, session_id: str,
    posted: Posted, form: PublicForm,
) -> Response:  # fmt: skip
    back = request.scope["path"]
    token_text = first(posted, "_token")
    token = read_form_token(state.signer, token_text, session_id, form.id)
    if token is None:
        return message(403, "This form has expired", "Please reload the page and try again.", back)
    age = state.clock.now() - token.issued_at
    if age > MAX_TOKEN_AGE:
        return message(403, "This form has expired", "Please reload the page and try again.", back)
    if first(posted, HONEYPOT).strip():
        drop(state, "honeypot filled")
        return await success(request, state, entry, route, session_id, form.settings, form.id)
    if age.total_seconds() < state.settings.min_fill_seconds:
        drop(state, f"filled in {age.total_seconds():.1f} s")
        return await success(request, state, entry, route, session_id, form.settings, form.id)
    for spec in form.fields:  # hidden fields take the page address's parameters
        if spec["type"] == "hidden":
            param = spec.get("param") or spec["key"]
            if param in request.query_params:
                posted[spec["key"]] = [request.query_params[param]]
    checked = check_input(form.fields, posted, entry.page.region)
    if not checked.ok:
        typed = FormState(checked.typed, checked.errors, token_text)
        return await render_variant(
            request, state, entry, route, session_id, 422, form_states={form.id: typed}
        )
    post = FormPost(
        sub_account_id=entry.page.sub_account_id, form_id=form.id, submission_id=token.nonce,
        fields=form.fields, tags=tuple(form.settings.get("tags") or ()), values=checked.values,
        region=entry.page.region, page_id=entry.page.page_id, funnel_id=entry.page.funnel_id,
        ip_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"), session_id=session_id,
        utm=visitor_utm(request, posted),
    )  # fmt: skip
    try:
        await asyncio.wrap_future(state.writer.submit(post))
    except Exception:
        log.exception("storing a form submission failed")
        return message(503, "Please try again", "Your details could not be saved just now.", back)
    return await success(request, state, entry, route, session_id, form.settings, form.id)
