"""Twilio webhooks on the funnel server.

* ``POST /_twilio/{sub_account_id}/inbound`` - set as the "A message comes in" webhook of the
  Twilio number / WhatsApp sender; answers an empty TwiML ``<Response/>`` (replies go through
  the outbox like every other message).
* ``POST /_twilio/{sub_account_id}/status`` - the status callback each sent message names.

Both refuse (403) a request whose ``X-Twilio-Signature`` does not match, and answer 200 to a
retried delivery without storing anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import weakref
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ghl_desktop.core.errors import DomainError
from ghl_desktop.funnel_server.pages import site
from ghl_desktop.providers.twilio_webhooks import (
    VerifiedInbound,
    WebhookRefused,
    status_callback,
    store_inbound,
    verify_inbound,
)
from ghl_desktop.services.inbox.ingest import InboundResult
from ghl_desktop.services.inbox.twilio_settings import WEBHOOK_PREFIX
from ghl_desktop.services.sites.writer import BatchWriter
from ghl_desktop.services.uow import UnitOfWorkFactory

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


class _InboundPipeline:
    """Messages Twilio delivers together are stored in one transaction (group commit), and
    their events reach subscribers (workflows...) from a thread of their own right after, so
    the answer to Twilio never waits for a workflow. The events are in ``domain_events`` with
    the messages either way: a crash before delivery is caught up by the redispatch job."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        bus = uows.bus
        quiet = UnitOfWorkFactory(uows.database, uows.clock)  # commits without dispatching
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._stopped = False

        def store(batch: Sequence[VerifiedInbound]) -> list[InboundResult | Exception]:
            results = store_inbound(quiet, batch)
            self._wake.set()
            return results

        def deliver() -> None:
            while not self._stopped:
                self._wake.wait()
                if bus is None:
                    self._wake.clear()
                    continue
                # Let a burst's events gather: one delivery transaction (one commit) for many
                # messages, and the writer stays free for the messages still arriving.
                self._closing.wait(EVENT_GATHER_SECONDS)  # cut short by close()
                self._wake.clear()
                try:
                    while bus.redispatch_pending() >= REDISPATCH_BATCH:
                        pass
                except Exception:
                    log.exception("delivering inbound message events failed; the job retries")

        self.writer: BatchWriter[VerifiedInbound, InboundResult] = BatchWriter(
            store, name="twilio-inbound"
        )
        self._thread = threading.Thread(target=deliver, name="twilio-events", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.writer.close()
        self._stopped = True
        self._closing.set()
        self._wake.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(CLOSE_TIMEOUT_SECONDS)  # its last delivery ends before we return


REDISPATCH_BATCH = 500
EVENT_GATHER_SECONDS = 0.25
CLOSE_TIMEOUT_SECONDS = 30
_pipelines_lock = threading.Lock()


def inbound_pipeline(request: Request) -> _InboundPipeline:
    app_state = request.app.state
    with _pipelines_lock:
        pipeline: _InboundPipeline | None = getattr(app_state, "twilio_inbound", None)
        if pipeline is None:
            state = site(request)
            pipeline = app_state.twilio_inbound = _InboundPipeline(state.uows)
            weakref.finalize(state, pipeline.close)  # its threads end with the server
        return pipeline


def close_inbound_pipeline(app: Starlette) -> None:
    """At server shutdown: store what is queued and deliver its events before the database
    closes (blocking; called off the event loop)."""
    with _pipelines_lock:
        pipeline: _InboundPipeline | None = getattr(app.state, "twilio_inbound", None)
    if pipeline is not None:
        pipeline.close()


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
        verified = await run_in_threadpool(
            verify_inbound, state.uows, sub_account_id, signed_url(request), params, signature
        )
    except WebhookRefused:
        return _refused()
    try:
        await asyncio.wrap_future(inbound_pipeline(request).writer.submit(verified))
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
