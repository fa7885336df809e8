"""Sites tables on SQLite and PostgreSQL: funnel children cascade, captured leads block form
and survey purges, optional links clear, slugs and domains are unique where they route."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import exc, func, select, text

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.sites import (
    Form,
    FormSubmission,
    Funnel,
    Page,
    PageType,
    PageVersion,
    Survey,
    SurveyResponse,
)
from ghl_desktop.models.tenancy import User
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    contact,
    count,
    purge,
    purge_is_refused,
    tenant_uow,
)


def funnel(uow: UnitOfWork, **kw: Any) -> Funnel:
    kw.setdefault("name", "Product launch")
    kw.setdefault("slug", "launch")
    return add(uow, Funnel(**kw))


def page(uow: UnitOfWork, f: Funnel, slug: str = "", **kw: Any) -> Page:
    kw.setdefault("name", slug or "Landing")
    kw.setdefault(
        "builder_json",
        {"version": "1.0", "blocks": [{"type": "hero", "props": {"title": "Welcome"}}]},
    )
    return add(uow, Page(funnel_id=f.id, slug=slug, **kw))


def publish(uow: UnitOfWork, p: Page, user_id: str | None = None) -> PageVersion:
    """What the publish service does: snapshot the page and point at the snapshot."""
    latest = uow.session.scalar(
        select(func.coalesce(func.max(PageVersion.version), 0)).where(PageVersion.page_id == p.id)
    )
    version = add(
        uow,
        PageVersion(
            page_id=p.id, version=latest + 1, editor=p.editor, html=p.html,
            builder_json=p.builder_json, seo_title=p.seo_title, published_at=uow.clock.now(),
            published_by_user_id=user_id,
        ),
    )  # fmt: skip
    p.published_version_id = version.id
    uow.flush()
    return version


def form(uow: UnitOfWork, **kw: Any) -> Form:
    kw.setdefault("name", "Lead capture")
    kw.setdefault("fields", [{"key": "email", "label": "Email", "type": "email"}])
    return add(uow, Form(**kw))


def test_funnel_purge_cascades_to_pages_and_versions(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        f = funnel(uow)
        landing = page(uow, f, page_type=PageType.LANDING)
        page(uow, f, "thank-you", page_type=PageType.THANK_YOU, position=1)
        publish(uow, landing)
        publish(uow, landing)
        fm = form(uow)
        sub = add(uow, FormSubmission(form_id=fm.id, page_id=landing.id, data={"email": "a@b.c"}))
        uow.commit()
    purge(any_runtime, t, Funnel, f.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Page) == 0
        assert count(uow, PageVersion) == 0
        # The lead captured on a purged page stays, without the page.
        kept = uow.session.get(FormSubmission, sub.id)
        assert kept is not None
        assert (kept.page_id, kept.data) == (None, {"email": "a@b.c"})


def test_published_version_link_clears_when_the_version_goes(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with any_runtime.uows.system() as uow:
        editor = add(uow, User(email="editor@acme-agency.com", password_hash="x"))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        p = page(uow, funnel(uow))
        v1 = publish(uow, p)
        v2 = publish(uow, p, editor.id)
        uow.commit()
    assert (v1.version, v2.version) == (1, 2)
    with any_runtime.uows.system() as uow:  # a purged user leaves the snapshot anonymous
        uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": editor.id})
        uow.commit()
    purge(any_runtime, t, PageVersion, v2.id)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Page, p.id)
        assert stored is not None
        assert stored.published_version_id is None
        kept = uow.session.get(PageVersion, v1.id)
        assert kept is not None
        assert kept.published_by_user_id is None


def test_captured_leads_block_form_and_survey_purges(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        used, unused = form(uow), form(uow, name="Unused")
        survey = add(uow, Survey(name="Fit check", questions=[{"key": "budget"}]))
        empty_survey = add(uow, Survey(name="Empty"))
        sub = add(uow, FormSubmission(form_id=used.id, contact_id=c.id, data={"email": "a@b.c"}))
        resp = add(
            uow, SurveyResponse(survey_id=survey.id, contact_id=c.id, answers={"budget": "5k"})
        )
        uow.commit()
    purge_is_refused(any_runtime, t, Form, used.id)
    purge_is_refused(any_runtime, t, Survey, survey.id)
    purge(any_runtime, t, Form, unused.id)
    purge(any_runtime, t, Survey, empty_survey.id)
    # The product deletes forms softly: the submissions stay reachable.
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Form, used.id)
        assert stored is not None
        stored.deleted_at = any_runtime.clock.now()
        uow.commit()
    purge(any_runtime, t, Contact, c.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Form) == 1
        kept_sub = uow.session.get(FormSubmission, sub.id)
        kept_resp = uow.session.get(SurveyResponse, resp.id)
        assert kept_sub is not None
        assert kept_resp is not None
        assert (kept_sub.contact_id, kept_resp.contact_id) == (None, None)
        assert kept_resp.answers == {"budget": "5k"}


def test_funnel_slugs_are_unique_among_live_funnels_of_a_sub_account(
    any_runtime: Runtime,
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        first = funnel(uow)
        uow.commit()
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        funnel(uow)  # same slug, other sub-account
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        funnel(uow)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Funnel, first.id)
        assert stored is not None
        stored.deleted_at = any_runtime.clock.now()
        uow.flush()
        funnel(uow)  # the deleted funnel no longer holds the slug
        uow.commit()


def test_page_slugs_are_unique_per_funnel(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a, b = funnel(uow), funnel(uow, slug="webinar")
        page(uow, a, "pricing")
        page(uow, b, "pricing")
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        page(uow, a, "pricing")


def test_a_custom_domain_routes_to_one_live_funnel(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        funnel(uow, custom_domain="shop.example.com")
        funnel(uow, slug="no-domain-1")
        funnel(uow, slug="no-domain-2")
        uow.commit()
    with (
        tenant_uow(any_runtime, t, t.other_sub_account_id) as uow,
        pytest.raises(exc.IntegrityError),
    ):
        funnel(uow, custom_domain="shop.example.com")
    with tenant_uow(any_runtime, t) as uow:
        assert len(uow.session.scalars(select(Funnel)).all()) == 3


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("pages", "page_type = 'blog'"),
        ("pages", "editor = 'wysiwyg'"),
        ("page_versions", "version = 0"),
        ("funnels", "custom_domain = 'Shop.Example.com'"),
    ],
)
def test_checks_hold_below_the_orm(any_runtime: Runtime, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        publish(uow, page(uow, funnel(uow)))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))
