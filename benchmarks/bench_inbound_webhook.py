"""Inbound Twilio webhooks end to end over HTTP: the funnel server checks X-Twilio-Signature,
matches the sender to one of 2,000 contacts by phone, stores the message (thread, unread count,
preview), records ``message.received``, commits (WAL, ``synchronous=FULL``) and answers TwiML.

Next to it, in the same run with the same client: a bare Starlette app on uvicorn whose handler
only parses the form and inserts one row per request into SQLite with the same settings.
Target: the webhook at >= 0.3x the bare handler's rate.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlean
import uvicorn
from sqlalchemy import func, insert, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.clock import SystemClock
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.funnel_server.runner import FunnelServer, bind_socket
from ghl_desktop.models.conversations import Message
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox.twilio_settings import configure_twilio
from ghl_desktop.services.sites.server_settings import ServerSettings
from tests.integration.twilio_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    twilio_signature,
)

CONTACTS = 2_000
REQUESTS = 1_000
CLIENTS = 8  # Twilio delivers a busy number's messages in parallel
ROUNDS = 3
PUBLIC = "https://hooks.example.com"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class BareInsertServer:
    """The baseline: parse the form, INSERT one row, COMMIT, answer - nothing else."""

    def __init__(self, path: Path) -> None:
        self.lock = threading.Lock()
        self.conn = sqlean.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, sid TEXT UNIQUE, "
            "sender TEXT, body TEXT)"
        )

        def insert_row(form: dict[str, str]) -> None:
            with self.lock:  # one writer, like the app's
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute(
                    "INSERT INTO messages VALUES (?, ?, ?, ?)",
                    (new_id(), form["MessageSid"], form["From"], form["Body"]),
                )
                self.conn.execute("COMMIT")

        async def hook(request: Request) -> Response:
            form = {k: str(v) for k, v in (await request.form()).items()}
            await run_in_threadpool(insert_row, form)
            return Response(TWIML, media_type="text/xml")

        app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
        config = uvicorn.Config(app, http="httptools", lifespan="on", access_log=False,
                                log_config=None, server_header=False)  # fmt: skip
        self.server = uvicorn.Server(config)
        self.socket = bind_socket("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/hook"
        self.thread = threading.Thread(target=self.server.run, args=([self.socket],), daemon=True)

    def __enter__(self) -> BareInsertServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.socket.close()
        self.conn.close()


def phones(n: int) -> list[str]:
    return [f"+1415{5550000 + i:07d}"[:12] for i in range(n)]


def requests_for(round_no: int, path: str) -> list[tuple[dict[str, str], str]]:
    """Signed form posts: each from a known contact (round-robin over them), a new MessageSid."""
    numbers = phones(CONTACTS)
    out = []
    for n in range(REQUESTS):
        sid = f"SM{round_no:04d}{n:028d}"
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID,
                  "From": numbers[n % CONTACTS], "To": OUR_NUMBER, "NumMedia": "0",
                  "Body": f"Hello, is a table free tonight? ({n})"}  # fmt: skip
        out.append((params, twilio_signature(AUTH_TOKEN, PUBLIC + path, params)))
    return out


def post_all(url: str, batch: list[tuple[dict[str, str], str]]) -> float:
    """Requests per second with CLIENTS keep-alive connections; every answer must be 200."""
    local = threading.local()

    def one(item: tuple[dict[str, str], str]) -> int:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=30)
        params, signature = item
        return client.post(url, data=params, headers={"X-Twilio-Signature": signature}).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(one, batch))
    seconds = time.perf_counter() - started
    assert set(statuses) == {200}, sorted(set(statuses))
    return len(batch) / seconds


def measure() -> tuple[list[float], list[float], tuple[int, int, int]]:
    with tempfile.TemporaryDirectory(prefix="ghl-webhook-bench-") as scratch:
        folder = Path(scratch)
        secrets = EncryptedFileSecretStore(folder / "secrets.enc")
        rt = build_runtime(folder / "data", clock=SystemClock(), secrets=secrets)
        inst = agencies.init_installation(rt.uows, "Bench Agency", "owner@bench.example",
                                          "correct-horse-battery-9", "Owner")  # fmt: skip
        owner = Actor(user_id=inst.owner_user_id, label="owner")
        sub = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Bench").id
        configure_twilio(rt.uows, secrets, owner, sub, channel="sms", account_sid=ACCOUNT_SID,
                         auth_token=AUTH_TOKEN, from_number=OUR_NUMBER)  # fmt: skip
        with rt.uows.tenant(owner, sub) as uow:
            now = uow.clock.now()
            uow.session.execute(insert(Contact), [
                {"id": new_id(), "sub_account_id": sub, "first_name": f"Guest {i}", "phone": p,
                 "created_at": now, "updated_at": now}
                for i, p in enumerate(phones(CONTACTS))
            ])  # fmt: skip
            uow.commit()
        path = f"/_twilio/{sub}/inbound"
        settings = ServerSettings(port=0, public_base_url=PUBLIC, access_log=False)
        server = FunnelServer(rt.uows, rt.clock, secrets, settings)
        server.start()
        webhook, bare = [], []
        try:
            for round_no in range(ROUNDS):
                with BareInsertServer(folder / f"bare-{round_no}.db") as baseline:
                    bare.append(post_all(baseline.url, requests_for(round_no, "/hook")))
                webhook.append(post_all(server.url + path, requests_for(round_no, path)))
        finally:
            server.stop()
        with rt.uows.system(read_only=True) as uow:
            counts = (
                int(uow.session.scalar(select(func.count()).select_from(Message)) or 0),
                int(uow.session.scalar(select(func.count()).select_from(Contact)) or 0),
                int(uow.session.scalar(
                    select(func.count()).select_from(DomainEventRecord)
                    .where(DomainEventRecord.name == "message.received")
                ) or 0),
            )  # fmt: skip
        rt.close()
    return webhook, bare, counts


def main() -> None:
    webhook, bare, (messages, contacts, events) = measure()
    expected = ROUNDS * REQUESTS
    # Every post stored once, on an existing contact, with its event.
    assert (messages, contacts, events) == (expected, CONTACTS, expected), (messages, contacts,
                                                                           events)  # fmt: skip
    for n, (w, b) in enumerate(zip(webhook, bare, strict=True), 1):
        print(f"round {n}: webhook {w:,.0f} req/s, bare insert {b:,.0f} req/s ({w / b:.2f}x)")
    # Each round's pair ran back to back: the median of the pairs' ratios is the figure.
    ratio = statistics.median(w / b for w, b in zip(webhook, bare, strict=True))
    w, b = statistics.median(webhook), statistics.median(bare)
    print(
        f"inbound Twilio webhook (signature + contact match among {CONTACTS:,} + insert + event, "
        f"{CLIENTS} clients): {w:,.0f} req/s - bare Starlette insert handler: {b:,.0f} req/s "
        f"- median ratio {ratio:.2f}x (target >= 0.3x)"
    )


if __name__ == "__main__":
    main()
