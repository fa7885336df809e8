"""The sites services on SQLite and PostgreSQL: funnels and steps, publishing and reverting,
permissions and tenancy, forms, capturing contacts from posts (batched), surveys, what visitors
may see, and funnel statistics from analytics events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.integrations import AnalyticsEvent
from ghl_desktop.models.sites import FormSubmission, PageEditor
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services import agencies, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites import analytics, forms, funnels, pages, public
from ghl_desktop.services.sites.analytics import PageView, PageViewBuffer
from ghl_desktop.services.sites.submissions import FormPost, list_submissions
from ghl_desktop.services.sites.visitor_posts import process_posts
from tests.conftest import TEST_PASSWORD, make_tenant


def _setup(rt: Runtime) -> tuple[Any, Actor, str]:
    tenant = make_tenant(rt)
    return tenant, tenant.owner, tenant.sub_account_id


def _blocks(*texts: str) -> dict[str, Any]:
    return {"blocks": [{"type": "heading", "props": {"text": t}} for t in texts]}


def test_funnels_steps_publish_and_revert(any_runtime: Runtime):
    rt = any_runtime
    _tenant, owner, sub = _setup(rt)
    uows = rt.uows
    detail = funnels.create_funnel(uows, owner, sub, "Spring Launch!")
    assert detail.funnel.slug == "spring-launch"
    assert [s.slug for s in detail.steps] == [""]
    home = detail.steps[0].page_id
    offer = funnels.add_step(uows, owner, sub, detail.funnel.id, "Special Offer")
    thanks = funnels.add_step(uows, owner, sub, detail.funnel.id, "Thanks", slug_text="thanks")
    with pytest.raises(Conflict):
        funnels.add_step(uows, owner, sub, detail.funnel.id, "Again", slug_text="thanks")
    order = [home, thanks.page_id, offer.page_id]
    reordered = funnels.reorder_steps(uows, owner, sub, detail.funnel.id, order)
    assert [s.page_id for s in reordered.steps] == order
    assert [s.position for s in reordered.steps] == [0, 1, 2]
    with pytest.raises(ValidationError):
        funnels.reorder_steps(uows, owner, sub, detail.funnel.id, order[:2])

    pages.update_page(uows, owner, sub, offer.page_id, {"builder_json": _blocks("v1")})
    first = pages.publish_page(uows, owner, sub, offer.page_id)
    pages.update_page(uows, owner, sub, offer.page_id, {"builder_json": _blocks("v2")})
    page = pages.get_page(uows, owner, sub, offer.page_id)
    assert page.has_unpublished_changes
    second = pages.publish_page(uows, owner, sub, offer.page_id)
    assert (first.version, second.version) == (1, 2)
    seen = public.published_page(uows, host=None, funnel_slug="spring-launch",
                                 page_slug="special-offer")  # fmt: skip
    assert seen is not None
    assert seen.builder_json["blocks"][0]["props"]["text"] == "v2"
    reverted = pages.revert_page(uows, owner, sub, offer.page_id, 1)
    assert reverted.published_version == 1
    assert reverted.builder_json["blocks"][0]["props"]["text"] == "v1"
    assert not reverted.has_unpublished_changes
    assert [v.is_current for v in reverted.versions] == [True, False]
    seen = public.published_page(uows, host=None, funnel_slug="spring-launch",
                                 page_slug="special-offer")  # fmt: skip
    assert seen is not None
    assert seen.builder_json["blocks"][0]["props"]["text"] == "v1"
    assert seen.next_slug is None  # "thanks" never published: no next step to link to

    funnels.remove_step(uows, owner, sub, thanks.page_id)
    after = funnels.get_funnel(uows, owner, sub, detail.funnel.id)
    assert [(s.page_id, s.position) for s in after.steps] == [(home, 0), (offer.page_id, 1)]
    with rt.uows.system(read_only=True) as uow:
        names = uow.session.scalars(select(DomainEventRecord.name)).all()
    assert names.count("page.published") == 2
    assert names.count("page.reverted") == 1


def test_slugs_and_domains_are_unique_across_sub_accounts(any_runtime: Runtime):
    rt = any_runtime
    tenant, owner, sub = _setup(rt)
    uows = rt.uows
    mine = funnels.create_funnel(uows, owner, sub, "Launch", custom_domain="Go.Example.com")
    assert mine.funnel.custom_domain == "go.example.com"
    with pytest.raises(Conflict, match="slug"):
        funnels.create_funnel(uows, owner, tenant.other_sub_account_id, "Launch")
    with pytest.raises(Conflict, match="custom_domain"):
        funnels.create_funnel(uows, owner, tenant.other_sub_account_id, "Other",
                              custom_domain="go.example.com")  # fmt: skip
    for bad in ({"slug": "Bad Slug"}, {"custom_domain": "http://x"}, {"settings": {"x": 1}}):
        with pytest.raises(ValidationError):
            funnels.update_funnel(uows, owner, sub, mine.funnel.id, bad)
    funnels.delete_funnel(uows, owner, sub, mine.funnel.id)
    # A deleted funnel frees its name.
    again = funnels.create_funnel(uows, owner, tenant.other_sub_account_id, "Launch")
    assert again.funnel.slug == "launch"


def test_pages_refuse_bad_documents_and_unknown_forms(any_runtime: Runtime):
    rt = any_runtime
    tenant, owner, sub = _setup(rt)
    uows = rt.uows
    home = funnels.create_funnel(uows, owner, sub, "Launch").steps[0].page_id
    other_form = forms.create_form(uows, owner, tenant.other_sub_account_id, "Theirs",
                                   [{"key": "email", "type": "email"}])  # fmt: skip
    with pytest.raises(ValidationError, match="form"):
        pages.update_page(uows, owner, sub, home, {"builder_json": {"blocks": [
            {"type": "form", "props": {"form_id": other_form.id}}]}})  # fmt: skip
    with pytest.raises(ValidationError, match="html"):
        pages.update_page(uows, owner, sub, home, {"editor": "html", "html": "{% if %}"})
    with pytest.raises(ValidationError):
        pages.update_page(uows, owner, sub, home, {"published_version_id": "x"})
    page = pages.update_page(uows, owner, sub, home, {"editor": "html", "html": "<h1>Hi</h1>"})
    assert page.editor is PageEditor.HTML


def test_permissions_and_tenancy(any_runtime: Runtime):
    rt = any_runtime
    tenant, owner, sub = _setup(rt)
    uows = rt.uows
    home = funnels.create_funnel(uows, owner, sub, "Launch").steps[0].page_id
    info = users.create_user(uows, owner, tenant.agency_id, "staff@acme-agency.com",
                             TEST_PASSWORD, role="staff", sub_account_id=sub)  # fmt: skip
    staff = Actor(user_id=info.id, label="staff")
    assert [f.name for f in funnels.list_funnels(uows, staff, sub)] == ["Launch"]
    with pytest.raises(PermissionDenied):
        pages.publish_page(uows, staff, sub, home)
    with pytest.raises(PermissionDenied):
        forms.create_form(uows, staff, sub, "Mine")
    with pytest.raises(NotFound):
        pages.publish_page(uows, owner, tenant.other_sub_account_id, home)
    with pytest.raises(NotFound):
        funnels.list_funnels(uows, staff, tenant.other_sub_account_id)


def test_visitors_never_see_archived_sub_accounts(any_runtime: Runtime):
    rt = any_runtime
    _tenant, owner, sub = _setup(rt)
    detail = funnels.create_funnel(rt.uows, owner, sub, "Launch")
    pages.publish_page(rt.uows, owner, sub, detail.steps[0].page_id)
    assert public.published_page(rt.uows, host=None, funnel_slug="launch", page_slug="")
    stamp = public.content_stamp(rt.uows)
    agencies.set_sub_account_archived(rt.uows, owner, sub, True)
    assert public.published_page(rt.uows, host=None, funnel_slug="launch", page_slug="") is None
    assert public.content_stamp(rt.uows) != stamp


def _post(sub: str, form: Any, **values: Any) -> FormPost:
    return FormPost(sub_account_id=sub, form_id=form.id, submission_id=new_id(),
                    fields=form.fields, tags=tuple(form.settings["tags"]), values=values,
                    region="US", session_id="s")  # fmt: skip


def test_posts_in_one_batch_link_one_contact_and_survive_a_bad_neighbour(any_runtime: Runtime):
    rt = any_runtime
    _tenant, owner, sub = _setup(rt)
    uows = rt.uows
    with uows.tenant(owner, sub) as uow:
        uow.session.add(ContactCustomField(key="budget", label="Budget",
                                           field_type=CustomFieldType.NUMBER))  # fmt: skip
        uow.commit()
    form = forms.create_form(uows, owner, sub, "Lead", [
        {"key": "name", "type": "text"}, {"key": "email", "type": "email"},
        {"key": "phone", "type": "phone"}, {"key": "budget", "type": "text"},
        {"key": "colour", "type": "text"},
    ], {"tags": ["Lead", "Spring"]})  # fmt: skip
    good = [
        _post(sub, form, name="Ada Lovelace", email="ada@example.com", budget="1200"),
        _post(sub, form, name="Ada L", email="ada@example.com", phone="+14155552671"),
        _post(sub, form, name="Bob", phone="415 555 2671", budget="lots", colour="red"),
        _post(sub, form, colour="no contact details"),
    ]
    duplicate = good[0]
    results = process_posts(uows, [*good, duplicate])
    assert not any(isinstance(r, Exception) for r in results), results
    ada = results[0]
    assert ada.is_new_contact  # type: ignore[union-attr]
    assert results[1].contact_id == ada.contact_id  # type: ignore[union-attr]
    assert results[2].contact_id == ada.contact_id  # matched by phone  # type: ignore[union-attr]
    assert results[3].contact_id is None  # type: ignore[union-attr]
    assert results[4].is_duplicate  # type: ignore[union-attr]
    with uows.system(read_only=True) as uow:
        contact = uow.session.get(Contact, ada.contact_id)  # type: ignore[union-attr]
        assert contact is not None
        assert contact.first_name == "Bob"  # the latest post's name
        assert contact.custom_fields == {"budget": 1200}  # "lots" is no number: not copied
        assert uow.session.scalar(select(func.count()).select_from(FormSubmission)) == 4
        unlinked = uow.session.scalars(
            select(FormSubmission).where(FormSubmission.contact_id.is_(None))
        ).one()
        assert not unlinked.is_processed
        names = uow.session.scalars(select(DomainEventRecord.name)).all()
    assert names.count("form.submitted") == 4
    assert names.count("contact.created") == 1
    assert names.count("contact.tag_added") == 2
    rows = list_submissions(uows, owner, sub, form.id)
    assert len(rows) == 4
    assert {r.contact_name for r in rows} == {"Bob L", ""}  # "Ada L", then "Bob"


def test_a_required_custom_field_leaves_the_submission_unlinked(any_runtime: Runtime):
    rt = any_runtime
    _tenant, owner, sub = _setup(rt)
    with rt.uows.tenant(owner, sub) as uow:
        uow.session.add(ContactCustomField(key="industry", label="Industry", is_required=True,
                                           field_type=CustomFieldType.TEXT))  # fmt: skip
        uow.commit()
    form = forms.create_form(rt.uows, owner, sub, "Lead", [{"key": "email", "type": "email"}])
    [outcome] = process_posts(rt.uows, [_post(sub, form, email="x@example.com")])
    assert not isinstance(outcome, Exception)
    assert outcome.contact_id is None
    with rt.uows.system(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_page_views_flush_and_funnel_stats(any_runtime: Runtime):
    rt = any_runtime
    _tenant, owner, sub = _setup(rt)
    uows = rt.uows
    detail = funnels.create_funnel(uows, owner, sub, "Launch")
    offer = funnels.add_step(uows, owner, sub, detail.funnel.id, "Offer")
    home = detail.steps[0].page_id
    now = rt.clock.now()
    buffer = PageViewBuffer()
    journeys = {
        "s1": [home, offer.page_id],
        "s2": [home, home],
        "s3": [home],
        "s4": [offer.page_id],
    }
    for session, visited in journeys.items():
        for page_id in visited:
            buffer.add(PageView(sub, detail.funnel.id, page_id, session, now, "/launch/"))
    assert buffer.flush(uows) == 6
    assert buffer.flush(uows) == 0
    with uows.tenant(owner, sub) as uow:
        uow.session.add(AnalyticsEvent(
            event_name="form_submitted", category="conversion", session_id="s1",
            properties={"funnel_id": detail.funnel.id, "page_id": offer.page_id},
            created_at=now, updated_at=now))  # fmt: skip
        uow.commit()
    stats = analytics.funnel_stats(
        uows,
        owner,
        sub,
        detail.funnel.id,
        since=now - timedelta(hours=1),
        until=now + timedelta(hours=1),
    )
    assert (stats.views, stats.unique_visitors, stats.conversions) == (6, 4, 1)
    first, second = stats.steps
    assert (first.views, first.visitors, first.reached) == (4, 3, 1.0)
    assert (second.views, second.visitors, second.conversions) == (2, 2, 1)
    assert second.reached == pytest.approx(2 / 3)
    assert second.conversion_rate == 0.5
    assert stats.daily_views == ((now.date(), 6),)
    assert stats.conversion_rate == 0.25
