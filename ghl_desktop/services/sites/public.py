"""What visitors may see: published pages looked up by address, across every sub-account.

Visitors are nobody's users, so these lookups run in a system unit of work and filter by hand:
a page is visible when its funnel is published and live, its sub-account is not archived, and
the page itself is live and has a published version. Only the published snapshot is ever
returned (``draft_page`` is for the owner's preview). Everything returned is plain data the
server can cache until ``content_stamp`` changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.models.crm_lists import CustomValue
from ghl_desktop.models.sites import Form, Funnel, Page, PageVersion, Survey
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.sites.blocks import referenced_ids
from ghl_desktop.services.sites.form_fields import normalise_settings
from ghl_desktop.services.sites.surveys import normalise_survey_settings
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class PublicForm:
    id: str
    name: str
    fields: tuple[dict[str, Any], ...]
    settings: dict[str, Any]


@dataclass(frozen=True)
class PublicSurvey:
    id: str
    name: str
    questions: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    is_active: bool


@dataclass(frozen=True)
class PublishedPage:
    sub_account_id: str
    region: str  # phone numbers without + are read in this country
    funnel_id: str
    funnel_slug: str
    funnel_name: str
    funnel_settings: dict[str, Any]
    custom_domain: str | None
    page_id: str
    page_name: str
    page_slug: str
    version: int | None  # None: a draft shown in preview
    editor: str
    html: str
    css: str
    js: str
    builder_json: dict[str, Any]
    seo_title: str
    seo_description: str
    seo_image_url: str
    next_slug: str | None  # the funnel's next published step, for "next step" buttons
    forms: dict[str, PublicForm] = field(default_factory=dict)
    surveys: dict[str, PublicSurvey] = field(default_factory=dict)
    custom_values: dict[str, str] = field(default_factory=dict)


def custom_values_of(uow: UnitOfWork, sub_account_id: str) -> dict[str, str]:
    rows = uow.session.execute(
        select(CustomValue.key, CustomValue.value).where(
            CustomValue.sub_account_id == sub_account_id
        )
    )
    return {str(key): str(value) for key, value in rows}


def _live_funnel(uow: UnitOfWork, **where: str) -> Funnel | None:
    stmt = (
        select(Funnel)
        .join(SubAccount, SubAccount.id == Funnel.sub_account_id)
        .where(Funnel.is_published.is_(True), SubAccount.archived_at.is_(None))
        .order_by(Funnel.created_at, Funnel.id)
        .limit(1)
    )
    for key, value in where.items():
        stmt = stmt.where(getattr(Funnel, key) == value)
    return uow.session.scalar(stmt)


def _pages(uow: UnitOfWork, funnel_id: str) -> list[Page]:
    return list(
        uow.session.scalars(
            select(Page).where(Page.funnel_id == funnel_id).order_by(Page.position, Page.id)
        )
    )


def _choose(pages: list[Page], page_slug: str, *, published_only: bool) -> Page | None:
    visible = [p for p in pages if p.published_version_id or not published_only]
    if page_slug:
        return next((p for p in visible if p.slug == page_slug), None)
    # The funnel's own address: its "" step, else its first step.
    return next((p for p in visible if p.slug == ""), visible[0] if visible else None)


def _next_slug(pages: list[Page], page: Page) -> str | None:
    later = [p for p in pages if p.position > page.position and p.published_version_id]
    return later[0].slug if later else None


def _build(
    uow: UnitOfWork,
    funnel: Funnel,
    page: Page,
    pages: list[Page],
    content: Page | PageVersion,
    version: int | None,
) -> PublishedPage:
    document = dict(content.builder_json or {})
    form_ids, survey_ids = referenced_ids(document)
    forms = (
        {
            f.id: PublicForm(f.id, f.name, tuple(f.fields or []), normalise_settings(f.settings))
            for f in uow.session.scalars(
                select(Form).where(
                    Form.id.in_(form_ids), Form.sub_account_id == funnel.sub_account_id
                )
            )
        }
        if form_ids
        else {}
    )
    surveys = (
        {
            s.id: PublicSurvey(
                s.id,
                s.name,
                tuple(s.questions or []),
                normalise_survey_settings(s.settings),
                s.is_active,
            )
            for s in uow.session.scalars(
                select(Survey).where(
                    Survey.id.in_(survey_ids), Survey.sub_account_id == funnel.sub_account_id
                )
            )
        }
        if survey_ids
        else {}
    )
    sub = uow.session.get(SubAccount, funnel.sub_account_id)
    return PublishedPage(
        funnel.sub_account_id,
        (sub.country if sub else None) or "US",
        funnel.id,
        funnel.slug,
        funnel.name,
        dict(funnel.settings or {}),
        funnel.custom_domain,
        page.id,
        page.name,
        page.slug,
        version,
        str(content.editor),
        content.html,
        content.css,
        content.js,
        document,
        content.seo_title,
        content.seo_description,
        content.seo_image_url,
        _next_slug(pages, page),
        forms,
        surveys,
        custom_values_of(uow, funnel.sub_account_id),
    )


def published_page(
    uows: UnitOfWorkFactory, *, host: str | None, funnel_slug: str | None, page_slug: str
) -> PublishedPage | None:
    """The page visitors get at ``/<funnel_slug>/<page_slug>`` on the default host (``host``
    None) or at ``/<page_slug>`` on a funnel's custom domain; None for a 404."""
    with uows.system(read_only=True) as uow:
        funnel = (
            _live_funnel(uow, custom_domain=host)
            if host
            else _live_funnel(uow, slug=funnel_slug or "")
        )
        if funnel is None:
            return None
        pages = _pages(uow, funnel.id)
        page = _choose(pages, page_slug, published_only=True)
        if page is None or page.published_version_id is None:
            return None
        version = uow.session.get(PageVersion, page.published_version_id)
        if version is None:
            return None
        return _build(uow, funnel, page, pages, version, version.version)


def draft_page(uows: UnitOfWorkFactory, page_id: str) -> PublishedPage | None:
    """A page's draft as it would look once published (the owner's preview)."""
    with uows.system(read_only=True) as uow:
        page = uow.session.get(Page, page_id)
        if page is None or page.deleted_at is not None:
            return None
        funnel = uow.session.get(Funnel, page.funnel_id)
        if funnel is None or funnel.deleted_at is not None:
            return None
        return _build(uow, funnel, page, _pages(uow, funnel.id), page, None)


def custom_domains(uows: UnitOfWorkFactory) -> frozenset[str]:
    """Every host name a live funnel is reachable on."""
    with uows.system(read_only=True) as uow:
        return frozenset(
            uow.session.scalars(
                select(Funnel.custom_domain).where(Funnel.custom_domain.is_not(None))
            )
        )


def content_stamp(uows: UnitOfWorkFactory) -> tuple[Any, ...]:
    """Changes whenever anything a published page is rendered from changes (an edit, a
    publish, a deletion): the server empties its page cache when it does."""
    parts: list[Any] = []
    with uows.system(read_only=True) as uow:
        for model in (Funnel, Page, PageVersion, Form, Survey, CustomValue, SubAccount):
            stmt = select(func.count(), func.max(model.updated_at)).execution_options(
                include_deleted=True
            )
            parts.extend(uow.session.execute(stmt.select_from(model)).one())
    return tuple(parts)
