"""Domain events of sites: publishing and what visitors submitted (docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PagePublished(DomainEvent):
    name = "page.published"
    page_id: str
    funnel_id: str
    version: int


@dataclass(frozen=True, kw_only=True)
class PageReverted(DomainEvent):
    name = "page.reverted"
    page_id: str
    funnel_id: str
    version: int


@dataclass(frozen=True, kw_only=True)
class FormSubmitted(DomainEvent):
    """A visitor's form submission was stored and its contact matched or created."""

    name = "form.submitted"
    form_id: str
    submission_id: str
    contact_id: str | None
    page_id: str | None = None
    is_new_contact: bool = False


@dataclass(frozen=True, kw_only=True)
class SurveySubmitted(DomainEvent):
    name = "survey.submitted"
    survey_id: str
    response_id: str
    contact_id: str | None
    page_id: str | None = None
    score: int | None = None
