"""Funnels and their ordered steps (pages).

Outcome rules:

* a funnel's slug is unique among the live funnels of the whole installation, because funnels
  are served at ``/<funnel slug>/...`` on the one default host; a custom domain can route to
  one live funnel only;
* a new funnel gets a first step (slug ``""``, served at ``/<funnel slug>/``);
* a step's slug is unique among the funnel's live steps; positions are 0..n-1 in step order;
* removing a step deletes it softly and closes the gap in positions; reordering must name
  every live step of the funnel exactly once;
* visitors see a funnel while it is published (publishing any of its pages publishes it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import Conflict, ValidationError
from ghl_desktop.models.sites import Funnel, Page, PageEditor, PageType
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import (
    domain,
    load_funnel,
    load_page,
    slug,
    slugify,
    src,
    text_value,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class StepInfo:
    page_id: str
    funnel_id: str
    name: str
    slug: str
    position: int
    page_type: PageType
    editor: PageEditor
    published_version_id: str | None
    has_unpublished_changes: bool
    updated_at: datetime

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None


@dataclass(frozen=True)
class FunnelInfo:
    id: str
    sub_account_id: str
    name: str
    slug: str
    description: str
    custom_domain: str | None
    settings: dict[str, Any]
    is_published: bool
    published_at: datetime | None
    step_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FunnelDetail:
    funnel: FunnelInfo
    steps: tuple[StepInfo, ...]


CONTENT_FIELDS = (
    "editor",
    "html",
    "css",
    "js",
    "builder_json",
    "seo_title",
    "seo_description",
    "seo_image_url",
)


def differs_from_published(page: Page) -> bool:
    """The draft holds changes visitors do not see yet (or the page was never published)."""
    version = page.published_version
    if version is None:
        return True
    return any(getattr(page, name) != getattr(version, name) for name in CONTENT_FIELDS)


def step_info(page: Page) -> StepInfo:
    return StepInfo(
        page.id,
        page.funnel_id,
        page.name,
        page.slug,
        page.position,
        PageType(page.page_type),
        PageEditor(page.editor),
        page.published_version_id,
        differs_from_published(page),
        page.updated_at,
    )


def live_pages(uow: UnitOfWork, funnel_id: str) -> list[Page]:
    return list(
        uow.session.scalars(
            select(Page).where(Page.funnel_id == funnel_id).order_by(Page.position, Page.created_at)
        )
    )


def funnel_info(uow: UnitOfWork, funnel: Funnel, step_count: int | None = None) -> FunnelInfo:
    if step_count is None:
        step_count = len(live_pages(uow, funnel.id))
    return FunnelInfo(
        funnel.id,
        funnel.sub_account_id,
        funnel.name,
        funnel.slug,
        funnel.description,
        funnel.custom_domain,
        dict(funnel.settings or {}),
        funnel.is_published,
        funnel.published_at,
        step_count,
        funnel.created_at,
        funnel.updated_at,
    )


def _detail(uow: UnitOfWork, funnel: Funnel) -> FunnelDetail:
    pages = live_pages(uow, funnel.id)
    steps = tuple(step_info(p) for p in pages)
    return FunnelDetail(funnel_info(uow, funnel, len(pages)), steps)


def _settings(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError("settings", "must be an object")
    unknown = sorted(set(raw) - {"favicon_url", "social_image_url"})
    if unknown:
        raise ValidationError(f"settings.{unknown[0]}", "is not a funnel setting")
    return {
        "favicon_url": src(raw.get("favicon_url"), "settings.favicon_url"),
        "social_image_url": src(raw.get("social_image_url"), "settings.social_image_url"),
    }


def _refuse_taken(uows: UnitOfWorkFactory, funnel_id: str | None, **where: str | None) -> None:
    """Slugs and custom domains are installation-wide names: look across sub-accounts."""
    with uows.system(read_only=True) as uow:
        for key, value in where.items():
            if not value:
                continue
            stmt = select(Funnel.id).where(getattr(Funnel, key) == value)
            if funnel_id is not None:
                stmt = stmt.where(Funnel.id != funnel_id)
            if uow.session.scalar(stmt.limit(1)) is not None:
                raise Conflict(key, f"{value!r} is already used by another funnel")


# -- queries ------------------------------------------------------------------------------------
def list_funnels(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[FunnelInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        counts = dict(
            uow.session.execute(select(Page.funnel_id, func.count()).group_by(Page.funnel_id)).all()
        )
        funnels = uow.session.scalars(select(Funnel).order_by(Funnel.name, Funnel.id))
        return [funnel_info(uow, f, int(counts.get(f.id, 0))) for f in funnels]


def get_funnel(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, funnel_id: str
) -> FunnelDetail:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        return _detail(uow, load_funnel(uow, funnel_id))


# -- funnels ------------------------------------------------------------------------------------
def create_funnel(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    name: str,
    *,
    slug_text: str | None = None,
    description: str = "",
    custom_domain: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> FunnelDetail:
    title = text_value(name, "name", 200, required=True)
    funnel_slug = slug(slug_text if slug_text else slugify(title))
    host = domain(custom_domain)
    _refuse_taken(uows, None, slug=funnel_slug, custom_domain=host)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = Funnel(
            name=title,
            slug=funnel_slug,
            description=text_value(description, "description", 2000),
            custom_domain=host,
            settings=_settings(settings),
        )
        uow.session.add(funnel)
        uow.flush()
        uow.session.add(
            Page(
                funnel_id=funnel.id,
                name="Home",
                slug="",
                position=0,
                page_type=PageType.LANDING,
                builder_json={"version": "1.0", "blocks": []},
            )
        )
        uow.flush()
        detail = _detail(uow, funnel)
        uow.commit()
        return detail


def update_funnel(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    funnel_id: str,
    changes: Mapping[str, Any],
) -> FunnelDetail:
    """Change ``name``, ``slug``, ``description``, ``custom_domain`` or ``settings``."""
    unknown = sorted(set(changes) - {"name", "slug", "description", "custom_domain", "settings"})
    if unknown:
        raise ValidationError(unknown[0], "is not a funnel field")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = text_value(changes["name"], "name", 200, required=True)
    if "slug" in changes:
        values["slug"] = slug(changes["slug"])
    if "description" in changes:
        values["description"] = text_value(changes["description"], "description", 2000)
    if "custom_domain" in changes:
        values["custom_domain"] = domain(changes["custom_domain"])
    if "settings" in changes:
        values["settings"] = _settings(changes["settings"])
    _refuse_taken(
        uows, funnel_id, slug=values.get("slug"), custom_domain=values.get("custom_domain")
    )
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = load_funnel(uow, funnel_id)
        for key, value in values.items():
            if getattr(funnel, key) != value:
                setattr(funnel, key, value)
        uow.flush()
        detail = _detail(uow, funnel)
        uow.commit()
        return detail


def set_published(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, funnel_id: str, published: bool
) -> FunnelDetail:
    """Take the whole funnel off the web (or put it back); pages keep their versions."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = load_funnel(uow, funnel_id)
        if funnel.is_published != published:
            funnel.is_published = published
            if published and funnel.published_at is None:
                funnel.published_at = uow.clock.now()
        uow.flush()
        detail = _detail(uow, funnel)
        uow.commit()
        return detail


