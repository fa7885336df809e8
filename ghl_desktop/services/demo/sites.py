"""Demo sites (Location A): the published "Product Launch Funnel" - landing page with the
"Lead Capture Form", /watch-demo, /pricing with the "Get Started Form", /thank-you - the form
submissions that created website leads, and the visitors' page_viewed / form_submitted
analytics events grouped by session."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.integrations import AnalyticsEvent
from ghl_desktop.models.sites import (
    Form,
    FormSubmission,
    Funnel,
    Page,
    PageEditor,
    PageType,
    PageVersion,
)
from ghl_desktop.services.demo.common import (
    FEATURED_EMAIL,
    NEW_LEAD_EMAIL,
    Location,
    contacts_of,
    demo_random,
    exists,
    pick,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.demo.people import COMPANY_SIZES
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

FUNNEL_NAME = "Product Launch Funnel"
FUNNEL_SLUG = "product-launch"
LEAD_FORM = "Lead Capture Form"
START_FORM = "Get Started Form"
SUBMISSIONS = 24
ANONYMOUS_SESSIONS = 30
FEATURED_SESSION = "sess-abc123"
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
)
UTMS: tuple[dict[str, str], ...] = (
    {"utm_source": "facebook", "utm_medium": "cpc", "utm_campaign": "product-launch"},
    {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "product-launch"},
    {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "new-features"},
    {},
)
MESSAGES = (
    "Interested in your service",
    "Do you cater for 40 people on a weekday?",
    "Can I see a demo for our three locations?",
    "Looking for a private dining quote",
    "",
)


def _field(key: str, label: str, kind: str, required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "type": kind, "required": required, **extra}


FORMS = {
    LEAD_FORM: (
        [
            _field("full_name", "Full name", "text", True),
            _field("email", "Email", "email", True),
            _field("phone", "Phone", "phone"),
            _field("message", "Message", "textarea"),
        ],
        {"redirect_url": f"/{FUNNEL_SLUG}/watch-demo", "tags": ["Lead - Website"]},
    ),
    START_FORM: (
        [
            _field("full_name", "Full name", "text", True),
            _field("email", "Work email", "email", True),
            _field("company", "Company", "text"),
            _field("company_size", "Company size", "select", options=list(COMPANY_SIZES)),
        ],
        {"redirect_url": f"/{FUNNEL_SLUG}/thank-you", "tags": ["Lead - Website"]},
    ),
}


def _pages(funnel_id: str, forms: dict[str, Form]) -> list[Page]:
    def block(kind: str, **props: Any) -> dict[str, Any]:
        return {"type": kind, "props": props}

    specs = [
        ("Landing Page", "", PageType.LANDING, [
            block("hero", title="Welcome", subtitle="Everything your restaurant needs online",
                  image="/hero.jpg"),
            block("form", form_id=forms[LEAD_FORM].id),
        ]),
        ("Watch the Demo", "watch-demo", PageType.STANDARD, [
            block("heading", text="See it in action"),
            block("video", url="https://videos.example.com/product-launch-demo.mp4"),
            block("button", label="See pricing", href=f"/{FUNNEL_SLUG}/pricing"),
        ]),
        ("Pricing", "pricing", PageType.STANDARD, [
            block("pricing", plans=[{"name": "Monthly", "price": "$29/month"},
                                    {"name": "Yearly", "price": "$290/year",
                                     "note": "14-day free trial"}]),
            block("form", form_id=forms[START_FORM].id),
        ]),
        ("Thank You", "thank-you", PageType.THANK_YOU, [
            block("heading", text="Thank you! We'll be in touch within one business day."),
        ]),
    ]  # fmt: skip
    return [
        Page(
            id=new_id(), funnel_id=funnel_id, name=name, slug=slug, position=position,
            page_type=kind, editor=PageEditor.BUILDER,
            builder_json={"version": "1.0", "blocks": blocks}, seo_title=f"{name} | {FUNNEL_NAME}",
        )
        for position, (name, slug, kind, blocks) in enumerate(specs)
    ]  # fmt: skip


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location) -> None:
        self.uow = uow
        self.session = uow.session
        self.rng = demo_random("sites", location)
        self.now = uow.clock.now().replace(microsecond=0)
        self.events: list[AnalyticsEvent] = []
        self.funnel_id = ""
        self.page_ids: dict[str, str] = {}

    def build(self) -> None:
        self.uow.require("sites.publish")
        published = self.now - timedelta(days=95)
        funnel = Funnel(
            id=new_id(), name=FUNNEL_NAME, slug=FUNNEL_SLUG, is_published=True,
            published_at=published, description="Launch of our online ordering platform",
            created_at=published, updated_at=published,
        )  # fmt: skip
        forms = {
            name: Form(id=new_id(), name=name, fields=fields, settings=settings)
            for name, (fields, settings) in FORMS.items()
        }
        self.session.add_all([funnel, *forms.values()])
        self.session.flush()
        pages = _pages(funnel.id, forms)
        self.session.add_all(pages)
        self.session.flush()
        for page in pages:
            page.published_version = PageVersion(
                page_id=page.id, version=1, editor=page.editor, builder_json=page.builder_json,
                seo_title=page.seo_title, published_at=published,
                published_by_user_id=self.uow.actor.user_id,
            )  # fmt: skip
            self.session.add(page.published_version)
        self.session.flush()
        by_slug = {page.slug: page for page in pages}
        # The statistics read views and conversions by funnel and page id, like the server
        # records them.
        self.funnel_id = funnel.id
        self.page_ids = {page.slug: page.id for page in pages}
        self._submissions(forms, by_slug)
        self._anonymous_visits()
        self.session.add_all(self.events)

    def _submissions(self, forms: dict[str, Form], pages: dict[str, Page]) -> None:
        rng = self.rng
        leads = [c for c in contacts_of(self.uow) if c.source == "website_form" and c.email]
        named = (FEATURED_EMAIL, NEW_LEAD_EMAIL)
        featured = [c for c in leads if c.email in named]
        others = [c for c in leads if c.email not in named]
        chosen = featured + rng.sample(others, min(SUBMISSIONS - len(featured), len(others)))
        for contact in chosen:
            is_featured = contact.email == FEATURED_EMAIL
            form_name = LEAD_FORM if is_featured or rng.random() < 0.7 else START_FORM
            page = pages["" if form_name == LEAD_FORM else "pricing"]
            submitted = contact.created_at - timedelta(seconds=2)
            data = self._data(contact, form_name, rng)
            if is_featured:
                data["message"] = "Interested in your service"
            session_id = FEATURED_SESSION if is_featured else f"sess-{rng.getrandbits(40):010x}"
            self.session.add(
                FormSubmission(
                    form_id=forms[form_name].id, contact_id=contact.id, page_id=page.id,
                    data=data, ip_address=f"203.0.113.{rng.randint(1, 254)}",
                    user_agent=pick(rng, USER_AGENTS), utm=dict(pick(rng, UTMS)),
                    is_processed=True, processed_at=contact.created_at,
                    created_at=submitted, updated_at=contact.created_at,
                )
            )  # fmt: skip
            path = ["", "watch-demo"] if form_name == LEAD_FORM else ["", "watch-demo", "pricing"]
            # The description's journey: 45 seconds on /pricing, then back to the form.
            path, stays = (["", "pricing", ""], [20, 45, 30]) if is_featured else (path, None)
            self._visit(session_id, path, submitted, contact, forms[form_name], rng, stays)

    @staticmethod
    def _data(contact: Contact, form_name: str, rng: random.Random) -> dict[str, Any]:
        data: dict[str, Any] = {"full_name": contact.full_name, "email": contact.email}
        if form_name == LEAD_FORM:
            if contact.phone:
                data["phone"] = contact.phone
            message = pick(rng, MESSAGES)
            if message:
                data["message"] = message
        else:
            data["company"] = contact.company
            if "company_size" in contact.custom_fields:
                data["company_size"] = contact.custom_fields["company_size"]
        return data

    def _visit(
        self, session_id: str, path: list[str], until: datetime, contact: Contact | None,
        form: Form | None, rng: random.Random, stays: list[int] | None = None,
    ) -> None:  # fmt: skip
        """page_viewed events for ``path`` ending at ``until`` (then form_submitted)."""
        stays = stays or [rng.randint(15, 120) for _ in path]
        moment = until - timedelta(seconds=sum(stays) + 5)
        referrer = "https://www.google.com/"
        for slug, stay in zip(path, stays, strict=True):
            url = f"/{slug}"
            self._event("page_viewed", "engagement", session_id, contact, moment,
                        {"page_url": url, "referrer": referrer, "duration_seconds": stay,
                         **self._where(slug)})  # fmt: skip
            referrer, moment = url, moment + timedelta(seconds=stay)
        if form is not None:
            self._event("form_submitted", "conversion", session_id, contact, until,
                        {"form_id": form.id, "form_name": form.name, "page_url": referrer,
                         **self._where(path[-1])})  # fmt: skip

    def _where(self, slug: str) -> dict[str, str]:
        return {"funnel": FUNNEL_SLUG, "funnel_id": self.funnel_id, "page_id": self.page_ids[slug]}

    def _event(
        self, name: str, category: str, session_id: str, contact: Contact | None,
        when: datetime, properties: dict[str, Any],
    ) -> None:  # fmt: skip
        self.events.append(
            AnalyticsEvent(
                event_name=name, category=category, properties=properties, source="web",
                session_id=session_id, contact_id=contact.id if contact else None,
                created_at=when, updated_at=when,
            )
        )  # fmt: skip

    def _anonymous_visits(self) -> None:
        rng = self.rng
        for _ in range(ANONYMOUS_SESSIONS):
            length = rng.randint(1, 3)
            path = ["", "watch-demo", "pricing"][:length]
            when = self.now - timedelta(days=rng.uniform(0.1, 30))
            self._visit(f"sess-{rng.getrandbits(40):010x}", path, when.replace(microsecond=0),
                        None, None, rng)  # fmt: skip


def seed_sites(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Funnel.id).where(Funnel.name == FUNNEL_NAME)),
        lambda uow, location: _Builder(uow, location).build(),
        main_only=True,
    )
