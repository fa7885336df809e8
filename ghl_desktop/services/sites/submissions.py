"""Form submissions: storing what a visitor posted, and reading it back for the owner.

``record_form_post`` runs inside a tenant unit of work, for a post whose contact
``visitor_posts`` has already matched or created (several posts share one transaction when
they arrive together; a post whose id is already stored - the same form token posted twice -
never gets here: it is a duplicate and nothing is written). Per post:

* the submission stores the clean values, address, browser, page and UTM parameters, and is
  processed once its contact is linked;
* ``form.submitted`` (domain event) and ``form_submitted`` (analytics) are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.integrations import AnalyticsEvent
from ghl_desktop.models.sites import FormSubmission, Page
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import load_form
from ghl_desktop.services.sites.contact_capture import CapturedContact
from ghl_desktop.services.sites.events import FormSubmitted
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_USER_AGENT = 500


@dataclass(frozen=True)
class FormPost:
    """A visitor's valid post of a form (values already checked by ``form_input``)."""

    sub_account_id: str
    form_id: str
    submission_id: str  # the form token's nonce: a second post of the same token is a duplicate
    fields: tuple[dict[str, Any], ...]
    tags: tuple[str, ...]
    values: dict[str, Any]
    region: str
    page_id: str | None = None
    funnel_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None
    utm: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PostOutcome:
    id: str
    contact_id: str | None
    is_new_contact: bool
    is_duplicate: bool = False
    score: int | None = None


class PendingRows:
    """Rows of a batch written at its end with one INSERT per table (instead of one ORM object
    each): what makes a busy funnel's batch cheap. Nothing reads these rows back meanwhile."""

    def __init__(self) -> None:
        self._rows: dict[type[Any], list[dict[str, Any]]] = {}

    def add(self, model: type[Any], **values: Any) -> None:
        self._rows.setdefault(model, []).append(values)

    def write(self, uow: UnitOfWork) -> None:
        for model, rows in self._rows.items():
            uow.session.execute(insert(model), rows)
        self._rows.clear()


def analytics_event(
    pending: PendingRows, now: datetime, name: str, session_id: str | None,
    contact_id: str | None, properties: dict[str, Any],
) -> None:  # fmt: skip
    pending.add(
        AnalyticsEvent, id=new_id(), event_name=name, category="conversion",
        properties=properties, source="web", session_id=session_id, contact_id=contact_id,
        created_at=now, updated_at=now,
    )  # fmt: skip


def record_form_post(
    uow: UnitOfWork, post: FormPost, captured: CapturedContact, pending: PendingRows
) -> PostOutcome:
    """Store the submission of a post whose contact was captured (``visitor_posts``)."""
    now = uow.clock.now()
    pending.add(
        FormSubmission, id=post.submission_id, form_id=post.form_id,
        contact_id=captured.contact_id, page_id=post.page_id, data=dict(post.values),
        ip_address=post.ip_address, user_agent=(post.user_agent or "")[:MAX_USER_AGENT] or None,
        utm=dict(post.utm), is_processed=captured.contact_id is not None,
        processed_at=now if captured.contact_id else None, created_at=now, updated_at=now,
    )  # fmt: skip
    analytics_event(pending, now, "form_submitted", post.session_id, captured.contact_id, {
        "form_id": post.form_id, "submission_id": post.submission_id, "page_id": post.page_id,
        "funnel_id": post.funnel_id, **post.utm,
    })  # fmt: skip
    uow.record(
        FormSubmitted(
            sub_account_id=uow.sub_account_id, form_id=post.form_id,
            submission_id=post.submission_id, contact_id=captured.contact_id,
            page_id=post.page_id, is_new_contact=captured.is_new,
        )
    )  # fmt: skip
    return PostOutcome(post.submission_id, captured.contact_id, captured.is_new)


def record_unlinked_form_post(uow: UnitOfWork, post: FormPost) -> PostOutcome:
    """Keep the submission when linking its contact failed: unprocessed, for a later retry."""
    earlier = uow.session.get(FormSubmission, post.submission_id)
    if earlier is not None:
        return PostOutcome(earlier.id, earlier.contact_id, False, is_duplicate=True)
    now = uow.clock.now()
    uow.session.add(
        FormSubmission(
            id=post.submission_id,
            form_id=post.form_id,
            page_id=post.page_id,
            data=dict(post.values),
            ip_address=post.ip_address,
            user_agent=(post.user_agent or "")[:MAX_USER_AGENT] or None,
            utm=dict(post.utm),
            created_at=now,
            updated_at=now,
        )
    )
    uow.record(
        FormSubmitted(
            sub_account_id=uow.sub_account_id,
            form_id=post.form_id,
            submission_id=post.submission_id,
            contact_id=None,
            page_id=post.page_id,
        )
    )
    return PostOutcome(post.submission_id, None, False)


# -- reading them back ------------------------------------------------------------------------
@dataclass(frozen=True)
class SubmissionRow:
    id: str
    form_id: str
    created_at: datetime
    contact_id: str | None
    contact_name: str
    page_id: str | None
    page_name: str
    data: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    utm: dict[str, Any]
    is_processed: bool


def count_submissions(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, form_id: str
) -> int:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        load_form(uow, form_id)
        stmt = select(func.count()).select_from(FormSubmission)
        return int(uow.session.scalar(stmt.where(FormSubmission.form_id == form_id)) or 0)


def list_submissions(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    form_id: str,
    *,
    limit: int = 500,
    offset: int = 0,
) -> list[SubmissionRow]:
    """Newest first."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        load_form(uow, form_id)
        rows = uow.session.execute(
            select(FormSubmission, Contact.first_name, Contact.last_name, Contact.email, Page.name)
            .outerjoin(Contact, Contact.id == FormSubmission.contact_id)
            .outerjoin(Page, Page.id == FormSubmission.page_id)
            .where(FormSubmission.form_id == form_id)
            .order_by(FormSubmission.created_at.desc(), FormSubmission.id.desc())
            .limit(max(1, min(limit, 10_000)))
            .offset(max(0, offset))
            .execution_options(include_deleted=True)  # deleted contacts/pages still name rows
        ).all()
        return [
            SubmissionRow(
                s.id,
                s.form_id,
                s.created_at,
                s.contact_id,
                " ".join(p for p in (first or "", last or "") if p) or (email or ""),
                s.page_id,
                page_name or "",
                dict(s.data or {}),
                s.ip_address,
                s.user_agent,
                dict(s.utm or {}),
                s.is_processed,
            )
            for s, first, last, email, page_name in rows
        ]