def delete_funnel(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, funnel_id: str
) -> None:
    """Soft delete: the funnel leaves the lists and the web; its slug becomes free."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = load_funnel(uow, funnel_id)
        funnel.deleted_at = uow.clock.now()
        uow.commit()


# -- steps --------------------------------------------------------------------------------------
def _renumber(pages: Sequence[Page]) -> None:
    for position, page in enumerate(pages):
        if page.position != position:
            page.position = position


def add_step(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    funnel_id: str,
    name: str,
    *,
    slug_text: str | None = None,
    page_type: PageType = PageType.STANDARD,
    editor: PageEditor = PageEditor.BUILDER,
) -> StepInfo:
    title = text_value(name, "name", 200, required=True)
    page_slug = slug(slug_text if slug_text is not None else slugify(title), allow_empty=True)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = load_funnel(uow, funnel_id)
        pages = live_pages(uow, funnel.id)
        if any(p.slug == page_slug for p in pages):
            raise Conflict("slug", f"the funnel already has a step at {page_slug!r}")
        page = Page(
            funnel_id=funnel.id,
            name=title,
            slug=page_slug,
            position=len(pages),
            page_type=PageType(page_type),
            editor=PageEditor(editor),
            builder_json={"version": "1.0", "blocks": []},
        )
        uow.session.add(page)
        uow.flush()
        info = step_info(page)
        uow.commit()
        return info


def remove_step(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, page_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        page = load_page(uow, page_id)
        page.deleted_at = uow.clock.now()
        uow.flush()
        _renumber(live_pages(uow, page.funnel_id))
        uow.commit()


def reorder_steps(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    funnel_id: str,
    page_ids: Sequence[str],
) -> FunnelDetail:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        funnel = load_funnel(uow, funnel_id)
        pages = {p.id: p for p in live_pages(uow, funnel.id)}
        if sorted(page_ids) != sorted(pages) or len(set(page_ids)) != len(page_ids):
            raise ValidationError("page_ids", "must name every step of the funnel exactly once")
        _renumber([pages[pid] for pid in page_ids])
        uow.flush()
        detail = _detail(uow, funnel)
        uow.commit()
        return detail
