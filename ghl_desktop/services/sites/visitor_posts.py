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

from ghl_desktop.services.sites.common import VISITOR
from ghl_desktop.services.sites.submissions import (
    FormPost,
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


def _record(uow: UnitOfWork, post: VisitorPost) -> PostOutcome:
    if isinstance(post, FormPost):
        return record_form_post(uow, post)
    return record_survey_post(uow, post)


def _record_unlinked(uow: UnitOfWork, post: VisitorPost) -> PostOutcome:
    if isinstance(post, FormPost):
        return record_unlinked_form_post(uow, post)
    return record_unlinked_survey_post(uow, post)


def process_one(uows: UnitOfWorkFactory, post: VisitorPost) -> Result:
    try:
        with uows.tenant(VISITOR, post.sub_account_id) as uow:
            outcome = _record(uow, post)
            uow.commit()
            return outcome
    except Exception:
        log.exception(
            "visitor post %s: linking its contact failed; storing it unlinked", type(post).__name__
        )
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
                outcomes = [_record(uow, posts[i]) for i in indexes]
                uow.commit()
            for i, outcome in zip(indexes, outcomes, strict=True):
                results[i] = outcome
        except Exception:
            if len(indexes) > 1:
                log.warning(
                    "a batch of %d visitor posts failed; storing them one by one", len(indexes)
                )
            for i in indexes:
                results[i] = process_one(uows, posts[i])
    return [r if r is not None else RuntimeError("not processed") for r in results]
