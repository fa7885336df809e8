"""Shared by the sites tests: a funnel with a form and a survey, and the funnel server
running on a free loopback port in a background thread."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.funnel_server.runner import FunnelServer
from ghl_desktop.models.crm_lists import CustomValue
from ghl_desktop.services.sites import forms, funnels, pages, surveys
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.funnels import FunnelDetail
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.services.sites.surveys import SurveyInfo
from tests.conftest import Tenant, make_tenant
from tests.conftest import _runtime as test_runtime

FUNNEL_SLUG = "spring-launch"
XSS = '"><img src=x onerror=alert(1)><script>alert("xss")</script>'

LEAD_FIELDS: list[dict[str, Any]] = [
    {"key": "full_name", "label": "Full name", "type": "text", "required": True},
    {"key": "email", "label": "Email", "type": "email", "required": True},
    {"key": "phone", "label": "Phone", "type": "phone"},
    {"key": "company", "label": "Company", "type": "text"},
    {"key": "message", "label": "Message", "type": "textarea"},
    {"key": "interest", "label": "Interest", "type": "select", "options": ["SEO", "Ads"]},
    {"key": "plan", "label": "Plan", "type": "radio", "options": ["Basic", "Pro"]},
    {"key": "extras", "label": "Extras", "type": "checkbox", "options": ["Audit", "Call"]},
    {"key": "start_date", "label": "Start", "type": "date"},
    {"key": "budget", "label": "Budget", "type": "number", "rules": {"min": 0, "max": 100000}},
    {"key": "utm_source", "type": "hidden"},
    {"key": "agree", "label": "I agree to be contacted", "type": "consent", "required": True},
]

QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "goal",
        "label": "Your goal?",
        "type": "radio",
        "required": True,
        "options": ["More leads", "Just looking"],
        "jumps": {"Just looking": "email"},
        "scores": {"More leads": 10, "Just looking": 1},
    },
    {
        "key": "budget",
        "label": "Monthly budget?",
        "type": "select",
        "required": True,
        "options": ["< $1k", "$1k+"],
        "scores": {"< $1k": 1, "$1k+": 5},
    },
    {"key": "email", "label": "Your email", "type": "email", "required": True},
]


@dataclass
class Site:
    runtime: Runtime
    tenant: Tenant
    funnel: FunnelDetail
    form: FormInfo
    survey: SurveyInfo
    home_id: str
    quiz_id: str
    thanks_id: str

    @property
    def uows(self) -> Any:
        return self.runtime.uows


def build_site(rt: Runtime, tenant: Tenant, *, on_success: str = "next_step") -> Site:
    uows, owner, sub = rt.uows, tenant.owner, tenant.sub_account_id
    funnel = funnels.create_funnel(uows, owner, sub, "Spring Launch")
    form = forms.create_form(
        uows,
        owner,
        sub,
        "Lead form",
        LEAD_FIELDS,
        {
            "on_success": on_success,
            "tags": ["Website lead"],
            "thank_you_message": "Thanks, we will call you.",
        },
    )
    survey = surveys.create_survey(
        uows,
        owner,
        sub,
        "Fit quiz",
        QUESTIONS,
        {"scoring": True, "tags": ["Quiz"], "thank_you_message": "Quiz done!"},
    )
    home = funnel.steps[0].page_id
    pages.update_page(
        uows,
        owner,
        sub,
        home,
        {
            "seo_title": "Spring Launch",
            "seo_description": "Grow with us",
            "builder_json": {
                "blocks": [
                    {
                        "type": "hero",
                        "props": {
                            "title": "Grow your agency",
                            "subtitle": "Leads for {{custom_values.city}}",
                        },
                    },
                    {"type": "form", "props": {"form_id": form.id, "title": "Get a call"}},
                ]
            },
        },
    )
    quiz = funnels.add_step(uows, owner, sub, funnel.funnel.id, "Quiz")
    pages.update_page(
        uows,
        owner,
        sub,
        quiz.page_id,
        {"builder_json": {"blocks": [{"type": "survey", "props": {"survey_id": survey.id}}]}},
    )
    thanks = funnels.add_step(uows, owner, sub, funnel.funnel.id, "Thank you")
    pages.update_page(
        uows,
        owner,
        sub,
        thanks.page_id,
        {
            "builder_json": {
                "blocks": [
                    {"type": "heading", "props": {"text": "Thank you! We will be in touch."}}
                ]
            }
        },
    )
    with uows.tenant(owner, sub) as uow:  # the CRM's merge value the hero uses
        uow.session.add(CustomValue(key="city", label="City", value="Springfield & <b>Co</b>"))
        uow.commit()
    for page_id in (home, quiz.page_id, thanks.page_id):
        pages.publish_page(uows, owner, sub, page_id)
    return Site(
        rt,
        tenant,
        funnels.get_funnel(uows, owner, sub, funnel.funnel.id),
        form,
        survey,
        home,
        quiz.page_id,
        thanks.page_id,
    )


@contextmanager
def running_server(rt: Runtime, **settings: Any) -> Iterator[FunnelServer]:
    """The funnel server on 127.0.0.1, a free port; stopped (and its queues written) after."""
    options: dict[str, Any] = {"port": 0, "min_fill_seconds": 2, "submissions_per_minute": 1000}
    options.update(settings)
    server = FunnelServer(rt.uows, rt.clock, rt.secrets, ServerSettings(**options))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden input {name!r} in the page"
    return found.group(1)


def lead(form_id: str, token: str, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "_form": form_id,
        "_token": token,
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "agree": "on",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def wait_past_fill_time(rt: Runtime, seconds: float = 5) -> None:
    clock = rt.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(seconds=seconds))


def client(server: FunnelServer, **kwargs: Any) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10, **kwargs)


def site_template(folder: Path, *, on_success: str = "next_step") -> Site:
    """A data folder holding a tenant and the site, made once and copied per test (hashing the
    owner's password and migrating take seconds; copying the folder a quarter of one)."""
    rt = test_runtime(folder, None, FixedClock())
    try:
        return build_site(rt, make_tenant(rt), on_success=on_success)
    finally:
        rt.close()


def clone_site(template: Site, folder: Path) -> Site:
    shutil.copytree(template.runtime.data_dir, folder)
    return replace(template, runtime=test_runtime(folder, None, FixedClock()))
