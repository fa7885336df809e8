"""Twilio webhooks on the funnel server.

* ``POST /_twilio/{sub_account_id}/inbound`` - set as the "A message comes in" webhook of the
  Twilio number / WhatsApp sender; answers an empty TwiML ``<Response/>`` (replies go through
  the outbox like every other message).
* ``POST /_twilio/{sub_account_id}/status`` - the status callback each sent message names.

Both refuse (403) a request whose ``X-Twilio-Signature`` does not match, and answer 200 to a
retried delivery without storing anything twice.
"""

from __future__ import annotations

import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ghl_desktop.core.errors import DomainError
from ghl_desktop.funnel_server.pages import site
from ghl_desktop.providers.twilio_webhooks import WebhookRefused, receive, status_callback
from ghl_desktop.services.inbox.twilio_settings import WEBHOOK_PREFIX

log = logging.getLogger(__name__)

_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORM = "application/x-www-form-urlencoded"


def signed_url(request: Request) -> str:
    """The URL Twilio signed: the configured public address with this path (Twilio was given
    that address), else the address the request reached."""
    base = site(request).settings.public_base_url
    if not base:
        return str(request.url)
    query = request.url.query
    return base.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def _params(request: Request) -> dict[str, str] | None:
    if not request.headers.get("content-type", "").startswith(FORM):
        return None
    form = await request.form()
    return {key: str(value) for key, value in form.items()}


def _refused() -> Response:
    return PlainTextResponse("forbidden", 403)


async def inbound_route(request: Request) -> Response:
    sub_account_id = request.path_params["sub_account_id"]
    params = await _params(request)
    if not _ID.match(sub_account_id) or params is None:
        log.warning("twilio inbound refused: bad address or body (%s)", request.url.path)
        return _refused()
    state = site(request)
    signature = request.headers.get("x-twilio-signature")
    try:
        await run_in_threadpool(
            receive, state.uows, sub_account_id, signed_url(request), params, signature
        )
    except WebhookRefused:
        return _refused()
    except DomainError as exc:  # a sender we cannot read: Twilio must not retry it forever
        log.warning("twilio inbound for %s not stored: %s", sub_account_id, exc)
    return Response(TWIML_EMPTY, media_type="text/xml")


async def status_route(request: Request) -> Response:
    sub_account_id = request.path_params["sub_account_id"]
    params = await _params(request)
    if not _ID.match(sub_account_id) or params is None:
        log.warning("twilio status refused: bad address or body (%s)", request.url.path)
        return _refused()
    state = site(request)
    signature = request.headers.get("x-twilio-signature")
    try:
        await run_in_threadpool(
            status_callback, state.uows, sub_account_id, signed_url(request), params, signature
        )
    except WebhookRefused:
        return _refused()
    return Response(status_code=204)


ROUTES = [
    Route(WEBHOOK_PREFIX + "/{sub_account_id}/inbound", inbound_route, methods=["POST"]),
    Route(WEBHOOK_PREFIX + "/{sub_account_id}/status", status_route, methods=["POST"]),
]
