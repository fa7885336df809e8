"""The webchat widget in headless Chromium, embedded on "any website" (a page served from
another origin): the visitor starts a chat, the message lands in the inbox, a reply sent from
the app through the outbox appears live; markup typed by the visitor stays text. Origins not
on the allow-list are refused; bad input is named."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.conversations import Message, MessageDirection
from ghl_desktop.scheduler.jobs import dispatch_outbox
from ghl_desktop.services.inbox import webchat
from ghl_desktop.services.inbox.sending import send_message
from tests.conftest import Tenant
from tests.e2e.sites_kit import running_server
from tests.e2e.test_sites_browser import CHROMIUM, CHROMIUM_ARGS
from tests.email_peers import free_port

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium")
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def other_website(folder: Path, script_url: str) -> Iterator[str]:
    """A plain page on another origin that embeds the widget with one script tag."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(
        "<!doctype html><title>Acme Plumbing</title><h1>Acme Plumbing</h1>"
        f'<script src="{script_url}" async></script>'
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *_a: None  # type: ignore[attr-defined]
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def _widget(runtime: Runtime, tenant: Tenant, origins: list[str]) -> webchat.WidgetConfig:
    with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
        return webchat.save_widget_settings(uow, allowed_origins=origins, title="Chat with Acme",
                                            greeting="Hi! Ask us anything.")  # fmt: skip


