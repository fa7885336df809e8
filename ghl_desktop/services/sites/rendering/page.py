"""Render a published page (or a draft, for the preview) to HTML.

Builder pages go through our templates with autoescape on: every visitor value and every
text property is escaped; rich text is sanitised; custom HTML blocks and raw HTML pages run in
the sandbox. Per-visitor parts - a form's CSRF token, a survey's state - are left as
placeholders (``@@ghl:form:<id>@@``) so the same HTML can be cached and the server fills them
for each request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites.blocks import check_document
from ghl_desktop.services.sites.public import PublicForm, PublicSurvey, PublishedPage
from ghl_desktop.services.sites.rendering.environment import (
    asset_version,
    countdown_text,
    environment,
    rich,
    video_embed,
)
from ghl_desktop.services.sites.surveys import progress
from ghl_desktop.services.sites.templating import fill_custom_values, render_owner_template

log = logging.getLogger(__name__)

_SAFE_URL = re.compile(r"^(?:https?://|/|#|mailto:|tel:)[^\s<>\"']*$", re.IGNORECASE)
PLACEHOLDER = re.compile(r"@@ghl:(form|survey):([0-9a-f-]{36})@@")
_STRICT_SCRIPTS = "script-src 'self'"
_OWNER_SCRIPTS = "script-src 'self' 'unsafe-inline' https:; connect-src 'self' https:"
_CSP = (
    "default-src 'self'; {scripts}; style-src 'self' 'unsafe-inline' https:; "
    "img-src 'self' https: http: data:; media-src 'self' https: http:; font-src 'self' https: "
    "data:; frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
STRICT_CSP = _CSP.format(scripts=_STRICT_SCRIPTS)
OWNER_CSP = _CSP.format(scripts=_OWNER_SCRIPTS)


def placeholder(kind: str, target_id: str) -> str:
    return f"@@ghl:{kind}:{target_id}@@"


@dataclass(frozen=True)
class FormState:
    """A form shown again after a failed post: what was typed, the errors, its token."""

    values: Mapping[str, list[str]]
    errors: Mapping[str, str]
    token: str


@dataclass(frozen=True)
class SurveyView:
    """A survey at one question (``question`` None: the survey is closed)."""

    question: Mapping[str, Any] | None
    position: int
    total: int
    state: str
    typed: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def is_last(self) -> bool:
        return self.position >= self.total


@dataclass(frozen=True)
class Rendered:
    html: str
    csp: str


def first_view(survey: PublicSurvey) -> SurveyView:
    if not survey.questions or not survey.is_active:
        return SurveyView(None, 0, 0, "")
    first = survey.questions[0]
    position, total = progress(survey.questions, first["key"])
    return SurveyView(first, position, total, placeholder("survey", survey.id))


def _css(text: str) -> Markup:
    # The owner's code, as written; only a closing tag could end the element early.
    return Markup(text.replace("</", "<\\/"))  # noqa: S704


def safe_url(value: Any) -> str:
    """A link or address fit for an attribute; anything else (``javascript:``...) is "#"."""
    text = str(value or "").strip()
    return text if text and _SAFE_URL.match(text) else "#"


def _link_maker(page: PublishedPage, base_path: str) -> Callable[[str, str], str]:
    def link(action: str, href: str) -> str:
        if action == "next_step" and page.next_slug is not None:
            return f"{base_path}/{page.next_slug}" if page.next_slug else f"{base_path}/"
        return safe_url(href)

    return link


def render_page(
    page: PublishedPage,
    *,
    base_path: str,
    now: datetime | None = None,
    form_states: Mapping[str, FormState] | None = None,
    survey_views: Mapping[str, SurveyView] | None = None,
    thanks: Mapping[str, str] | None = None,
) -> Rendered:
    """``base_path``: ``/<funnel slug>`` on the default host, ``""`` on a custom domain."""
    env = environment()
    values = page.custom_values
    form_states, survey_views, thanks = form_states or {}, survey_views or {}, thanks or {}
    owner_code = page.editor == "html"

    def form_block(form_id: str, title: str) -> Markup:
        form: PublicForm | None = page.forms.get(form_id)
        if form is None:
            return Markup("")
        state = form_states.get(form_id)
        token = state.token if state else placeholder("form", form_id)
        module: Any = env.get_template("form.html").module
        return Markup(  # noqa: S704 (our autoescaped template)
            module.render_form(
                form, fill_custom_values(title, values), state, thanks.get(form_id), token
            )
        )

    def survey_block(survey_id: str, title: str) -> Markup:
        survey = page.surveys.get(survey_id)
        if survey is None:
            return Markup("")
        view = survey_views.get(survey_id) or first_view(survey)
        module: Any = env.get_template("survey.html").module
        return Markup(  # noqa: S704 (our autoescaped template)
            module.render_survey(
                survey, fill_custom_values(title, values), view, thanks.get(survey_id)
            )
        )

    def owner_html(source: str) -> Markup:
        nonlocal owner_code
        owner_code = True
        return Markup(render_owner_template(source, values))  # noqa: S704 (the owner's markup)

    if page.editor == "html":
        body = owner_html(page.html)
        if "<html" in page.html.lower():
            return Rendered(_inject(str(body), page.css, page.js), OWNER_CSP)
    else:
        body = Markup(  # noqa: S704 (our autoescaped template)
            env.get_template("blocks.html").render(
                blocks=_blocks(page.builder_json),
                link=_link_maker(page, base_path),
                cv=lambda text: fill_custom_values(str(text), values),
                url=safe_url,
                form_block=form_block,
                survey_block=survey_block,
                owner_html=owner_html,
                video_embed=video_embed,
                rich=lambda text: rich(str(text), values),
                countdown_text=lambda ends, expired: countdown_text(ends, expired, now),
            )
        )
    settings = page.funnel_settings
    html = env.get_template("page.html").render(
        title=fill_custom_values(page.seo_title or page.page_name, values),
        description=fill_custom_values(page.seo_description, values),
        social_image=page.seo_image_url or settings.get("social_image_url") or "",
        favicon=settings.get("favicon_url") or "",
        asset_version=asset_version(),
        css=_css(page.css) if page.editor == "html" else "",
        js=_css(page.js) if page.editor == "html" else "",
        body=body,
    )
    return Rendered(html, OWNER_CSP if owner_code else STRICT_CSP)


def _blocks(document: Mapping[str, Any]) -> list[Any]:
    """The document's blocks with every property checked and defaults filled in. A block
    that does not pass the checks (stored before they existed) is left out, not shown raw."""
    try:
        return list(check_document(document)["blocks"])
    except ValidationError:
        pass
    kept = []
    for block in document.get("blocks") or []:
        try:
            kept.extend(check_document({"blocks": [block]})["blocks"])
        except ValidationError as exc:
            log.warning("block left out of the page: %s", exc)
    return kept


def _inject(document: str, css: str, js: str) -> str:
    """A full HTML document of the owner's, with their CSS and JS added to it."""
    if css:
        style = f"<style>{_css(css)}</style>"
        at = document.lower().rfind("</head>")
        document = document[:at] + style + document[at:] if at >= 0 else style + document
    if js:
        script = f"<script>{_css(js)}</script>"
        at = document.lower().rfind("</body>")
        document = document[:at] + script + document[at:] if at >= 0 else document + script
    return document
