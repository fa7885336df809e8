"""The site the funnel benchmarks serve: an agency, a funnel whose landing page is a typical
~13 KB builder page (hero, copy, pricing, testimonials, a form) and a static step without a
form, on a fresh SQLite database with the app's settings (WAL, ``synchronous=FULL``)."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import SystemClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.funnel_server.runner import ACCESS_LOGGER, bind_socket
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites import forms, funnels, pages

SLUG = "bench"
COPY = (
    "<p>Our agency runs the campaigns, the follow-ups and the reporting, so you can run the "
    "business. Every plan includes onboarding, a dedicated strategist and monthly reviews.</p>"
)


@dataclass
class BenchSite:
    runtime: Runtime
    form_path: str
    static_path: str


def _blocks(form_id: str | None) -> list[dict[str, Any]]:
    def block(kind: str, **props: Any) -> dict[str, Any]:
        return {"type": kind, "props": props}

    blocks = [
        block(
            "hero",
            title="Grow your agency",
            subtitle="Leads, calls and sales every month",
            button_label="See plans",
            button_href="#plans",
        ),
        block("text", content=COPY * 6),
        block(
            "pricing",
            title="Plans",
            plans=[
                {
                    "name": name,
                    "price": price,
                    "features": [f"Feature {i}" for i in range(8)],
                    "button_label": "Start",
                    "button_href": "/bench/thanks",
                }
                for name, price in (("Starter", "$99"), ("Growth", "$299"), ("Scale", "$799"))
            ],
        ),
        *(
            block(
                "testimonial",
                quote="They tripled our leads in a quarter. " * 3,
                author=f"Client {i}",
                role="Owner",
                rating=5,
            )
            for i in range(6)
        ),
        block("text", content=COPY * 4),
    ]
    if form_id:
        blocks.append(block("form", form_id=form_id, title="Book a call"))
    return blocks


def build_site(data_dir: Path) -> BenchSite:
    runtime = build_runtime(
        data_dir,
        None,
        clock=SystemClock(),
        secrets=EncryptedFileSecretStore(data_dir / "secrets" / "secrets.enc"),
    )
    uows = runtime.uows
    install = agencies.init_installation(
        uows, "Bench Agency", "owner@bench.example", "bench-password-2026", "Owner"
    )
    owner = Actor(user_id=install.owner_user_id, label="owner")
    sub = agencies.create_sub_account(uows, owner, install.agency_id, "Bench client").id
    form = forms.create_form(
        uows,
        owner,
        sub,
        "Book a call",
        [
            {"key": "full_name", "label": "Full name", "type": "text", "required": True},
            {"key": "email", "label": "Email", "type": "email", "required": True},
            {"key": "phone", "label": "Phone", "type": "phone"},
            {
                "key": "agree",
                "label": "I agree to be contacted",
                "type": "consent",
                "required": True,
            },
        ],
        {"on_success": "next_step", "tags": ["Website lead"]},
    )
    funnel = funnels.create_funnel(uows, owner, sub, "Bench", slug_text=SLUG)
    home = funnel.steps[0].page_id
    thanks = funnels.add_step(uows, owner, sub, funnel.funnel.id, "Thanks", slug_text="thanks")
    pages.update_page(uows, owner, sub, home, {"builder_json": {"blocks": _blocks(form.id)}})
    pages.update_page(uows, owner, sub, thanks.page_id, {"builder_json": {"blocks": _blocks(None)}})
    for page_id in (home, thanks.page_id):
        pages.publish_page(uows, owner, sub, page_id)
    return BenchSite(runtime, f"/{SLUG}/", f"/{SLUG}/thanks")


def access_log_to(path: Path) -> logging.Handler:
    """What ``serve`` does with the access log, but into a file (for both apps alike)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


class BareServer:
    """A bare Starlette app returning fixed bytes, on uvicorn configured like ours."""

    def __init__(self, body: bytes) -> None:
        async def page(_request: Request) -> Response:
            return Response(body, media_type="text/html; charset=utf-8")

        app = Starlette(routes=[Route("/{path:path}", page)])
        config = uvicorn.Config(
            app,
            http="httptools",
            lifespan="on",
            access_log=True,
            log_config=None,
            proxy_headers=False,
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self.socket: socket.socket = bind_socket("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.thread = threading.Thread(target=self.server.run, args=([self.socket],), daemon=True)

    def __enter__(self) -> BareServer:
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.socket.close()
