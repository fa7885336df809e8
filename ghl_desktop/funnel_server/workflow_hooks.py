"""Inbound workflow webhooks: ``POST /_hooks/workflows/{token}`` with a JSON body naming a
contact by ``email`` or ``phone`` enrols that contact through the workflow's inbound-webhook
trigger (``services.workflows.engine.hooks``).

Answers: 202 ``{"accepted": true, "contact_id": ...}``; 404 for an unknown token or a workflow
that is not published with an inbound-webhook trigger (never saying which); 422 with the field
for a body that is not a JSON object or names no known contact; 429 when the client posts too
fast (the server's per-IP limiter).
"""

from __future__ import annotations

import json
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.funnel_server.pages import site
from ghl_desktop.services.workflows.engine.hooks import PATH_PREFIX, receive_webhook

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


def _json(status: int, body: dict[str, object]) -> Response:
    return JSONResponse(body, status, headers={"cache-control": "no-store"})


async def workflow_hook(request: Request) -> Response:
    state = site(request)
    client = request.client.host if request.client else "unknown"
    allowed, retry_after = state.limiter.allow(client)
    if not allowed:
        return JSONResponse({"error": "too many requests"}, 429,
                            headers={"retry-after": str(max(1, int(retry_after)))})  # fmt: skip
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _json(413, {"error": "body too large"})
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return _json(422, {"error": "body: is not JSON", "field": "body"})
    token = request.path_params["token"]
    try:
        receipt = await run_in_threadpool(receive_webhook, state.uows, token, body)
    except NotFound:
        return _json(404, {"error": "not found"})
    except ValidationError as exc:
        return _json(422, {"error": str(exc), "field": exc.field})
    return _json(202, {"accepted": True, "contact_id": receipt.contact_id})


ROUTES = [Route(PATH_PREFIX + "{token}", workflow_hook, methods=["POST"])]
