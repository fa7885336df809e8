"""Storing visitors' form and survey posts, several to a transaction.

With ``synchronous=FULL`` every SQLite commit waits for the disk; posts that arrive together
are therefore written in one transaction per sub-account (a group commit). If that
transaction fails, each post is retried alone, so one bad post never loses another; a post
whose contact cannot be linked is still stored (unprocessed) rather than dropped.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select

from ghl_desktop.models.sites import FormSubmission, SurveyResponse
from ghl_desktop.services.sites.common import VISITOR
from ghl_desktop.services.sites.contact_capture import ContactCapture
from ghl_desktop.services.sites.submissions import (
    FormPost,
    PendingRows,
    PostOutcome,
    record_form_post,
    record_unlinked_form_post,
)
from ghl_desktop.services.sites.survey_responses import (
    SurveyPost,
    record_survey_post,
    record_unlinked_survey_post,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

VisitorPost = FormPost | SurveyPost
Result = PostOutcome | Exception


def _post_id(post: VisitorPost) -> str:
    return post.submission_id if isinstance(post, FormPost) else post.response_id


def _stored(uow: UnitOfWork, posts: Sequence[VisitorPost]) -> dict[str, PostOutcome]:
    """Outcomes of posts already stored (a token posted twice), by post id: two queries."""
    found: dict[str, PostOutcome] = {}
    form_ids = [p.submission_id for p in posts if isinstance(p, FormPost)]
    survey_ids = [p.response_id for p in posts if isinstance(p, SurveyPost)]
    if form_ids:
        rows = uow.session.execute(
            select(FormSubmission.id, FormSubmission.contact_id)
            .where(FormSubmission.id.in_(form_ids))
        )  # fmt: skip
        found.update({r.id: PostOutcome(r.id, r.contact_id, False, True) for r in rows})
    if survey_ids:
        rows = uow.session.execute(
            select(SurveyResponse.id, SurveyResponse.contact_id, SurveyResponse.score)
            .where(SurveyResponse.id.in_(survey_ids))
        )  # fmt: skip
        found.update({r.id: PostOutcome(r.id, r.contact_id, False, True, r.score) for r in rows})
    return found


def record_posts(uow: UnitOfWork, posts: Sequence[VisitorPost]) -> list[PostOutcome]:
    """Every post of one sub-account in this unit of work (the caller commits)."""
    known = _stored(uow, posts)
    fresh = [p for p in posts if _post_id(p) not in known]
    capture = ContactCapture(uow)
    values = {
        _post_id(p): capture.values(
            p.fields if isinstance(p, FormPost) else p.questions,
            p.values if isinstance(p, FormPost) else p.answers,
        )
        for p in fresh
    }
    capture.prefetch(values.values())
    pending = PendingRows()
    outcomes: list[PostOutcome] = []
    for post in posts:
        post_id = _post_id(post)
        if post_id in known:
            outcomes.append(replace(known[post_id], is_new_contact=False, is_duplicate=True))
            continue
        source = "form" if isinstance(post, FormPost) else "survey"
        captured = capture.capture(values[post_id], post.tags, source)
        if isinstance(post, FormPost):
            outcome = record_form_post(uow, post, captured, pending)
        else:
            outcome = record_survey_post(uow, post, captured, pending)
        known[post_id] = outcome
        outcomes.append(outcome)
    capture.finish()
    pending.write(uow)
    return outcomes


def _record_unlinked(uow: UnitOfWork, post: VisitorPost) -> PostOutcome:
    if isinstance(post, FormPost):
        return record_unlinked_form_post(uow, post)
    return record_unlinked_survey_post(uow, post)


def process_one(uows: UnitOfWorkFactory, post: VisitorPost) -> Result:
    try:
        with uows.tenant(VISITOR, post.sub_account_id) as uow:
            [outcome] = record_posts(uow, [post])
            uow.commit()
            return outcome
    except Exception:
        log.exception("visitor post %s: linking its contact failed; storing it unlinked",
                      type(post).__name__)  # fmt: skip
    try:
        with uows.tenant(VISITOR, post.sub_account_id) as uow:
            outcome = _record_unlinked(uow, post)
            uow.commit()
            return outcome
    except Exception as exc:
        log.exception("visitor post %s could not be stored", type(post).__name__)
        return exc


def process_posts(uows: UnitOfWorkFactory, posts: Sequence[VisitorPost]) -> list[Result]:
    """One outcome (or the exception) per post, in the order given."""
    results: list[Result | None] = [None] * len(posts)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, post in enumerate(posts):
        groups[post.sub_account_id].append(index)
    for sub_account_id, indexes in groups.items():
        try:
            with uows.tenant(VISITOR, sub_account_id) as uow:
                outcomes = record_posts(uow, [posts[i] for i in indexes])
                uow.commit()
            for i, outcome in zip(indexes, outcomes, strict=True):
                results[i] = outcome
        except Exception:
            if len(indexes) > 1:
                log.warning("a batch of %d visitor posts failed; storing them one by one",
                            len(indexes))  # fmt: skip
            for i in indexes:
                results[i] = process_one(uows, posts[i])
    return [r if r is not None else RuntimeError("not processed") for r in results]
