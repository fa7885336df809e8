"""Surveys: questions shown one step at a time, jumps by answer, optional scoring.

A question is a form field (``form_fields``: key, label, type, required, options, rules,
map_to) plus:

* ``jumps`` - ``{"<choice>": "<later question key>" | "end"}``: where a choice leads;
* ``next`` - where the question leads otherwise (default: the question after it);
* ``scores`` - ``{"<choice>": points}`` added to the score when scoring is on.

Jumps only go forward (to a later question or the end), so every path ends and the progress
indicator (position of the question among all) only ever grows. Settings: those of a form
plus ``show_progress``, ``scoring`` and ``next_label``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.sites import Survey, SurveyResponse
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import load_survey, text_value
from ghl_desktop.services.sites.form_fields import FieldType, normalise_field, normalise_settings
from ghl_desktop.services.uow import UnitOfWorkFactory

END = "end"
MAX_QUESTIONS = 30
SURVEY_EXTRAS = ("show_progress", "scoring", "next_label")


@dataclass(frozen=True)
class SurveyInfo:
    id: str
    sub_account_id: str
    name: str
    questions: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    is_active: bool
    response_count: int
    created_at: datetime
    updated_at: datetime


def _question(raw: Any, position: int, later: Sequence[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError(f"questions[{position}]", "must be an object")
    base = {k: v for k, v in raw.items() if k not in ("jumps", "next", "scores")}
    question = normalise_field(base, position)
    question = {**question}
    where = f"questions[{position}]"
    if question["type"] == FieldType.HIDDEN:
        raise ValidationError(f"{where}.type", "a survey question cannot be hidden")
    options = question.get("options") or []
    targets = {*later, END}
    jumps = raw.get("jumps") or {}
    if not isinstance(jumps, Mapping):
        raise ValidationError(f"{where}.jumps", "must map choices to questions")
    for choice, target in jumps.items():
        if choice not in options:
            raise ValidationError(f"{where}.jumps", f"{choice!r} is not a choice of the question")
        if target not in targets:
            raise ValidationError(
                f"{where}.jumps", f"{target!r} must be a later question's key or {END!r}"
            )
    if jumps:
        question["jumps"] = {str(k): str(v) for k, v in jumps.items()}
    following = raw.get("next")
    if following:
        if following not in targets:
            raise ValidationError(f"{where}.next", f"{following!r} must be a later question or end")
        question["next"] = str(following)
    scores = raw.get("scores") or {}
    if not isinstance(scores, Mapping):
        raise ValidationError(f"{where}.scores", "must map choices to points")
    for choice, points in scores.items():
        if choice not in options:
            raise ValidationError(f"{where}.scores", f"{choice!r} is not a choice of the question")
        if isinstance(points, bool) or not isinstance(points, int) or abs(points) > 10_000:
            raise ValidationError(f"{where}.scores", "points must be whole numbers up to 10000")
    if scores:
        question["scores"] = {str(k): int(v) for k, v in scores.items()}
    return question


def normalise_questions(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_QUESTIONS:
        raise ValidationError("questions", f"must be a list of at most {MAX_QUESTIONS} questions")
    keys = [str(q.get("key", "")) if isinstance(q, Mapping) else "" for q in raw]
    questions = [_question(q, i, keys[i + 1 :]) for i, q in enumerate(raw)]
    seen = [q["key"] for q in questions]
    duplicate = next((k for k in seen if seen.count(k) > 1), None)
    if duplicate:
        raise ValidationError("questions", f"the key {duplicate!r} is used twice")
    return questions


def normalise_survey_settings(raw: Any) -> dict[str, Any]:
    raw = dict(raw or {})
    extras = {k: raw.pop(k) for k in SURVEY_EXTRAS if k in raw}
    settings = normalise_settings(raw)
    if not raw.get("submit_label"):
        settings["submit_label"] = "Finish"
    settings["show_progress"] = bool(extras.get("show_progress", True))
    settings["scoring"] = bool(extras.get("scoring", False))
    settings["next_label"] = text_value(
        extras.get("next_label") or "Next", "settings.next_label", 60
    )
    return settings


# -- the flow -----------------------------------------------------------------------------------
def question_by_key(questions: Sequence[Mapping[str, Any]], key: str) -> Mapping[str, Any] | None:
    return next((q for q in questions if q["key"] == key), None)


def next_key(questions: Sequence[Mapping[str, Any]], key: str, answer: Any) -> str:
    """The question after ``key`` given its answer, or ``END``."""
    index = next(i for i, q in enumerate(questions) if q["key"] == key)
    question = questions[index]
    jumps = question.get("jumps") or {}
    if isinstance(answer, str) and answer in jumps:
        return str(jumps[answer])
    if question.get("next"):
        return str(question["next"])
    return str(questions[index + 1]["key"]) if index + 1 < len(questions) else END


def progress(questions: Sequence[Mapping[str, Any]], key: str) -> tuple[int, int]:
    """(1-based position of the question, number of questions)."""
    index = next((i for i, q in enumerate(questions) if q["key"] == key), len(questions) - 1)
    return index + 1, len(questions)


def score(questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> int:
    total = 0
    for question in questions:
        points = question.get("scores") or {}
        answer = answers.get(question["key"])
        chosen = answer if isinstance(answer, list) else [answer]
        total += sum(int(points.get(c, 0)) for c in chosen if isinstance(c, str))
    return total


# -- definitions --------------------------------------------------------------------------------
def survey_info(survey: Survey, responses: int = 0) -> SurveyInfo:
    return SurveyInfo(
        survey.id,
        survey.sub_account_id,
        survey.name,
        tuple(dict(q) for q in survey.questions),
        normalise_survey_settings(survey.settings),
        survey.is_active,
        responses,
        survey.created_at,
        survey.updated_at,
    )


def list_surveys(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[SurveyInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        counts = dict(
            uow.session.execute(
                select(SurveyResponse.survey_id, func.count()).group_by(SurveyResponse.survey_id)
            ).all()
        )
        surveys = uow.session.scalars(select(Survey).order_by(Survey.name, Survey.id))
        return [survey_info(s, int(counts.get(s.id, 0))) for s in surveys]


def create_survey(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    name: str,
    questions: Any = None,
    settings: Mapping[str, Any] | None = None,
) -> SurveyInfo:
    title = text_value(name, "name", 200, required=True)
    checked = normalise_questions(questions)
    checked_settings = normalise_survey_settings(settings)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        survey = Survey(name=title, questions=checked, settings=checked_settings)
        uow.session.add(survey)
        uow.flush()
        info = survey_info(survey)
        uow.commit()
        return info


def update_survey(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    survey_id: str,
    changes: Mapping[str, Any],
) -> SurveyInfo:
    """Change ``name``, ``questions`` (the whole list), ``settings`` or ``is_active``."""
    unknown = sorted(set(changes) - {"name", "questions", "settings", "is_active"})
    if unknown:
        raise ValidationError(unknown[0], "is not a survey field")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = text_value(changes["name"], "name", 200, required=True)
    if "questions" in changes:
        values["questions"] = normalise_questions(changes["questions"])
    if "settings" in changes:
        values["settings"] = normalise_survey_settings(changes["settings"])
    if "is_active" in changes:
        values["is_active"] = bool(changes["is_active"])
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        survey = load_survey(uow, survey_id)
        for key, value in values.items():
            if getattr(survey, key) != value:
                setattr(survey, key, value)
        uow.flush()
        count = uow.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
        )
        info = survey_info(survey, int(count or 0))
        uow.commit()
        return info


def delete_survey(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, survey_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        survey = load_survey(uow, survey_id)
        survey.deleted_at = uow.clock.now()
        uow.commit()
