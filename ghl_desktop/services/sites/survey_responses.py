"""Survey responses: a finished survey stored with its answers, score and contact.

``record_survey_post`` mirrors ``submissions.record_form_post``: the contact was matched or
created from the answers by ``visitor_posts`` (duplicates - the same survey state posted twice
- write nothing); the response, ``survey.submitted`` and the ``survey_completed`` analytics
event are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.models.crm import Contact
from ghl_desktop.models.sites import SurveyResponse
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import load_survey
from ghl_desktop.services.sites.contact_capture import CapturedContact
from ghl_desktop.services.sites.events import SurveySubmitted
from ghl_desktop.services.sites.submissions import (
    MAX_USER_AGENT,
    PendingRows,
    PostOutcome,
    analytics_event,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class SurveyPost:
    sub_account_id: str
    survey_id: str
    response_id: str
    questions: tuple[dict[str, Any], ...]
    tags: tuple[str, ...]
    answers: dict[str, Any]
    score: int | None
    region: str
    page_id: str | None = None
    funnel_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None
    utm: dict[str, str] = field(default_factory=dict)


def _response(uow: UnitOfWork, post: SurveyPost, contact_id: str | None) -> dict[str, Any]:
    now = uow.clock.now()
    agent = (post.user_agent or "")[:MAX_USER_AGENT] or None
    return {
        "id": post.response_id, "survey_id": post.survey_id, "contact_id": contact_id,
        "page_id": post.page_id, "answers": dict(post.answers), "score": post.score,
        "ip_address": post.ip_address, "user_agent": agent, "utm": dict(post.utm),
        "completed_at": now, "is_processed": contact_id is not None,
        "processed_at": now if contact_id else None, "created_at": now, "updated_at": now,
    }  # fmt: skip


def _event(uow: UnitOfWork, post: SurveyPost, contact_id: str | None) -> SurveySubmitted:
    return SurveySubmitted(
        sub_account_id=uow.sub_account_id,
        survey_id=post.survey_id,
        response_id=post.response_id,
        contact_id=contact_id,
        page_id=post.page_id,
        score=post.score,
    )


def record_survey_post(
    uow: UnitOfWork, post: SurveyPost, captured: CapturedContact, pending: PendingRows
) -> PostOutcome:
    pending.add(SurveyResponse, **_response(uow, post, captured.contact_id))
    analytics_event(pending, uow.clock.now(), "survey_completed", post.session_id,
                    captured.contact_id, {
        "survey_id": post.survey_id, "response_id": post.response_id, "page_id": post.page_id,
        "funnel_id": post.funnel_id, "score": post.score, **post.utm,
    })  # fmt: skip
    uow.record(_event(uow, post, captured.contact_id))
    return PostOutcome(post.response_id, captured.contact_id, captured.is_new, score=post.score)


def record_unlinked_survey_post(uow: UnitOfWork, post: SurveyPost) -> PostOutcome:
    earlier = uow.session.get(SurveyResponse, post.response_id)
    if earlier is not None:
        return PostOutcome(earlier.id, earlier.contact_id, False, True, earlier.score)
    uow.session.add(SurveyResponse(**_response(uow, post, None)))
    uow.record(_event(uow, post, None))
    return PostOutcome(post.response_id, None, False, score=post.score)


@dataclass(frozen=True)
class ResponseRow:
    id: str
    survey_id: str
    created_at: datetime
    contact_id: str | None
    contact_name: str
    answers: dict[str, Any]
    score: int | None
    ip_address: str | None
    utm: dict[str, Any]


def list_responses(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    survey_id: str,
    *,
    limit: int = 500,
    offset: int = 0,
) -> list[ResponseRow]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        load_survey(uow, survey_id)
        rows = uow.session.execute(
            select(SurveyResponse, Contact.first_name, Contact.last_name, Contact.email)
            .outerjoin(Contact, Contact.id == SurveyResponse.contact_id)
            .where(SurveyResponse.survey_id == survey_id)
            .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
            .limit(max(1, min(limit, 10_000)))
            .offset(max(0, offset))
            .execution_options(include_deleted=True)
        ).all()
        return [
            ResponseRow(
                r.id,
                r.survey_id,
                r.created_at,
                r.contact_id,
                " ".join(p for p in (first or "", last or "") if p) or (email or ""),
                dict(r.answers or {}),
                r.score,
                r.ip_address,
                dict(r.utm or {}),
            )
            for r, first, last, email in rows
        ]
