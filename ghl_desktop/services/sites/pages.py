"""Pages: the draft the owner edits, publishing it as a numbered snapshot, and going back.

Outcome rules:

* ``update_page`` changes only the keys given; builder documents are checked block by block
  (``blocks.check_document``), owner templates must compile, and every form or survey a block
  places must exist in the sub-account;
* ``publish_page`` copies the draft into a new ``page_versions`` row (version n+1) and makes
  it the one visitors see; the funnel becomes published with it;
* ``revert_page`` makes an earlier version the published one and copies it back into the draft
  (no new version is written: the history stays as it was);
* ``unpublish_page`` takes the page off the web; its versions stay.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.sites import Form, Page, PageEditor, PageType, PageVersion, Survey
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.blocks import check_document, referenced_ids
from ghl_desktop.services.sites.common import load_funnel, load_page, slug, src, text_value
from ghl_desktop.services.sites.events import PagePublished, PageReverted
from ghl_desktop.services.sites.funnels import CONTENT_FIELDS, differs_from_published
from ghl_desktop.services.sites.templating import check_template
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

EDITABLE = (
    "name",
    "slug",
    "page_type",
    "editor",
    "html",
    "css",
    "js",
    "builder_json",
    "seo_title",
    "seo_description",
    "seo_image_url",
)
MAX_CODE = 500_000


@dataclass(frozen=True)
class PageVersionInfo:
    id: str
    page_id: str
    version: int
    published_at: datetime
    published_by_user_id: str | None
    is_current: bool


@dataclass(frozen=True)
class PageDetail:
    id: str
    sub_account_id: str
    funnel_id: str
    funnel_slug: str
    name: str
    slug: str
    position: int
    page_type: PageType
    editor: PageEditor
    html: str
    css: str
    js: str
    builder_json: dict[str, Any]
    seo_title: str
    seo_description: str
    seo_image_url: str
    published_version: int | None
    has_unpublished_changes: bool
    versions: tuple[PageVersionInfo, ...]
    updated_at: datetime


def _versions(uow: UnitOfWork, page: Page) -> tuple[PageVersionInfo, ...]:
    rows = uow.session.scalars(
        select(PageVersion).where(PageVersion.page_id == page.id).order_by(PageVersion.version)
    )
    return tuple(
        PageVersionInfo(
            v.id,
            v.page_id,
            v.version,
            v.published_at,
            v.published_by_user_id,
            v.id == page.published_version_id,
        )
        for v in rows
    )


def page_detail(uow: UnitOfWork, page: Page) -> PageDetail:
    funnel = load_funnel(uow, page.funnel_id)
    version = page.published_version
    return PageDetail(
        page.id,
        page.sub_account_id,
        page.funnel_id,
        funnel.slug,
        page.name,
        page.slug,
        page.position,
        PageType(page.page_type),
        PageEditor(page.editor),
        page.html,
        page.css,
        page.js,
        dict(page.builder_json or {}),
        page.seo_title,
        page.seo_description,
        page.seo_image_url,
        version.version if version else None,
        differs_from_published(page),
        _versions(uow, page),
        page.updated_at,
    )


def _check_references(uow: UnitOfWork, document: Mapping[str, Any]) -> None:
    forms, surveys = referenced_ids(document)
    for model, ids, what in ((Form, forms, "form"), (Survey, surveys, "survey")):
        if not ids:
            continue
        found = set(uow.session.scalars(select(model.id).where(model.id.in_(ids))))
        missing = sorted(ids - found)
        if missing:
            raise ValidationError(f"builder_json.{what}_id", f"no {what} {missing[0]} here")


def _values(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(unknown[0], "is not a page field")
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            values[key] = text_value(value, "name", 200, required=True)
        elif key == "slug":
            values[key] = slug(value, allow_empty=True)
        elif key == "page_type":
            try:
                values[key] = PageType(value)
            except ValueError:
                raise ValidationError("page_type", f"unknown page type {value!r}") from None
        elif key == "editor":
            try:
                values[key] = PageEditor(value)
            except ValueError:
                raise ValidationError("editor", "must be builder or html") from None
        elif key in ("html", "css", "js"):
            values[key] = text_value(value, key, MAX_CODE)
            if key == "html":
                check_template(values[key], "html")
        elif key == "builder_json":
            values[key] = check_document(value)
        elif key == "seo_title":
            values[key] = text_value(value, key, 200)
        elif key == "seo_description":
            values[key] = text_value(value, key, 500)
        else:
            values[key] = src(value, key)
    return values


def get_page(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, page_id: str
) -> PageDetail:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        return page_detail(uow, load_page(uow, page_id))


def update_page(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    page_id: str,
    changes: Mapping[str, Any],
) -> PageDetail:
    values = _values(changes)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        page = load_page(uow, page_id)
        if "builder_json" in values:
            _check_references(uow, values["builder_json"])
        if "slug" in values and values["slug"] != page.slug:
            taken = uow.session.scalar(
                select(Page.id).where(
                    Page.funnel_id == page.funnel_id,
                    Page.slug == values["slug"],
                    Page.id != page.id,
                )
            )
            if taken is not None:
                raise Conflict("slug", f"the funnel already has a step at {values['slug']!r}")
        for key, value in values.items():
            if getattr(page, key) != value:
                setattr(page, key, value)
        uow.flush()
        detail = page_detail(uow, page)
        uow.commit()
        return detail


def publish_page(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, page_id: str
) -> PageVersionInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        page = load_page(uow, page_id)
        if page.editor == PageEditor.BUILDER:
            _check_references(uow, page.builder_json or {})
        last = uow.session.scalar(
            select(func.max(PageVersion.version)).where(PageVersion.page_id == page.id)
        )
        now = uow.clock.now()
        version = PageVersion(
            page_id=page.id,
            version=(last or 0) + 1,
            published_at=now,
            published_by_user_id=actor.user_id,
            **{name: copy.deepcopy(getattr(page, name)) for name in CONTENT_FIELDS},
        )
        uow.session.add(version)
        uow.flush()
        page.published_version_id = version.id
        funnel = load_funnel(uow, page.funnel_id)
        if not funnel.is_published:
            funnel.is_published = True
            funnel.published_at = funnel.published_at or now
        uow.record(
            PagePublished(
                sub_account_id=sub_account_id,
                page_id=page.id,
                funnel_id=page.funnel_id,
                version=version.version,
            )
        )
        uow.flush()
        info = PageVersionInfo(version.id, page.id, version.version, now, actor.user_id, True)
        uow.commit()
        return info


def revert_page(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, page_id: str, version: int
) -> PageDetail:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        page = load_page(uow, page_id)
        snapshot = uow.session.scalar(
            select(PageVersion).where(
                PageVersion.page_id == page.id, PageVersion.version == version
            )
        )
        if snapshot is None:
            raise NotFound("page version", f"{page_id} v{version}")
        for name in CONTENT_FIELDS:
            setattr(page, name, copy.deepcopy(getattr(snapshot, name)))
        page.published_version_id = snapshot.id
        uow.record(
            PageReverted(
                sub_account_id=sub_account_id,
                page_id=page.id,
                funnel_id=page.funnel_id,
                version=version,
            )
        )
        uow.flush()
        uow.session.refresh(page, ["published_version"])
        detail = page_detail(uow, page)
        uow.commit()
        return detail


def unpublish_page(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, page_id: str
) -> PageDetail:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        page = load_page(uow, page_id)
        page.published_version_id = None
        uow.flush()
        uow.session.refresh(page, ["published_version"])
        detail = page_detail(uow, page)
        uow.commit()
        return detail
