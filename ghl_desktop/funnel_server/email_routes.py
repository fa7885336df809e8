"""Email routes of the funnel server: one-click unsubscribe (RFC 8058) and the inbound-parse
webhook (a mail service posts each received message as raw MIME).

* ``GET /_email/unsubscribe?t=TOKEN`` shows a page with one button (link scanners follow GETs:
  they must not unsubscribe anybody); ``POST`` of the same address unsubscribes - the mail
  client's one-click ``List-Unsubscribe=One-Click`` post and the button both land there.
* ``POST /_email/inbound/{sub_account_id}`` with ``Authorization: Bearer TOKEN`` (or
  ``?token=``) - the per-sub-account secret from the email settings. The body is the raw
  message (``message/rfc822``) or a form with it in ``email`` (SendGrid's raw mode) or
  ``body-mime`` (Mailgun). Answers 200 with the message id; a retried post creates nothing.
"""

from __future__ import annotations

import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ghl_desktop.core.errors import DomainError, NotFound
from ghl_desktop.funnel_server.pages import HTML, site
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.inbox import email_settings
from ghl_desktop.services.inbox.email_ingest import data_dir_of, file_raw_email
from ghl_desktop.services.inbox.email_parse import NotAnEmail
from ghl_desktop.services.inbox.email_unsubscribe import PATH, read_token, unsubscribe
from ghl_desktop.services.sites.rendering import render_message

log = logging.getLogger(__name__)

_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CONFIRM = """<!doctype html><meta charset="utf-8"><title>Unsubscribe</title>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;text-align:center">
<h1>Unsubscribe</h1><p>Stop receiving marketing emails from us?</p>
<form method="post"><button type="submit" style="font-size:1.1rem;padding:.6rem 1.4rem">
Unsubscribe</button></form></body>"""


def _page(code: int, title: str, text: str) -> Response:
    return Response(
        render_message(code, title, text), code, media_type=HTML,
        headers={"cache-control": "no-store"},
    )  # fmt: skip


async def unsubscribe_route(request: Request) -> Response:
    state = site(request)
    who = read_token(state.signer, request.query_params.get("t", ""))
    if who is None:
        return _page(404, "Link not valid", "This unsubscribe link is not valid.")
    if request.method != "POST":
        return Response(_CONFIRM, media_type=HTML, headers={"cache-control": "no-store"})
    await run_in_threadpool(unsubscribe, state.uows, *who)
    return _page(200, "Unsubscribed", "You will not receive marketing emails from us again.")


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query_params.get("token", "")


async def _raw_body(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        value = form.get("email") or form.get("body-mime") or ""
        if hasattr(value, "read"):
            return bytes(await value.read())
        return str(value).encode("utf-8", "surrogateescape")
    return await request.body()


def _ingest(state: SiteState, sub_account_id: str, token: str, raw: bytes) -> str:
    uows = state.uows
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        channel = email_settings.find_channel_row(uow)
        if channel is None or not email_settings.inbound_token_matches(channel, token):
            raise PermissionError("bad token")
        filed = file_raw_email(uow, data_dir_of(uows.database), raw)
        uow.commit()
        return filed.result.message_id


async def inbound_route(request: Request) -> Response:
    sub_account_id = request.path_params["sub_account_id"]
    token = _token(request)
    if not _ID.match(sub_account_id) or not token:
        return JSONResponse({"error": "unknown sub-account or missing token"}, 401)
    raw = await _raw_body(request)
    if not raw.strip():
        return JSONResponse({"error": "the message is empty"}, 400)
    try:
        message_id = await run_in_threadpool(_ingest, site(request), sub_account_id, token, raw)
    except (PermissionError, NotFound):
        log.warning("inbound email for %s refused: bad token", sub_account_id)
        return JSONResponse({"error": "unknown sub-account or bad token"}, 401)
    except NotAnEmail as exc:
        return JSONResponse({"error": str(exc)}, 400)
    except DomainError as exc:
        return JSONResponse({"error": str(exc)}, 422)
    return JSONResponse({"message_id": message_id})


ROUTES = [
    Route(PATH, unsubscribe_route, methods=["GET", "POST"]),
    Route("/_email/inbound/{sub_account_id}", inbound_route, methods=["POST"]),
]
