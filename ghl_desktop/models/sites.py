"""Sites: funnels and their pages (with published snapshots), forms, surveys and what
visitors submitted through them.

On delete:

* funnel -> pages -> page versions: CASCADE (pure children; funnels are soft-deleted).
* form -> submissions and survey -> responses: RESTRICT. A submission is often the only
  record of a lead (and what workflows acted on); forms and surveys are soft-deleted in the
  product, and purging one that captured anything is refused instead of silently erasing leads.
* submission/response -> contact and page: SET NULL (the captured data stays).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)

_LIVE = text("deleted_at IS NULL")


class PageType(enum.StrEnum):
    LANDING = "landing"
    STANDARD = "standard"
    OPTIN = "optin"
    SALES = "sales"
    CHECKOUT = "checkout"
    UPSELL = "upsell"
    THANK_YOU = "thank_you"


class PageEditor(enum.StrEnum):
    """Which content a page is rendered from."""

    BUILDER = "builder"  # builder_json blocks rendered by our templates
    HTML = "html"  # the owner's raw html/css/js


class Funnel(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A set of pages served under ``/<funnel slug>/<page slug>`` or on ``custom_domain``.

    Slugs are unique among the sub-account's live funnels; a custom domain can route to one
    live funnel of the whole installation (the funnel server resolves pages by Host).
    """

    __tablename__ = "funnels"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_funnels_sub_account_slug_live",
            "sub_account_id",
            "slug",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index(
            "uq_funnels_custom_domain_live",
            "custom_domain",
            unique=True,
            sqlite_where=text("deleted_at IS NULL AND custom_domain IS NOT NULL"),
            postgresql_where=text("deleted_at IS NULL AND custom_domain IS NOT NULL"),
        ),
        CheckConstraint("custom_domain = lower(custom_domain)", name="custom_domain_lowercase"),
        Index("ix_funnels_sub_account_name", "sub_account_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    custom_domain: Mapped[str | None] = mapped_column(String(253), default=None)
    # Favicon, head tracking code, default SEO image...
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    pages: Mapped[list[Page]] = relationship(
        back_populates="funnel",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Page.position",
    )


class Page(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A page being edited. Visitors see ``published_version`` (a snapshot), never the draft.
    Slugs are unique among the funnel's live pages."""

    __tablename__ = "pages"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_pages_funnel_slug_live",
            "funnel_id",
            "slug",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index("ix_pages_sub_account_funnel", "sub_account_id", "funnel_id", "position"),
    )

    funnel_id: Mapped[str] = mapped_column(String(36), ForeignKey("funnels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))  # "" is the funnel's first page
    position: Mapped[int] = mapped_column(Integer, default=0)
    page_type: Mapped[PageType] = mapped_column(
        enum_column_type(PageType), default=PageType.STANDARD
    )
    editor: Mapped[PageEditor] = mapped_column(
        enum_column_type(PageEditor), default=PageEditor.BUILDER
    )
    html: Mapped[str] = mapped_column(Text, default="")
    css: Mapped[str] = mapped_column(Text, default="")
    js: Mapped[str] = mapped_column(Text, default="")
    # {"version": "1.0", "blocks": [{"type": "hero", "props": {...}}, ...]}
    builder_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seo_title: Mapped[str] = mapped_column(String(200), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    seo_image_url: Mapped[str] = mapped_column(Text, default="")
    # pages <-> page_versions reference each other: this side is added after both tables.
    published_version_id: Mapped[str | None] = mapped_column(
        String(36),
        ForeignKey("page_versions.id", ondelete="SET NULL", use_alter=True),
        default=None,
    )

    funnel: Mapped[Funnel] = relationship(back_populates="pages")
    versions: Mapped[list[PageVersion]] = relationship(
        back_populates="page",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="PageVersion.page_id",
        order_by="PageVersion.version",
    )
    published_version: Mapped[PageVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )


class PageVersion(IdMixin, TimestampMixin, TenantMixin, Base):
    """An immutable snapshot of a page, taken each time it is published."""

    __tablename__ = "page_versions"
    __table_args__ = (
        UniqueConstraint("page_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_page_versions_sub_account_page", "sub_account_id", "page_id", "version"),
    )

    page_id: Mapped[str] = mapped_column(String(36), ForeignKey("pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    editor: Mapped[PageEditor] = mapped_column(enum_column_type(PageEditor))
    html: Mapped[str] = mapped_column(Text, default="")
    css: Mapped[str] = mapped_column(Text, default="")
    js: Mapped[str] = mapped_column(Text, default="")
    builder_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seo_title: Mapped[str] = mapped_column(String(200), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    seo_image_url: Mapped[str] = mapped_column(Text, default="")
    published_by_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    published_at: Mapped[datetime] = mapped_column()

    page: Mapped[Page] = relationship(back_populates="versions", foreign_keys=[page_id])


class Form(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A form placed on any number of pages (builder blocks name it by id).

    ``fields``: ``[{"key": "email", "label": "Email", "type": "email", "required": true}]``;
    ``settings``: redirect URL, thank-you text, tags to add, notification recipients.
    """

    __tablename__ = "forms"
    __audited__ = True
    __table_args__ = (Index("ix_forms_sub_account_name", "sub_account_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FormSubmission(IdMixin, TimestampMixin, TenantMixin, Base):
    """What a visitor posted. ``is_processed`` turns true once the contact was matched or
    created and the ``form.submitted`` event recorded (the processing queue reads it)."""

    __tablename__ = "form_submissions"
    __table_args__ = (
        Index("ix_form_submissions_sub_account_form", "sub_account_id", "form_id", "created_at"),
        Index("ix_form_submissions_sub_account_contact", "sub_account_id", "contact_id"),
        Index(
            "ix_form_submissions_sub_account_unprocessed",
            "sub_account_id",
            "is_processed",
            "created_at",
        ),
    )

    form_id: Mapped[str] = mapped_column(String(36), ForeignKey("forms.id", ondelete="RESTRICT"))
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    page_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("pages.id", ondelete="SET NULL"), default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    # {"utm_source": ..., "utm_medium": ..., "utm_campaign": ..., "referrer": ...}
    utm: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_processed: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class Survey(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A multi-step questionnaire. ``questions``: ``[{"key", "label", "type", "options",
    "required"}]`` in display order; ``settings`` as for forms plus scoring rules."""

    __tablename__ = "surveys"
    __audited__ = True
    __table_args__ = (Index("ix_surveys_sub_account_name", "sub_account_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class SurveyResponse(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        Index(
            "ix_survey_responses_sub_account_survey", "sub_account_id", "survey_id", "created_at"
        ),
        Index("ix_survey_responses_sub_account_contact", "sub_account_id", "contact_id"),
        Index(
            "ix_survey_responses_sub_account_unprocessed",
            "sub_account_id",
            "is_processed",
            "created_at",
        ),
    )

    survey_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("surveys.id", ondelete="RESTRICT")
    )
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    page_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("pages.id", ondelete="SET NULL"), default=None
    )
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    utm: Mapped[dict[str, Any]] = mapped_column(default=dict)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    is_processed: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
