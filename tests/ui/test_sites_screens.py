"""The Sites screens driven through their widgets on the demo agency: funnels and steps, the
page editor (blocks, properties, publish, revert, live preview), the form builder, the
submissions table (XSS stays text, CSV export), statistics and the funnel server host."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.sites import Funnel, PageVersion
from ghl_desktop.services.sites import analytics, forms, pages, server_settings
from ghl_desktop.services.sites.analytics import PageView, PageViewBuffer
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.services.sites.submissions import FormPost
from ghl_desktop.services.sites.visitor_posts import process_posts
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.funnel_server_host import FunnelServerHost
from ghl_desktop.ui.screens.sites.form_builder import FormBuilder
from ghl_desktop.ui.screens.sites.funnel_dialog import FunnelDialog
from ghl_desktop.ui.screens.sites.models import plain_tooltip
from ghl_desktop.ui.screens.sites.page_editor import PageEditorDialog
from ghl_desktop.ui.screens.sites.preview_pane import find_browser
from ghl_desktop.ui.screens.sites.sites_screen import SitesScreen
from ghl_desktop.ui.screens.sites.stats_dialog import FunnelStatsDialog
from ghl_desktop.ui.screens.sites.step_dialog import StepDialog
from ghl_desktop.ui.screens.sites.submissions_dialog import SubmissionsDialog
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle

XSS = '<img src=x onerror=alert(1)><b>bold</b><script>alert("x")</script>'


@pytest.fixture
def host(ctx: UiContext, qtbot: QtBot) -> Iterator[FunnelServerHost]:
    server_settings.save(ctx.uows, ServerSettings(port=0))
    running = FunnelServerHost(ctx)
    ctx.funnel_server = running
    running.start()
    qtbot.waitUntil(lambda: running.is_running, timeout=WAIT_MS)
    yield running
    running.stop()


def sites(owner_window: OpenWindow, qtbot: QtBot) -> SitesScreen:
    screen = owner_window.window.open_screen("sites")
    assert isinstance(screen, SitesScreen)
    owner_window.settle(qtbot)
    return screen


def test_sites_lists_the_demo_funnel_and_its_steps(owner_window: OpenWindow, qtbot: QtBot):
    screen = sites(owner_window, qtbot)
    assert "sites" in list(owner_window.window.nav.keys())
    funnel = screen.funnels.current()
    assert funnel is not None
    assert funnel.name == "Product Launch Funnel"
    steps = screen.funnels.steps
    qtbot.waitUntil(lambda: steps.model.rowCount() == 4, timeout=WAIT_MS)
    assert [s.slug for s in steps.model.items()] == ["", "watch-demo", "pricing", "thank-you"]
    assert screen.forms.model.rowCount() == 2


def test_create_a_funnel_add_and_reorder_steps(owner_window: OpenWindow, qtbot: QtBot):
    screen = sites(owner_window, qtbot)
    panel = screen.funnels
    click(qtbot, panel.buttons["NewFunnel"])
    dialog = find_dialog(qtbot, panel, FunnelDialog)
    qtbot.keyClicks(dialog.name, "Summer Sale")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=WAIT_MS)
    panel.table.select_row(panel.model.find_row(lambda f: f.name == "Summer Sale"))
    steps = panel.steps
    qtbot.waitUntil(lambda: steps.model.rowCount() == 1, timeout=WAIT_MS)
    click(qtbot, steps.buttons["AddStep"])
    step_dialog = find_dialog(qtbot, steps, StepDialog)
    qtbot.keyClicks(step_dialog.name, "Order Form")
    click(qtbot, step_dialog.ok_button)
    qtbot.waitUntil(lambda: steps.model.rowCount() == 2, timeout=WAIT_MS)
    steps.table.select_row(1)
    click(qtbot, steps.buttons["StepUp"])
    qtbot.waitUntil(
        lambda: [s.slug for s in steps.model.items()] == ["order-form", ""], timeout=WAIT_MS
    )


def test_a_bad_slug_is_shown_in_the_funnel_dialog(owner_window: OpenWindow, qtbot: QtBot):
    screen = sites(owner_window, qtbot)
    click(qtbot, screen.funnels.buttons["NewFunnel"])
    dialog = find_dialog(qtbot, screen.funnels, FunnelDialog)
    qtbot.keyClicks(dialog.name, "Anything")
    qtbot.keyClicks(dialog.slug, "Not A Slug!")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=WAIT_MS)
    assert dialog.error_label.text().startswith("Slug: ")
    assert dialog.isVisible()


def _editor(
    owner_window: OpenWindow, qtbot: QtBot, screen: SitesScreen, slug: str
) -> PageEditorDialog:
    steps = screen.funnels.steps
    qtbot.waitUntil(lambda: steps.model.rowCount() == 4, timeout=WAIT_MS)
    steps.table.select_row(steps.model.find_row(lambda s: s.slug == slug))
    click(qtbot, steps.buttons["EditPage"])
    editor = find_dialog(qtbot, steps, PageEditorDialog)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=WAIT_MS)
    return editor


def test_page_editor_edits_blocks_publishes_and_reverts(
    owner_window: OpenWindow, qtbot: QtBot, host: FunnelServerHost, tmp_path: Path
):
    ctx = owner_window.ctx
    screen = sites(owner_window, qtbot)
    editor = _editor(owner_window, qtbot, screen, "thank-you")
    assert editor.blocks.list.count() == 1
    editor.blocks.add("hero")
    hero = editor.properties.editors["title"]
    assert isinstance(hero, QLineEdit)
    hero.selectAll()
    qtbot.keyClicks(hero, "See you soon, <friend>")
    qtbot.waitUntil(lambda: editor.status.text().startswith("Draft saved"), timeout=WAIT_MS)
    page = pages.get_page(
        ctx.uows,
        owner_window.workspace.actor,
        owner_window.workspace.snapshot.sub_account.id,
        editor.page_id,
    )  # type: ignore[union-attr]
    assert page.builder_json["blocks"][1]["props"]["title"] == "See you soon, <friend>"
    click(qtbot, editor.publish_button)
    qtbot.waitUntil(lambda: "Published as v2" in editor.status.text(), timeout=WAIT_MS)
    menu = editor.versions_button.menu()
    qtbot.waitUntil(lambda: len(menu.actions()) == 2, timeout=WAIT_MS)
    assert "(live)" in menu.actions()[0].text()
    menu.actions()[1].trigger()  # back to v1
    qtbot.waitUntil(lambda: "v1 is live again" in editor.status.text(), timeout=WAIT_MS)
    assert editor.blocks.list.count() == 1
    with ctx.uows.system(read_only=True) as uow:
        versions = uow.session.scalars(select(PageVersion.version)).all()
    assert 2 in versions
    if find_browser() is not None:  # the live preview, pictured by headless Chromium
        qtbot.waitUntil(lambda: editor.preview.pixmap is not None, timeout=60_000)
        editor.grab().save(str(tmp_path / "page-editor.png"))
        assert editor.preview.pixmap.width() > 100  # type: ignore[union-attr]
    editor.close()


def test_form_builder_creates_a_form(owner_window: OpenWindow, qtbot: QtBot):
    screen = sites(owner_window, qtbot)
    screen.tabs.setCurrentWidget(screen.forms)
    click(qtbot, screen.forms.buttons["NewForm"])
    builder = find_dialog(qtbot, screen.forms, FormBuilder)
    qtbot.keyClicks(builder.name, "Webinar sign-up")
    builder.table.add_row({"key": "seats", "label": "Seats", "type": "number"})
    qtbot.keyClicks(builder.tags, "Webinar, Lead")
    click(qtbot, builder.ok_button)
    qtbot.waitUntil(lambda: screen.forms.model.rowCount() == 3, timeout=WAIT_MS)
    created = next(f for f in screen.forms.model.items() if f.name == "Webinar sign-up")
    assert [f["key"] for f in created.fields] == ["full_name", "email", "phone", "seats"]
    assert created.settings["tags"] == ["Webinar", "Lead"]


def test_form_builder_shows_service_errors(owner_window: OpenWindow, qtbot: QtBot):
    screen = sites(owner_window, qtbot)
    screen.tabs.setCurrentWidget(screen.forms)
    click(qtbot, screen.forms.buttons["NewForm"])
    builder = find_dialog(qtbot, screen.forms, FormBuilder)
    qtbot.keyClicks(builder.name, "Broken")
    builder.table.add_row({"key": "Bad Key", "type": "text"})
    click(qtbot, builder.ok_button)
    qtbot.waitUntil(lambda: builder.error_label.isVisible(), timeout=WAIT_MS)
    assert builder.error_label.text().startswith("Fields[3].key: ")


def _submit_xss(ctx: UiContext, sub: str, form_id: str) -> None:
    form = forms.get_form(ctx.uows, owner_of(ctx), sub, form_id)
    values: dict[str, Any] = {f["key"]: XSS for f in form.fields if f["type"] == "text"}
    values["email"] = "xss@example.com"
    post = FormPost(sub_account_id=sub, form_id=form.id, submission_id=new_id(),
                    fields=form.fields, tags=(), values=values, region="US",
                    user_agent=XSS)  # fmt: skip
    [result] = process_posts(ctx.uows, [post])
    assert not isinstance(result, Exception)


def owner_of(ctx: UiContext) -> Any:
    from ghl_desktop.services.actor import SYSTEM

    return SYSTEM


def test_submissions_show_xss_as_text_and_export_safe_csv(
    owner_window: OpenWindow, qtbot: QtBot, tmp_path: Path
):
    ctx = owner_window.ctx
    screen = sites(owner_window, qtbot)
    sub = owner_window.workspace.snapshot.sub_account.id  # type: ignore[union-attr]
    lead_form = next(f for f in screen.forms.model.items() if f.name == "Lead Capture Form")
    _submit_xss(ctx, sub, lead_form.id)
    screen.tabs.setCurrentWidget(screen.forms)
    screen.forms.table.select_row(screen.forms.model.find_row(lambda f: f.id == lead_form.id))
    click(qtbot, screen.forms.buttons["ViewForm"])
    dialog = find_dialog(qtbot, screen.forms, SubmissionsDialog)
    wait_idle(qtbot, ctx)
    model = dialog.model
    row = model.find_row(lambda r: r.data.get("email") == "xss@example.com")
    assert row >= 0
    name_column = model.HEADERS.index("Full name")
    index = model.index(row, name_column)
    assert index.data(Qt.ItemDataRole.DisplayRole) == XSS  # the text, not a picture
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip
    assert "&lt;img src=x" in tooltip
    assert tooltip == plain_tooltip(XSS)
    contact_cell = model.index(row, 1).data(Qt.ItemDataRole.DisplayRole)
    assert contact_cell.startswith("<img src=x")  # the contact's name: what was typed
    for label in dialog.findChildren(QLabel):
        assert "<img" not in label.text() or label.textFormat() == Qt.TextFormat.PlainText
    dialog.table.select_row(row)
    dialog.grab().save(str(tmp_path / "submissions-xss.png"))
    out = tmp_path / "submissions.csv"
    dialog.export_to(out)
    qtbot.waitUntil(lambda: "Exported" in dialog.summary.text(), timeout=WAIT_MS)
    exported = {r["email"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert exported["xss@example.com"]["full_name"] == XSS
    assert exported["xss@example.com"]["user_agent"] == XSS
    dialog.close()


def test_statistics_dialog_shows_views_and_steps(owner_window: OpenWindow, qtbot: QtBot):
    ctx = owner_window.ctx
    screen = sites(owner_window, qtbot)
    funnel = screen.funnels.current()
    assert funnel is not None
    steps = screen.funnels.steps
    qtbot.waitUntil(lambda: steps.model.rowCount() == 4, timeout=WAIT_MS)
    actor, sub_account_id = owner_window.workspace.actor, funnel.sub_account_id
    before = analytics.funnel_stats(ctx.uows, actor, sub_account_id, funnel.id)
    assert before.views > 0  # the demo's visitors
    now = ctx.runtime.clock.now() - timedelta(minutes=1)
    buffer = PageViewBuffer()
    first, second = steps.model.items()[:2]
    for n in range(6):
        buffer.add(PageView(sub_account_id, funnel.id, first.page_id, f"s{n}",
                            now - timedelta(days=n % 3), "/"))  # fmt: skip
    for n in range(3):
        buffer.add(PageView(sub_account_id, funnel.id, second.page_id, f"s{n}", now, "/"))
    buffer.flush(ctx.uows)
    stats = analytics.funnel_stats(ctx.uows, actor, sub_account_id, funnel.id)
    assert stats.views == before.views + 9
    assert stats.unique_visitors == before.unique_visitors + 6
    click(qtbot, steps.buttons["FunnelStats"])
    dialog = find_dialog(qtbot, steps, FunnelStatsDialog)
    qtbot.waitUntil(lambda: hasattr(dialog, "stats"), timeout=WAIT_MS)
    assert dialog.views.value.text() == str(stats.views)
    assert dialog.visitors.value.text() == str(stats.unique_visitors)
    assert sum(v for _, v in dialog.chart.bars) == stats.views
    # The second step's share of the first step's visitors, as a whole percentage.
    assert dialog.steps.item(1, 3).text() == f"{stats.steps[1].reached:.0%}"


def test_the_host_runs_the_server_and_reports_it(
    owner_window: OpenWindow, qtbot: QtBot, host: FunnelServerHost
):
    ctx = owner_window.ctx
    state = ctx.status.state("funnel_server")
    qtbot.waitUntil(lambda: ctx.status.state("funnel_server") is not None, timeout=WAIT_MS)
    state = ctx.status.state("funnel_server")
    assert state is not None
    assert state.text == host.url
    screen = sites(owner_window, qtbot)
    screen.tabs.setCurrentWidget(screen.server)
    assert "Running on http://127.0.0.1:" in screen.server.state.text()
    import httpx

    assert httpx.get(f"{host.url}/_health").json()["status"] == "ok"
    page = httpx.get(f"{host.url}/product-launch/pricing")
    assert page.status_code == 200
    assert "Monthly" in page.text
    with ctx.uows.system(read_only=True) as uow:
        assert uow.session.scalar(select(Funnel.slug)) == "product-launch"
    # The settings panel saves and restarts on the new settings.
    screen.server.rate.setValue(25)
    click(qtbot, screen.server.save_button)
    qtbot.waitUntil(
        lambda: host.is_running and host.settings is not None
        and host.settings.submissions_per_minute == 25,
        timeout=WAIT_MS,
    )  # fmt: skip
    assert isinstance(screen.server.save_button, QPushButton)
    assert isinstance(screen.server.public_url, QLineEdit)
    assert not isinstance(screen.server.public_url, QPlainTextEdit)
