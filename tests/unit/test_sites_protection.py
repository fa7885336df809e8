"""Signed tokens, the rate limiter, routes, the cached page split at its placeholders, the
server settings and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.funnel_server.cache import CachedPage, Route, parse_route
from ghl_desktop.funnel_server.protection import RateLimiter, valid_session_id
from ghl_desktop.services.sites.csv_export import safe_cell, write_submissions_csv
from ghl_desktop.services.sites.server_settings import ServerSettings, validate
from ghl_desktop.services.sites.signing import (
    Signer,
    SurveyState,
    check_preview_token,
    issue_form_token,
    issue_preview_token,
    issue_survey_state,
    read_form_token,
    read_survey_state,
)
from ghl_desktop.services.sites.submissions import SubmissionRow
from tests.unit.test_sites_rendering import published

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SIGNER = Signer(b"k" * 32)
FORM = "01a20000-0000-7000-8000-000000000001"


def test_form_tokens_are_bound_to_session_and_form():
    token = issue_form_token(SIGNER, "session-a", FORM, NOW)
    read = read_form_token(SIGNER, token, "session-a", FORM)
    assert read is not None
    assert read.issued_at == NOW
    assert len(read.nonce) == 36
    assert read_form_token(SIGNER, token, "session-b", FORM) is None
    assert read_form_token(SIGNER, token, "session-a", "other-form") is None
    assert read_form_token(Signer(b"x" * 32), token, "session-a", FORM) is None
    issued, nonce, signature = token.split(".")
    assert (
        read_form_token(SIGNER, f"{int(issued) + 1}.{nonce}.{signature}", "session-a", FORM) is None
    )
    assert read_form_token(SIGNER, "garbage", "session-a", FORM) is None
    assert issue_form_token(SIGNER, "session-a", FORM, NOW) != token  # a fresh nonce each time


def test_survey_state_round_trips_and_resists_tampering():
    state = SurveyState("01a20000-0000-7000-8000-0000000000aa", NOW, "q2", {"q1": "<b>"}, ("q1",))
    token = issue_survey_state(SIGNER, "s", "survey", state)
    assert read_survey_state(SIGNER, token, "s", "survey") == state
    assert read_survey_state(SIGNER, token, "other", "survey") is None
    body, signature = token.split(".")
    assert read_survey_state(SIGNER, body[:-2] + "AA." + signature, "s", "survey") is None


def test_preview_tokens_expire():
    token = issue_preview_token(SIGNER, "page", NOW + timedelta(minutes=5))
    assert check_preview_token(SIGNER, token, "page", NOW)
    assert not check_preview_token(SIGNER, token, "page", NOW + timedelta(minutes=6))
    assert not check_preview_token(SIGNER, token, "other", NOW)


def test_rate_limiter_refills_over_time_per_address():
    now = [0.0]
    limiter = RateLimiter(6, clock=lambda: now[0])
    assert [limiter.allow("a")[0] for _ in range(7)] == [True] * 6 + [False]
    assert limiter.allow("b")[0]
    allowed, wait = limiter.allow("a")
    assert not allowed
    assert wait == pytest.approx(10.0)
    now[0] = 10.0
    assert limiter.allow("a")[0]


def test_session_ids_must_look_like_ours():
    assert valid_session_id("abcdefghijklmnop") == "abcdefghijklmnop"
    for bad in (None, "", "short", "has space in it!!", "x" * 65, "<script>alert(1)</script>"):
        assert valid_session_id(bad) is None


def test_routes_by_path_and_custom_domain():
    domains = frozenset({"go.example.com"})
    assert parse_route("localhost", "/launch/", domains) == Route(None, "launch", "")
    assert parse_route("localhost", "/launch/thanks", domains) == Route(None, "launch", "thanks")
    assert parse_route("localhost", "/", domains) is None
    assert parse_route("localhost", "/a/b/c", domains) is None
    assert parse_route("go.example.com", "/", domains) == Route("go.example.com", None, "")
    assert parse_route("go.example.com", "/thanks", domains).base_path == ""  # type: ignore[union-attr]
    assert parse_route("go.example.com", "/a/b", domains) is None


def test_cached_pages_fill_each_placeholder_per_request():
    page = published()
    html = f"<p>@@ghl:form:{FORM}@@</p><i>@@ghl:survey:{FORM}@@</i>"
    entry = CachedPage.of(page, html, "csp")
    assert entry.static is None
    body = entry.body(lambda kind, target: f"[{kind}:{target[:4]}]")
    assert body == b"<p>[form:01a2]</p><i>[survey:01a2]</i>"
    assert CachedPage.of(page, "<p>plain</p>", "csp").static == b"<p>plain</p>"


def test_server_settings_are_checked():
    assert validate({}) == ServerSettings()
    everywhere = "0.0.0.0"  # noqa: S104 (a setting under test, nothing binds it)
    settings = validate({"host": everywhere, "port": "9000", "trusted_proxies": "10.0.0.0/8, ::1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1/128")
    assert settings.base_url(9000) == "http://127.0.0.1:9000"
    assert validate({"public_base_url": "https://pages.example.com/"}).base_url() == (
        "https://pages.example.com"
    )
    for bad, field in (
        ({"port": 70000}, "port"), ({"host": "bad host"}, "host"),
        ({"public_base_url": "ftp://x"}, "public_base_url"),
        ({"trusted_proxies": ["nope"]}, "trusted_proxies"),
        ({"min_fill_seconds": -1}, "min_fill_seconds"), ({"colour": 1}, "colour"),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            validate(bad)
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
        ("+1 415 555", "'+1 415 555"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"), ("plain", "plain"), (["a", "b"], "a, b"), (True, "yes"), (None, ""),
        ("bell\x07", "bell"),
    ],
)  # fmt: skip
def test_csv_cells_cannot_run_as_formulas(value: object, cell: str):
    assert safe_cell(value) == cell


def test_csv_export_has_a_column_per_field():
    out = io.StringIO()
    row = SubmissionRow(
        "s1", FORM, NOW, None, "=cmd", None, "Home", {"email": "a@b.co", "note": "=1+1"},
        "1.2.3.4", "UA", {"utm_source": "x"}, True,
    )  # fmt: skip
    fields = [{"key": "email"}, {"key": "note"}]
    assert write_submissions_csv(csv.writer(out), fields, [row]) == 1
    header, line = list(csv.reader(io.StringIO(out.getvalue())))
    assert header[4:6] == ["email", "note"]
    assert line[3] == "'=cmd"
    assert line[5] == "'=1+1"
    assert line[-4] == "x"
