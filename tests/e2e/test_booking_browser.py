"""The booking page in headless Chromium: the visitor's zone is detected by the page's script
(under its strict CSP), a time is picked, details entered, and the confirmation shown."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright
from sqlalchemy import select

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.models.calendars import Appointment
from tests.conftest import _runtime, fresh_sqlite_data_dir, make_tenant
from tests.e2e.sites_kit import running_server
from tests.e2e.test_sites_browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.calendar_kit import build
from tests.speed import fast_password_hashing

__all__ = ["fast_password_hashing"]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.usefixtures("fast_password_hashing"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _shot(page, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    copy_to = os.environ.get("GHL_E2E_SHOTS")
    if copy_to:
        Path(copy_to).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copy_to) / path.name)
    assert path.stat().st_size > 5000


def test_visitor_in_kolkata_books_a_slot(browser: Browser, tmp_path: Path) -> None:
    rt = _runtime(fresh_sqlite_data_dir(tmp_path / "data"), None, FixedClock())
    t = make_tenant(rt)
    build(rt, t, staff=1)
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  timezone_id="Asia/Kolkata")  # fmt: skip
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    try:
        with running_server(rt) as server:
            page.goto(f"http://127.0.0.1:{server.port}/_book/{t.sub_account_id}/owner")
            page.wait_for_url("**tz=Asia%2F*")  # the script found the zone
            # Chromium still calls it by its old name.
            assert page.locator("select#tz").input_value() in ("Asia/Kolkata", "Asia/Calcutta")
            # Monday 09:00 New York (the first time past the notice) is 19:30 in Kolkata.
            first = page.locator(".slots a").first
            assert first.inner_text().strip() == "19:30"
            _shot(page, tmp_path, "booking-slots")
            first.click()
            page.fill("#name", "Ravi Kumar")
            page.fill("#email", "ravi@example.com")
            _shot(page, tmp_path, "booking-details")
            page.click("button[type=submit]")
            page.wait_for_url("**/_book/done/**")
            assert "You are booked" in page.content()
            assert "19:30" in page.inner_text("main")
            _shot(page, tmp_path, "booking-done")
    finally:
        context.close()
        with rt.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
            booked = uow.session.scalars(select(Appointment.invitee_timezone)).all()
        rt.close()
    assert not problems, problems
    assert list(booked) in (["Asia/Kolkata"], ["Asia/Calcutta"])
