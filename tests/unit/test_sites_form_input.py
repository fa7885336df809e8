"""Form definitions as the owner saves them, and what visitors type checked against them."""

from __future__ import annotations

from typing import Any

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites.contact_capture import contact_values
from ghl_desktop.services.sites.form_fields import (
    contact_target,
    normalise_fields,
    normalise_settings,
)
from ghl_desktop.services.sites.form_input import check_input, hidden_defaults
from ghl_desktop.services.sites.surveys import END, next_key, normalise_questions, progress, score

FIELDS = normalise_fields([
    {"key": "name", "type": "text", "required": True, "rules": {"min_length": 2}},
    {"key": "email", "type": "email", "required": True},
    {"key": "phone", "type": "phone"},
    {"key": "notes", "type": "textarea"},
    {"key": "size", "type": "select", "options": ["1-10", "11+"]},
    {"key": "channel", "type": "radio", "options": ["Web", "Phone"]},
    {"key": "topics", "type": "checkbox", "options": ["SEO", "Ads"]},
    {"key": "newsletter", "type": "checkbox"},
    {"key": "visit", "type": "date", "rules": {"min": "2026-01-01"}},
    {"key": "seats", "type": "number", "rules": {"min": 1, "max": 50}},
    {"key": "utm_source", "type": "hidden"},
    {"key": "campaign", "type": "hidden", "param": "c", "default": "organic"},
    {"key": "consent", "type": "consent", "label": "I agree", "required": True},
    {"key": "favourite_colour", "type": "text", "map_to": "custom:colour"},
])  # fmt: skip


def posted(**values: Any) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def test_a_complete_post_comes_back_clean():
    result = check_input(FIELDS, posted(
        name="  Ada  ", email="Ada@Example.COM", phone="(415) 555-2671", notes="line 1\r\nline 2",
        size="11+", channel="Web", topics=["Ads", "SEO", "Ads"], newsletter="on",
        visit="2026-03-01", seats="12", utm_source="mail", consent="on", extra="ignored",
    ), "US")  # fmt: skip
    assert result.ok, result.errors
    assert result.values == {
        "name": "Ada", "email": "ada@example.com", "phone": "+14155552671",
        "notes": "line 1\nline 2", "size": "11+", "channel": "Web", "topics": ["Ads", "SEO"],
        "newsletter": True, "visit": "2026-03-01", "seats": 12, "utm_source": "mail",
        "consent": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({"name": ""}, "name", "is required"),
        ({"name": "A"}, "name", "must be at least 2 characters"),
        ({"name": "x" * 501}, "name", "must be at most 500 characters"),
        ({"name": "bell\x07"}, "name", "contains characters that are not allowed"),
        ({"name": "two\nlines"}, "name", "contains characters that are not allowed"),
        ({"email": "nope"}, "email", "is not a valid email address"),
        ({"phone": "123"}, "phone", "is not a valid phone number"),
        ({"size": "500+"}, "size", "is not one of the choices offered"),
        ({"topics": ["SEO", "Hacks"]}, "topics", "is not one of the choices offered"),
        ({"visit": "2025-12-31"}, "visit", "must be on or after 2026-01-01"),
        ({"visit": "tomorrow"}, "visit", "must be a date (YYYY-MM-DD)"),
        ({"seats": "51"}, "seats", "must be at most 50"),
        ({"seats": "NaN"}, "seats", "must be a number"),
        ({"consent": ""}, "consent", "must be ticked to continue"),
        ({"email": ["a@b.co", "c@d.co"]}, "email", "was sent more than once"),
    ],
)
def test_each_problem_is_reported_on_its_field(values: dict[str, Any], key: str, message: str):
    base: dict[str, Any] = {"name": "Ada", "email": "a@b.co", "consent": "on"}
    result = check_input(FIELDS, posted(**(base | values)), "US")
    assert result.errors.get(key) == message
    assert result.typed[key] == (values[key] if isinstance(values[key], list) else [values[key]])


def test_hidden_fields_take_url_parameters_or_their_default():
    assert hidden_defaults(FIELDS, {"c": "spring", "utm_source": "ads"}) == {
        "utm_source": "ads", "campaign": "spring"}  # fmt: skip
    assert hidden_defaults(FIELDS, {})["campaign"] == "organic"


def test_field_definitions_are_checked():
    for bad, field in (
        ([{"key": "Email", "type": "email"}], "fields[0].key"),
        ([{"key": "a", "type": "colour"}], "fields[0].type"),
        ([{"key": "a", "type": "select"}], "fields[0].options"),
        ([{"key": "a", "type": "text", "options": ["x"]}], "fields[0].options"),
        ([{"key": "a"}, {"key": "a"}], "fields"),
        ([{"key": "a", "type": "text", "rules": {"min": 1}}], "fields[0].rules.min"),
        ([{"key": "a", "map_to": "password"}], "fields[0].map_to"),
        ([{"key": "a", "onclick": "x"}], "fields[0].onclick"),
    ):
        with pytest.raises(ValidationError) as caught:
            normalise_fields(bad)
        assert caught.value.field == field


def test_settings_default_to_a_thank_you_message_and_check_redirects():
    assert normalise_settings({})["on_success"] == "message"
    assert normalise_settings({"redirect_url": "/next"})["on_success"] == "redirect"
    with pytest.raises(ValidationError, match="redirect_url"):
        normalise_settings({"on_success": "redirect"})
    with pytest.raises(ValidationError, match="redirect_url"):
        normalise_settings({"redirect_url": "javascript:alert(1)"})


def test_values_reach_contact_fields_by_key_or_mapping():
    assert contact_target({"key": "name"}) == "full_name"
    assert contact_target({"key": "utm_source"}) == "none"
    assert contact_target({"key": "budget"}) == "custom:budget"
    standard, custom = contact_values(FIELDS, {
        "name": "Ada King Lovelace", "email": "a@b.co", "topics": ["SEO"], "consent": True,
        "favourite_colour": "green", "utm_source": "x",
    })  # fmt: skip
    assert standard == {"first_name": "Ada", "last_name": "King Lovelace", "email": "a@b.co"}
    assert custom == {"topics": ["SEO"], "colour": "green"}


QUESTIONS = normalise_questions([
    {"key": "goal", "type": "radio", "options": ["Grow", "Browse"], "required": True,
     "jumps": {"Browse": "email"}, "scores": {"Grow": 10, "Browse": 1}},
    {"key": "budget", "type": "select", "options": ["Low", "High"], "scores": {"High": 5},
     "next": "end"},
    {"key": "email", "type": "email"},
])  # fmt: skip


def test_survey_jumps_progress_and_scores():
    assert next_key(QUESTIONS, "goal", "Grow") == "budget"
    assert next_key(QUESTIONS, "goal", "Browse") == "email"
    assert next_key(QUESTIONS, "budget", "Low") == END
    assert next_key(QUESTIONS, "email", "a@b.co") == END
    assert progress(QUESTIONS, "email") == (3, 3)
    assert score(QUESTIONS, {"goal": "Grow", "budget": "High"}) == 15


def test_survey_jumps_only_go_forward():
    for bad in (
        [{"key": "a", "type": "radio", "options": ["x"], "jumps": {"x": "a"}}],
        [{"key": "a", "type": "radio", "options": ["x"], "jumps": {"y": "end"}}],
        [{"key": "a", "type": "text", "next": "nowhere"}],
        [{"key": "a", "type": "radio", "options": ["x"], "scores": {"x": "many"}}],
        [{"key": "a", "type": "hidden"}],
    ):
        with pytest.raises(ValidationError):
            normalise_questions(bad)
