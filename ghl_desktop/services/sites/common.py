"""Validators and lookups shared by the sites services (each error names its field)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.base import Base
from ghl_desktop.models.sites import Form, Funnel, Page, Survey
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWork

# Visitors act through the funnel server: no user, but their address and browser are recorded.
VISITOR = Actor(user_id=None, label="visitor")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 100
# A host name as DNS allows it (lower-case labels, no port, no trailing dot).
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Visitor-facing links: web addresses, paths on this site, anchors, mail and phone links.
_HREF = re.compile(
    r"^(?:https?://[^\s<>\"']+|/[^\s<>\"']*|#[A-Za-z0-9_-]*|mailto:[^\s<>\"']+"
    r"|tel:\+?[0-9 ()./-]+)$"
)
_SRC = re.compile(r"^(?:https?://[^\s<>\"']+|/[^\s<>\"']*)$")

M = TypeVar("M", bound=Base)


def slug(value: Any, field: str = "slug", *, allow_empty: bool = False) -> str:
    """Lower-case words joined by hyphens (``"watch-demo"``); ``""`` only where allowed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text, got {value!r}")
    text = value.strip().lower()
    if not text:
        if allow_empty:
            return ""
        raise ValidationError(field, "is required")
    if len(text) > MAX_SLUG:
        raise ValidationError(field, f"must be at most {MAX_SLUG} characters")
    if not SLUG.match(text):
        raise ValidationError(
            field, f"{value!r} may hold only a-z, 0-9 and single hyphens between words"
        )
    return text


def slugify(text: str) -> str:
    """A slug suggested from a name ("Watch the Demo!" -> "watch-the-demo")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:MAX_SLUG].strip("-")


def domain(value: Any, field: str = "custom_domain") -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a host name, got {value!r}")
    text = value.strip().lower().rstrip(".")
    if not DOMAIN.match(text):
        raise ValidationError(field, f"{value!r} is not a host name like pages.example.com")
    return text


def href(value: Any, field: str, *, required: bool = False) -> str:
    """A link visitors can follow: http(s), a path, an anchor, mailto: or tel:. Never
    ``javascript:`` or ``data:``."""
    text = text_value(value, field, 2000, required=required)
    if text and not _HREF.match(text):
        raise ValidationError(field, f"{text!r} is not a link (use https://..., /path or #anchor)")
    return text


def src(value: Any, field: str, *, required: bool = False) -> str:
    """An image, video or icon address: http(s) or a path on this site."""
    text = text_value(value, field, 2000, required=required)
    if text and not _SRC.match(text):
        raise ValidationError(field, f"{text!r} is not an address like https://... or /path")
    return text


def text_value(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(field, f"must be text, got {value!r}")
    text = str(value).strip()
    if required and not text:
        raise ValidationError(field, "is required")
    if len(text) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    return text


def load(uow: UnitOfWork, model: type[M], entity_id: str, what: str) -> M:
    """A live row of this sub-account, or NotFound (another tenant's id answers the same)."""
    row: M | None = uow.session.scalar(select(model).where(model.id == entity_id))  # type: ignore[attr-defined,arg-type]
    if row is None:
        raise NotFound(what, entity_id)
    return row


def load_funnel(uow: UnitOfWork, funnel_id: str) -> Funnel:
    return load(uow, Funnel, funnel_id, "funnel")


def load_page(uow: UnitOfWork, page_id: str) -> Page:
    return load(uow, Page, page_id, "page")


def load_form(uow: UnitOfWork, form_id: str) -> Form:
    return load(uow, Form, form_id, "form")


def load_survey(uow: UnitOfWork, survey_id: str) -> Survey:
    return load(uow, Survey, survey_id, "survey")
