"""The funnel server over real HTTP on a loopback port: published pages, the cache, form posts
and what protects them, surveys, previews, custom domains, proxies, page-view batching."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.models.integrations import AnalyticsEvent
from ghl_desktop.models.sites import FormSubmission, SurveyResponse
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.sites import analytics, funnels, pages
from ghl_desktop.services.sites.signing import Signer, issue_preview_token, load_signing_key
from tests.conftest import Tenant
from tests.e2e.sites_kit import (
    FUNNEL_SLUG,
    XSS,
    Site,
    build_site,
    client,
    clone_site,
    hidden,
    lead,
    running_server,
    site_template,
    wait_past_fill_time,
)

HOME = f"/{FUNNEL_SLUG}/"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site_template(tmp_path_factory.mktemp("site-template") / "data")


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Iterator[Site]:
    cloned = clone_site(template, tmp_path / "data")
    yield cloned
    cloned.runtime.close()


def count(rt: Runtime, model: Any, *where: Any) -> int:
    with rt.uows.system(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


def form_page(http: httpx.Client, path: str = HOME) -> tuple[str, str]:
    response = http.get(path)
    assert response.status_code == 200
    return hidden(response.text, "_form"), hidden(response.text, "_token")


@pytest.fixture
def served(site: Site) -> Iterator[httpx.Client]:
    with running_server(site.runtime) as server, client(server) as http:
        yield http


# -- pages ----------------------------------------------------------------------------------
def test_published_page_is_served_with_security_headers_and_a_session(served: httpx.Client):
    response = served.get(HOME)
    assert response.status_code == 200
    assert "<h1>Grow your agency</h1>" in response.text
    assert "<title>Spring Launch</title>" in response.text
    assert "Leads for Springfield &amp; &lt;b&gt;Co&lt;/b&gt;" in response.text  # custom value
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    cookie = headers["set-cookie"]
    assert cookie.startswith("ghl_sid=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # The session is kept: no new cookie, a new token for the same session.
    again = served.get(f"/{FUNNEL_SLUG}")
    assert "set-cookie" not in again.headers
    assert hidden(again.text, "_token") != hidden(response.text, "_token")


def test_unknown_addresses_get_the_404_page_with_headers(served: httpx.Client):
    for path in ("/", "/nope", f"/{FUNNEL_SLUG}/nope", f"/{FUNNEL_SLUG}/quiz/extra"):
        response = served.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_visitors_see_only_published_versions_and_republishing_shows_the_new_one(site: Site):
    uows, owner, sub = site.uows, site.tenant.owner, site.tenant.sub_account_id
    draft_only = funnels.add_step(
        uows, owner, sub, site.funnel.funnel.id, "Secret", slug_text="secret"
    )
    with running_server(site.runtime) as server, client(server) as http:
        assert http.get(f"/{FUNNEL_SLUG}/secret").status_code == 404
        pages.update_page(
            uows,
            owner,
            sub,
            site.thanks_id,
            {"builder_json": {"blocks": [{"type": "heading", "props": {"text": "Draft text"}}]}},
        )
        time.sleep(1.2)  # the cache would have noticed a change by now
        assert "Draft text" not in http.get(f"/{FUNNEL_SLUG}/thank-you").text
        pages.publish_page(uows, owner, sub, site.thanks_id)
        eventually(lambda: "Draft text" in http.get(f"/{FUNNEL_SLUG}/thank-you").text)
        pages.revert_page(uows, owner, sub, site.thanks_id, 1)
        eventually(lambda: "We will be in touch" in http.get(f"/{FUNNEL_SLUG}/thank-you").text)
        pages.publish_page(uows, owner, sub, draft_only.page_id)
        eventually(lambda: http.get(f"/{FUNNEL_SLUG}/secret").status_code == 200)
        funnels.set_published(uows, owner, sub, site.funnel.funnel.id, False)
        eventually(lambda: http.get(HOME).status_code == 404)


def test_published_pages_are_rendered_once_until_something_changes(site: Site):
    with running_server(site.runtime) as server, client(server) as http:
        for _ in range(20):
            assert http.get(f"/{FUNNEL_SLUG}/thank-you").status_code == 200
        assert server.state.cache.renders == 1


def test_preview_shows_the_draft_only_with_a_valid_signed_link(site: Site):
    uows, owner, sub = site.uows, site.tenant.owner, site.tenant.sub_account_id
    pages.update_page(
        uows,
        owner,
        sub,
        site.thanks_id,
        {"builder_json": {"blocks": [{"type": "heading", "props": {"text": "Work in progress"}}]}},
    )
    signer = Signer(load_signing_key(site.runtime.secrets))
    now = site.runtime.clock.now()
    good = issue_preview_token(signer, site.thanks_id, now + timedelta(minutes=5))
    stale = issue_preview_token(signer, site.thanks_id, now - timedelta(seconds=1))
    with running_server(site.runtime) as server, client(server) as http:
        shown = http.get(f"/_preview/{site.thanks_id}", params={"token": good})
        assert shown.status_code == 200
        assert "Work in progress" in shown.text
        assert shown.headers["x-robots-tag"] == "noindex"
        for token in (stale, good + "x", ""):
            assert (
                http.get(f"/_preview/{site.thanks_id}", params={"token": token}).status_code == 404
            )
        assert "Work in progress" not in http.get(f"/{FUNNEL_SLUG}/thank-you").text


def test_custom_domain_routes_by_host_header(site: Site):
    uows, owner, sub = site.uows, site.tenant.owner, site.tenant.sub_account_id
    funnels.update_funnel(
        uows, owner, sub, site.funnel.funnel.id, {"custom_domain": "Go.Example.com"}
    )
    with running_server(site.runtime) as server, client(server) as http:
        eventually(lambda: http.get("/", headers={"host": "go.example.com"}).status_code == 200)
        home = http.get("/", headers={"host": "go.example.com:8787"})
        assert "Grow your agency" in home.text
        quiz = http.get("/quiz", headers={"host": "go.example.com"})
        assert quiz.status_code == 200
        assert "Your goal?" in quiz.text
        assert (
            http.get(f"/{FUNNEL_SLUG}/quiz", headers={"host": "go.example.com"}).status_code == 404
        )
        # The default host still serves the funnel under its slug.
        assert http.get(f"/{FUNNEL_SLUG}/quiz").status_code == 200


def test_health_reports_the_queues(served: httpx.Client):
    served.get(HOME)
    body = served.get("/_health").json()
    assert body["status"] == "ok"
    assert body["cached_pages"] >= 1


# -- forms ----------------------------------------------------------------------------------
def test_a_form_post_creates_the_contact_and_goes_to_the_next_step(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        form_id, token = form_page(http, HOME + "?utm_source=newsletter&utm_campaign=spring")
        wait_past_fill_time(rt)
        response = http.post(
            HOME + "?utm_source=newsletter&utm_campaign=spring",
            data=lead(
                form_id,
                token,
                full_name="Ada Lovelace",
                phone="(415) 555-2671",
                company="Analytical Engines",
                interest="Ads",
                plan="Pro",
                extras=["Audit", "Call"],
                start_date="2026-02-01",
                budget="2500",
                _ref="https://www.google.com/",
            ),
            headers={"user-agent": "Mozilla/5.0 test"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/{FUNNEL_SLUG}/quiz"
    with rt.uows.system(read_only=True) as uow:
        contact = uow.session.scalars(select(Contact)).one()
        assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")
        assert (contact.email, contact.phone) == ("ada@example.com", "+14155552671")
        assert contact.company == "Analytical Engines"
        assert contact.source == "form"
        tags = uow.session.scalars(
            select(Tag.name).join(ContactTag, ContactTag.tag_id == Tag.id)
        ).all()
        assert tags == ["Website lead"]
        submission = uow.session.scalars(select(FormSubmission)).one()
        assert submission.contact_id == contact.id
        assert submission.is_processed
        assert submission.page_id == site.home_id
        assert submission.ip_address == "127.0.0.1"
        assert submission.user_agent == "Mozilla/5.0 test"
        assert submission.data["extras"] == ["Audit", "Call"]
        assert submission.data["budget"] == 2500
        assert submission.data["agree"] is True
        assert submission.data["utm_source"] == "newsletter"  # the hidden field, from the URL
        assert submission.utm["utm_campaign"] == "spring"
        assert submission.utm["referrer"] == "https://www.google.com/"
        names = uow.session.scalars(select(DomainEventRecord.name)).all()
        assert "form.submitted" in names
        assert "contact.created" in names
        conversion = uow.session.scalars(
            select(AnalyticsEvent).where(AnalyticsEvent.event_name == "form_submitted")
        ).one()
        assert conversion.contact_id == contact.id
        assert conversion.properties["funnel_id"] == site.funnel.funnel.id


def test_a_second_post_matches_the_contact_by_email_then_by_phone(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        for values in (
            {"email": "ada@example.com", "phone": "+14155552671"},
            {"email": "ADA@Example.com", "full_name": "Ada King"},
            {"email": "other@example.com", "phone": "415-555-2671", "full_name": "Ada King"},
        ):
            form_id, token = form_page(http)
            wait_past_fill_time(rt)
            assert http.post(HOME, data=lead(form_id, token, **values)).status_code == 303
    with rt.uows.system(read_only=True) as uow:
        contacts = uow.session.scalars(select(Contact)).all()
        assert len(contacts) == 1
        assert contacts[0].last_name == "King"  # the visitor corrected their name
        assert contacts[0].email == "ada@example.com"  # matched by phone: email kept
    assert count(rt, FormSubmission) == 3


def test_invalid_posts_show_messages_and_keep_what_was_typed(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        response = http.post(
            HOME,
            data=lead(
                form_id,
                token,
                full_name="Grace Hopper",
                email="not-an-email",
                agree=None,
                interest="Other",
                budget="lots",
                message="Hello\nthere",
            ),
        )
        assert response.status_code == 422
        text = response.text
        assert 'value="Grace Hopper"' in text
        assert 'value="not-an-email"' in text
        assert ">Hello\nthere</textarea>" in text
        assert "is not a valid email address" in text
        assert "must be ticked to continue" in text
        assert "is not one of the choices offered" in text
        assert "must be a number" in text
        assert hidden(text, "_token") == token  # the fill time keeps counting from the start
        # Fixed, the same form goes through.
        fixed = http.post(HOME, data=lead(form_id, token, email="grace@example.com"))
        assert fixed.status_code == 303
    assert count(rt, FormSubmission) == 1


def test_xss_in_every_field_renders_inert(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        payload = dict.fromkeys(("full_name", "company", "message", "start_date"), XSS)
        response = http.post(HOME, data=lead(form_id, token, email=XSS, **payload))
        assert response.status_code == 422
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text
        assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in response.text
        # Stored as typed where valid, and never executable on the next pages.
        ok = http.post(HOME, data=lead(form_id, token, full_name=XSS, company=XSS, message=XSS))
        assert ok.status_code == 303
        for path in (f"/{FUNNEL_SLUG}/quiz", f"/{FUNNEL_SLUG}/thank-you", HOME):
            assert "<script>alert" not in http.get(path).text
    with rt.uows.system(read_only=True) as uow:
        assert uow.session.scalars(select(FormSubmission.data)).one()["message"] == XSS


def test_thank_you_message_replaces_the_form(runtime: Runtime, tenant: Tenant):
    site = build_site(runtime, tenant, on_success="message")
    with running_server(runtime) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(runtime)
        response = http.post(HOME, data=lead(form_id, token))
        assert response.status_code == 200
        assert "Thanks, we will call you." in response.text
        assert 'name="_form"' not in response.text
    assert count(runtime, FormSubmission, FormSubmission.form_id == site.form.id) == 1


# -- protection -----------------------------------------------------------------------------
def test_posts_without_a_valid_token_or_session_are_refused(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http, client(server) as other:
        form_id, token = form_page(http)
        _, other_token = form_page(other)  # another browser's session
        wait_past_fill_time(rt)
        cases = [
            lead(form_id, ""),
            lead(form_id, "123.01a2e3c4-0000-7000-8000-000000000000.forged"),
            lead(form_id, other_token),
            lead(form_id, token[:-2] + "AA"),
        ]
        for data in cases:
            response = http.post(HOME, data=data)
            assert response.status_code == 403, data["_token"]
            assert "expired" in response.text
        no_cookie = httpx.post(server.url + HOME, data=lead(form_id, token))
        assert no_cookie.status_code == 403
    assert count(rt, FormSubmission) == 0


def test_honeypot_and_too_fast_posts_are_dropped_silently(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        form_id, token = form_page(http)
        too_fast = http.post(HOME, data=lead(form_id, token))  # no time passed on the clock
        assert too_fast.status_code == 303
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        bot = http.post(HOME, data=lead(form_id, token, **{"contact-website": "http://spam"}))
        assert bot.status_code == 303
        assert server.state.stats["dropped_posts"] == 2
    assert count(rt, FormSubmission) == 0
    assert count(rt, Contact) == 0


def test_double_submit_stores_one_submission(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        first = http.post(HOME, data=lead(form_id, token))
        second = http.post(HOME, data=lead(form_id, token))
        assert first.status_code == second.status_code == 303
    assert count(rt, FormSubmission) == 1
    assert count(rt, DomainEventRecord, DomainEventRecord.name == "form.submitted") == 1


def test_rate_limit_answers_429_per_address(site: Site):
    rt = site.runtime
    with running_server(rt, submissions_per_minute=3) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        codes = [http.post(HOME, data=lead(form_id, token)).status_code for _ in range(4)]
        assert codes == [303, 303, 303, 429]
        limited = http.post(HOME, data=lead(form_id, token))
        assert int(limited.headers["retry-after"]) >= 1
        assert "Too many attempts" in limited.text
        assert http.get(HOME).status_code == 200  # pages stay reachable


def test_body_limit_answers_413(site: Site):
    rt = site.runtime
    with running_server(rt, max_body_bytes=4096) as server, client(server) as http:
        form_id, token = form_page(http)
        wait_past_fill_time(rt)
        big = http.post(HOME, data=lead(form_id, token, message="x" * 5000))
        assert big.status_code == 413

        def chunks() -> Iterator[bytes]:
            yield b"_form=" + form_id.encode()
            for _ in range(10):
                yield b"&message=" + b"y" * 1000

        streamed = http.post(
            HOME, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert streamed.status_code == 413
    assert count(rt, FormSubmission) == 0


def test_non_form_bodies_and_unknown_forms_are_refused(served: httpx.Client):
    form_id, token = form_page(served)
    assert served.post(HOME, json={"_form": form_id}).status_code == 415
    assert served.post(HOME, data={"_form": "nope", "_token": token}).status_code == 400
    files = {"upload": ("x.txt", b"data", "text/plain")}
    assert served.post(HOME, data={"_form": form_id}, files=files).status_code == 400


def test_forwarded_headers_are_believed_only_from_trusted_proxies(site: Site):
    rt = site.runtime
    forwarded = {"x-forwarded-for": "198.51.100.7, 203.0.113.9", "x-forwarded-proto": "https"}
    for trusted, expected in (((), "127.0.0.1"), (("127.0.0.1",), "203.0.113.9")):
        with running_server(rt, trusted_proxies=trusted) as server, client(server) as http:
            response = http.get(HOME, headers=forwarded)
            assert ("Secure" in response.headers["set-cookie"]) == bool(trusted)
            form_id, token = form_page(http)
            wait_past_fill_time(rt)
            email = f"{expected}@example.com".replace(".", "-", 3)
            assert (
                http.post(
                    HOME, data=lead(form_id, token, email=email), headers=forwarded
                ).status_code
                == 303
            )
        with rt.uows.system(read_only=True) as uow:
            stored = uow.session.scalars(
                select(FormSubmission.ip_address).order_by(
                    FormSubmission.created_at.desc(), FormSubmission.id.desc()
                )
            ).first()
        assert stored == expected


# -- surveys --------------------------------------------------------------------------------
def _answer(http: httpx.Client, text: str, **answer: str) -> httpx.Response:
    data = {"_survey": hidden(text, "_survey"), "_state": hidden(text, "_state"), **answer}
    return http.post(f"/{FUNNEL_SLUG}/quiz", data=data)


def test_a_survey_goes_step_by_step_with_progress_and_scores(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        page = http.get(f"/{FUNNEL_SLUG}/quiz").text
        assert "Question 1 of 3" in page
        assert "Your goal?" in page
        wait_past_fill_time(rt)
        missing = _answer(http, page)
        assert missing.status_code == 422
        assert "is required" in missing.text
        second = _answer(http, page, goal="More leads")
        assert second.status_code == 200
        assert "Question 2 of 3" in second.text
        third = _answer(http, second.text, budget="$1k+")
        assert "Question 3 of 3" in third.text
        assert "Your email" in third.text
        done = _answer(http, third.text, email="quiz@example.com")
        assert done.status_code == 200
        assert "Quiz done!" in done.text
        again = _answer(http, third.text, email="quiz@example.com")  # double submit
        assert "Quiz done!" in again.text
    with rt.uows.system(read_only=True) as uow:
        response = uow.session.scalars(select(SurveyResponse)).one()
        assert response.answers == {
            "goal": "More leads",
            "budget": "$1k+",
            "email": "quiz@example.com",
        }
        assert response.score == 15
        assert response.completed_at is not None
        contact = uow.session.get(Contact, response.contact_id)
        assert contact is not None
        assert contact.email == "quiz@example.com"
        names = uow.session.scalars(select(DomainEventRecord.name)).all()
        assert names.count("survey.submitted") == 1


def test_a_survey_answer_jumps_ahead(site: Site):
    rt = site.runtime
    with running_server(rt) as server, client(server) as http:
        page = http.get(f"/{FUNNEL_SLUG}/quiz").text
        wait_past_fill_time(rt)
        jumped = _answer(http, page, goal="Just looking")
        assert "Question 3 of 3" in jumped.text
        tampered = jumped.text.replace(hidden(jumped.text, "_state"), hidden(page, "_state") + "x")
        assert _answer(http, tampered, email="a@example.com").status_code == 403
        assert "Quiz done!" in _answer(http, jumped.text, email="look@example.com").text
    with rt.uows.system(read_only=True) as uow:
        response = uow.session.scalars(select(SurveyResponse)).one()
        assert response.score == 1
        assert "budget" not in response.answers


# -- analytics ------------------------------------------------------------------------------
def test_page_views_are_written_in_batches_off_the_request_path(site: Site):
    rt = site.runtime
    inserts: list[int] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO analytics_events"):
            inserts.append(len(params) if isinstance(params, list) else 1)

    engine = rt.database.writer
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with running_server(rt) as server, client(server) as first, client(server) as second:
            for http in (first, second):
                for path in (HOME, f"/{FUNNEL_SLUG}/quiz"):
                    for _ in range(25):
                        assert http.get(path + "?utm_source=ads").status_code == 200
            assert len(inserts) <= 3  # a second's views go in one statement
        assert sum(inserts) == 100
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    stats = analytics.funnel_stats(
        rt.uows,
        site.tenant.owner,
        site.tenant.sub_account_id,
        site.funnel.funnel.id,
        since=rt.clock.now() - timedelta(days=1),
        until=rt.clock.now() + timedelta(days=1),
    )
    assert stats.views == 100
    assert stats.unique_visitors == 2
    home, quiz, thanks = stats.steps
    assert (home.views, home.visitors, quiz.visitors, thanks.visitors) == (50, 2, 2, 0)
    assert quiz.reached == 1.0
    assert thanks.reached == 0.0
    with rt.uows.system(read_only=True) as uow:
        view = uow.session.scalars(select(AnalyticsEvent)).first()
        assert view is not None
        assert view.properties["utm_source"] == "ads"
        assert view.session_id
        assert view.source == "web"
