"""The sites CLI: funnels list, pages publish, forms submissions (JSON and CSV) and `serve`
running in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ghl_desktop.cli import main
from ghl_desktop.core.ids import new_id
from ghl_desktop.services.sites import pages
from ghl_desktop.services.sites.submissions import FormPost
from ghl_desktop.services.sites.visitor_posts import process_posts
from tests.e2e.sites_kit import FUNNEL_SLUG, XSS, Site, clone_site, site_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site_template(tmp_path_factory.mktemp("site-template") / "data")


@pytest.fixture
def site(template: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    cloned = clone_site(template, tmp_path / "data")
    yield cloned
    cloned.runtime.close()


def run(site: Site, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(site.runtime.data_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_funnels_list_and_stats(site: Site, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(site, capsys, "funnels", "list", "--sub-account",
                       site.tenant.sub_account_id, "--json")  # fmt: skip
    assert code == 0
    [funnel] = json.loads(out)
    assert funnel["slug"] == FUNNEL_SLUG
    assert funnel["step_count"] == 3
    assert funnel["is_published"] is True
    code, out, _ = run(site, capsys, "funnels", "list", "--sub-account", site.tenant.sub_account_id)
    assert "spring-launch" in out
    code, out, _ = run(site, capsys, "funnels", "stats", site.funnel.funnel.id, "--json")
    assert code == 0
    assert [s["slug"] for s in json.loads(out)["steps"]] == ["", "quiz", "thank-you"]
    code, _, err = run(site, capsys, "funnels", "list", "--sub-account", "nope")
    assert code == 1
    assert "sub-account not found" in err


def test_pages_publish_makes_the_next_version(site: Site, capsys: pytest.CaptureFixture[str]):
    owner, sub = site.tenant.owner, site.tenant.sub_account_id
    pages.update_page(site.uows, owner, sub, site.thanks_id, {"seo_title": "New"})
    code, out, _ = run(site, capsys, "pages", "publish", site.thanks_id, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["version"] == 2
    assert result["is_current"] is True
    code, _, err = run(site, capsys, "pages", "publish", new_id())
    assert code == 1
    assert "page not found" in err


def _submit(site: Site, **values: Any) -> None:
    post = FormPost(
        sub_account_id=site.tenant.sub_account_id, form_id=site.form.id, submission_id=new_id(),
        fields=site.form.fields, tags=(), values=values, region="US", ip_address="203.0.113.5",
        utm={"utm_source": "=cmd|' /C calc'!A0"},
    )  # fmt: skip
    [result] = process_posts(site.uows, [post])
    assert not isinstance(result, Exception)


def test_forms_submissions_as_json_table_and_safe_csv(
    site: Site, capsys: pytest.CaptureFixture[str]
):
    _submit(site, full_name="Ada Lovelace", email="ada@example.com", message=XSS)
    _submit(site, full_name="=HYPERLINK(\"http://evil\")", email="evil@example.com",
            message="line\x1b[31mred")  # fmt: skip
    code, out, _ = run(site, capsys, "forms", "submissions", site.form.id, "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["data"]["email"] for r in rows} == {"ada@example.com", "evil@example.com"}
    assert rows[0]["utm"]["utm_source"].startswith("=cmd")
    code, out, _ = run(site, capsys, "forms", "submissions", site.form.id)
    assert "\x1b" not in out
    assert "ada@example.com" in out
    code, out, _ = run(site, capsys, "forms", "submissions", site.form.id, "--csv")
    table = list(csv.DictReader(io.StringIO(out)))
    by_email = {row["email"]: row for row in table}
    assert by_email["evil@example.com"]["full_name"] == '\'=HYPERLINK("http://evil")'
    assert by_email["evil@example.com"]["utm_source"] == "'=cmd|' /C calc'!A0"
    assert by_email["ada@example.com"]["message"] == XSS  # text for a spreadsheet, not a page


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(site: Site, port: int) -> subprocess.Popen[str]:
    env = dict(os.environ, GHL_DESKTOP_SECRETS="file", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "ghl_desktop", "--data-dir", str(site.runtime.data_dir),
         "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _wait_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(url + "/_health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve never answered")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_in_the_foreground_and_stops_cleanly(site: Site, stop: signal.Signals):
    site.runtime.close()  # the server process owns the database now
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(site, port)
    try:
        _wait_up(url, process)
        page = httpx.get(f"{url}/{FUNNEL_SLUG}/")
        assert page.status_code == 200
        assert "Grow your agency" in page.text
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"Funnel server on {url}" in out
    assert "Funnel server stopped." in out
    assert f'"GET /{FUNNEL_SLUG}/ HTTP/1.1" 200' in err  # the access log


def test_serve_reports_a_port_in_use(site: Site, capsys: pytest.CaptureFixture[str]):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, _, err = run(site, capsys, "serve", "--port", port)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
