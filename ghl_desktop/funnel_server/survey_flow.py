"""A survey's steps over plain form posts: each post answers the question on screen and
carries the answers so far in a signed state token; the last answer stores the response.

The state is bound to the visitor's session and the survey, so it cannot be replayed from
another browser or edited on the way. Its nonce becomes the response id (a double post of the
last step stores one response); its issue time, from the first step, is what the minimum
fill time is measured against.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response

from ghl_desktop.funnel_server.cache import CachedPage, Route
from ghl_desktop.funnel_server.responses import (
    MAX_TOKEN_AGE,
    Posted,
    drop,
    first,
    message,
    render_variant,
    success,
    visitor_utm,
)
from ghl_desktop.funnel_server.state import SiteState
from ghl_desktop.services.sites.form_input import check_input
from ghl_desktop.services.sites.rendering import SurveyView
from ghl_desktop.services.sites.rendering.environment import HONEYPOT
from ghl_desktop.services.sites.signing import SurveyState, issue_survey_state, read_survey_state
from ghl_desktop.services.sites.survey_responses import SurveyPost
from ghl_desktop.services.sites.surveys import END, next_key, progress, question_by_key, score

log = logging.getLogger(__name__)


async def survey_post(
    request: Request, state: SiteState, entry: CachedPage, route: Route, session_id: str,
    posted: Posted,
) -> Response:  # fmt: skip
    back = request.scope["path"]
    survey = entry.page.surveys.get(first(posted, "_survey"))
    if survey is None:
        return message(400, "Unknown survey", "This page has no such survey.", back)
    if not survey.is_active or not survey.questions:
        return message(410, "This survey is closed", "It no longer takes answers.", back)
    state_text = first(posted, "_state")
    current = read_survey_state(state.signer, state_text, session_id, survey.id)
    now = state.clock.now()
    if current is None or now - current.issued_at > MAX_TOKEN_AGE:
        return message(403, "This survey has expired", "Please reload to start again.", back)
    questions = survey.questions
    if first(posted, HONEYPOT).strip():
        drop(state, "honeypot filled")
        return await success(request, state, entry, route, session_id, survey.settings, survey.id)
    key = current.current or questions[0]["key"]
    question = question_by_key(questions, key)
    if question is None or key in current.path:
        return message(409, "This survey has changed", "Please reload to start again.", back)
    checked = check_input([question], posted, entry.page.region)
    position, total = progress(questions, key)
    if not checked.ok:
        view = SurveyView(
            question, position, total, state_text, checked.typed.get(key, []), checked.errors[key]
        )
        return await render_variant(
            request, state, entry, route, session_id, 422, survey_views={survey.id: view}
        )
    answers = dict(current.answers)
    value = checked.values.get(key)
    if value is not None:
        answers[key] = value
    following = next_key(questions, key, value)
    if following != END:
        after = SurveyState(current.nonce, current.issued_at, following, answers,
                            (*current.path, key))  # fmt: skip
        token = issue_survey_state(state.signer, session_id, survey.id, after)
        where, total = progress(questions, following)
        view = SurveyView(question_by_key(questions, following), where, total, token)
        return await render_variant(
            request, state, entry, route, session_id, 200, survey_views={survey.id: view}
        )
    if (now - current.issued_at).total_seconds() < state.settings.min_fill_seconds:
        drop(state, "survey finished too fast")
        return await success(request, state, entry, route, session_id, survey.settings, survey.id)
    post = SurveyPost(
        sub_account_id=entry.page.sub_account_id, survey_id=survey.id, response_id=current.nonce,
        questions=questions, tags=tuple(survey.settings.get("tags") or ()), answers=answers,
        score=score(questions, answers) if survey.settings.get("scoring") else None,
        region=entry.page.region, page_id=entry.page.page_id, funnel_id=entry.page.funnel_id,
        ip_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"), session_id=session_id,
        utm=visitor_utm(request, posted),
    )  # fmt: skip
    try:
        await asyncio.wrap_future(state.writer.submit(post))
    except Exception:
        log.exception("storing a survey response failed")
        return message(503, "Please try again", "Your answers could not be saved just now.", back)
    return await success(request, state, entry, route, session_id, survey.settings, survey.id)