def _inbound(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.uows.system(read_only=True) as uow:
        rows = uow.session.execute(
            select(Message.body, Message.conversation_id)
            .where(Message.direction == MessageDirection.INBOUND)
            .order_by(Message.created_at, Message.id)
        ).all()
        return [(r.body, r.conversation_id) for r in rows]


def _reply_status(runtime: Runtime) -> str | None:
    with runtime.uows.system(read_only=True) as uow:
        found = uow.session.scalar(
            select(Message.status).where(Message.direction == MessageDirection.OUTBOUND)
        )
        return str(found) if found is not None else None


def test_visitor_chats_and_sees_the_reply_live(
    browser: Browser, runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    with running_server(runtime) as server:
        widget = _widget(runtime, tenant, [])  # origins set below, once the page's is known
        script = f"{server.url}/_webchat/widget.js?key={widget.key}"
        with other_website(tmp_path / "site", script) as origin:
            _widget(runtime, tenant, [origin])
            page: Page = browser.new_page()
            alerts: list[str] = []
            page.on("dialog", lambda d: (alerts.append(d.message), Dialog.dismiss(d)))
            try:
                page.goto(origin + "/index.html")
                page.click("#ghl-webchat-bubble")
                expect(page.locator("#ghl-webchat-log")).to_contain_text("Hi! Ask us anything.")
                page.fill("#ghl-webchat-start input[name=name]", "Vera Visitor")
                page.fill("#ghl-webchat-start input[name=email]", "vera@example.com")
                page.click("#ghl-webchat-start button")
                page.fill("#ghl-webchat-send input[name=message]", f"Do you fix boilers? {XSS}")
                page.click("#ghl-webchat-send button")
                expect(page.locator(".ghl-webchat-visitor")).to_have_text(
                    f"Do you fix boilers? {XSS}"
                )
                [(body, conversation_id)] = _inbound(runtime)
                assert body == f"Do you fix boilers? {XSS}"

                with runtime.uows.run_tenant(tenant.owner, tenant.sub_account_id) as uow:
                    contact_id = uow.session.scalar(
                        select(Message.sender_id).where(Message.conversation_id == conversation_id)
                    )
                    assert contact_id is not None
                    send_message(
                        uow, contact_id=contact_id, channel="webchat",
                        body="Yes! Tomorrow at 9?", conversation_id=conversation_id,
                    )  # fmt: skip
                dispatch_outbox(runtime)
                expect(page.locator(".ghl-webchat-agent").last).to_have_text(
                    "Yes! Tomorrow at 9?", timeout=10_000
                )
                # The stream carried it: the app shows it delivered.
                deadline = time.monotonic() + 10
                while _reply_status(runtime) != "delivered" and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert _reply_status(runtime) == "delivered"
                # A reload continues the same chat (the token is kept) with its history.
                page.reload()
                page.click("#ghl-webchat-bubble")
                expect(page.locator(".ghl-webchat-agent").last).to_have_text("Yes! Tomorrow at 9?")
                expect(page.locator(".ghl-webchat-visitor")).to_have_count(1)
            finally:
                page.close()
            assert alerts == []


def test_origins_tokens_and_input_are_checked(runtime: Runtime, tenant: Tenant) -> None:
    widget = _widget(runtime, tenant, ["https://www.acme.test"])
    with running_server(runtime) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        start = {"key": widget.key, "name": "Vera", "email": "vera@example.com"}
        evil = client.post("/_webchat/api/start", json=start,
                           headers={"origin": "https://evil.test"})  # fmt: skip
        assert evil.status_code == 403
        allowed = client.post("/_webchat/api/start", json=start,
                              headers={"origin": "https://www.acme.test"})  # fmt: skip
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://www.acme.test"
        token = allowed.json()["token"]
        bad_email = client.post("/_webchat/api/start", json=start | {"email": "nope"})
        assert bad_email.status_code == 422
        assert bad_email.json()["error"].startswith("email:")
        empty = client.post("/_webchat/api/messages", json={"token": token, "id": "abcdefgh1",
                                                             "body": "   "})  # fmt: skip
        assert empty.json()["error"] == "body: is required"
        forged_token = token[:-4] + "AAAA"
        forged_post = {"token": forged_token, "id": "abcdefgh2", "body": "hi"}
        forged = client.post("/_webchat/api/messages", json=forged_post)
        assert forged.status_code == 401
        first = client.post("/_webchat/api/messages", json={"token": token, "id": "abcdefgh3",
                                                             "body": "hi"})  # fmt: skip
        again = client.post("/_webchat/api/messages", json={"token": token, "id": "abcdefgh3",
                                                             "body": "hi"})  # fmt: skip
        assert first.json() == again.json()  # a retried post files nothing twice
        assert client.get("/_webchat/widget.js?key=wc_unknownunknownunknown").status_code == 404
        js = client.get(f"/_webchat/widget.js?key={widget.key}")
        assert js.headers["content-type"].startswith("text/javascript")
        assert '"Chat with Acme"' in js.text
    assert len(_inbound(runtime)) == 1


def test_widget_on_a_funnel_page(browser: Browser, runtime: Runtime, tenant: Tenant) -> None:
    """On the app's own funnel pages the widget goes in a Custom HTML block; same origin, so
    no allow-list entry is needed."""
    from ghl_desktop.services.sites import funnels, pages

    owner, sub = tenant.owner, tenant.sub_account_id
    widget = _widget(runtime, tenant, [])
    funnel = funnels.create_funnel(runtime.uows, owner, sub, "Chat Launch")
    home = funnel.steps[0].page_id
    tag = f'<script src="/_webchat/widget.js?key={widget.key}" async></script>'
    pages.update_page(runtime.uows, owner, sub, home, {"builder_json": {"blocks": [
        {"type": "heading", "props": {"text": "Talk to us"}},
        {"type": "custom_html", "props": {"html": tag}},
    ]}})  # fmt: skip
    pages.publish_page(runtime.uows, owner, sub, home)
    with running_server(runtime) as server:
        page = browser.new_page()
        try:
            page.goto(f"{server.url}/chat-launch/")
            page.click("#ghl-webchat-bubble")
            page.fill("#ghl-webchat-start input[name=name]", "Paula Page")
            page.fill("#ghl-webchat-start input[name=email]", "paula@example.com")
            page.click("#ghl-webchat-start button")
            page.fill("#ghl-webchat-send input[name=message]", "Hello from the funnel")
            page.click("#ghl-webchat-send button")
            expect(page.locator(".ghl-webchat-visitor")).to_have_text("Hello from the funnel")
        finally:
            page.close()
    assert [body for body, _c in _inbound(runtime)] == ["Hello from the funnel"]
