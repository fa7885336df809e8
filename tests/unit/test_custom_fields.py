"""Custom-field values checked against typed definitions, one rule at a time."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldType as T
from ghl_desktop.services.custom_fields import (
    validate_definition,
    validate_value,
    validate_values,
)

SIZES = ["1-10", "11-50", "51-200", "200+"]


def field(key: str, field_type: T, **kw: Any) -> ContactCustomField:
    kw.setdefault("options", [])
    kw.setdefault("is_required", False)
    kw.setdefault("default_value", None)
    return ContactCustomField(key=key, label=key.title(), field_type=field_type, **kw)


@pytest.mark.parametrize(
    ("definition", "value", "stored"),
    [
        (field("nickname", T.TEXT), "Ada", "Ada"),
        (field("bio", T.TEXTAREA), "line 1\nline 2", "line 1\nline 2"),
        (field("employees", T.NUMBER), 12, 12),
        (field("employees", T.NUMBER), 2.5, 2.5),
        (field("employees", T.NUMBER), " 40 ", 40),
        (field("employees", T.NUMBER), "1.25", 1.25),
        (field("revenue", T.MONETARY), 500_000, 500_000),
        (field("renewal", T.DATE), "2026-03-31", "2026-03-31"),
        (field("renewal", T.DATE), date(2026, 3, 31), "2026-03-31"),
        (field("company_size", T.SELECT, options=SIZES), "11-50", "11-50"),
        (
            field("interests", T.MULTISELECT, options=["seo", "ads", "email"]),
            ["ads", "seo", "ads"],
            ["ads", "seo"],
        ),
        (field("vip", T.CHECKBOX), False, False),
        (field("mobile", T.PHONE), "+44 20 7946 0958", "+442079460958"),
        (field("mobile", T.PHONE), "(415) 555-2671", "+14155552671"),  # region US
        (field("billing_email", T.EMAIL), " Billing@Example.COM", "billing@example.com"),
        (field("website", T.URL), "https://example.com/a?b=1", "https://example.com/a?b=1"),
    ],
)
def test_valid_values_are_stored_in_normal_form(definition, value, stored) -> None:
    assert validate_value(definition, value) == stored


@pytest.mark.parametrize(
    ("definition", "value", "message"),
    [
        (field("nickname", T.TEXT), 5, "custom_fields.nickname: must be text, got 5"),
        (field("nickname", T.TEXT), "x" * 1001, "must be at most 1000 characters"),
        (field("employees", T.NUMBER), "many", "custom_fields.employees: must be a number"),
        (field("employees", T.NUMBER), True, "must be a number, got True"),
        (field("employees", T.NUMBER), float("nan"), "must be a finite number"),
        (field("employees", T.NUMBER), "Infinity", "must be a finite number"),
        (field("revenue", T.MONETARY), 12.5, "must be a whole number of minor units"),
        (field("revenue", T.MONETARY), "100", "must be a whole number of minor units"),
        (field("renewal", T.DATE), "31/03/2026", "must be a date as YYYY-MM-DD"),
        (field("renewal", T.DATE), "2026-02-30", "must be a date as YYYY-MM-DD"),
        (field("renewal", T.DATE), "20260331", "must be a date as YYYY-MM-DD"),
        (
            field("company_size", T.SELECT, options=SIZES),
            "huge",
            "custom_fields.company_size: 'huge' is not one of 1-10, 11-50, 51-200, 200+",
        ),
        (
            field("interests", T.MULTISELECT, options=["seo", "ads"]),
            ["seo", "tv"],
            "custom_fields.interests: 'tv' is not one of seo, ads",
        ),
        (field("interests", T.MULTISELECT, options=["seo"]), "seo", "must be a list of options"),
        (field("vip", T.CHECKBOX), "yes", "custom_fields.vip: must be true or false"),
        (field("mobile", T.PHONE), "call me", "'call me' is not a phone number"),
        (field("mobile", T.PHONE), "+1 555 555 0100", "is not a valid phone number"),
        (field("billing_email", T.EMAIL), "nobody", "custom_fields.billing_email: is not a valid"),
        (field("website", T.URL), "javascript:alert(1)", "must be an http(s) URL"),
        (field("website", T.URL), "example.com", "must be an http(s) URL"),
    ],
)
def test_invalid_values_name_the_field(definition, value, message) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_value(definition, value)
    assert message in str(caught.value)
    assert caught.value.field == f"custom_fields.{definition.key}"


def test_phone_region_comes_from_the_caller() -> None:
    mobile = field("mobile", T.PHONE)
    assert validate_value(mobile, "020 7946 0958", region="GB") == "+442079460958"


DEFS = [
    field("company_size", T.SELECT, options=SIZES, is_required=True),
    field("vip", T.CHECKBOX, default_value=False),
    field("nickname", T.TEXT),
]


def test_new_rows_get_defaults_and_need_required_fields() -> None:
    assert validate_values(DEFS, {"company_size": "1-10"}) == {
        "company_size": "1-10",
        "vip": False,
    }
    with pytest.raises(ValidationError, match=r"^custom_fields\.company_size: is required$"):
        validate_values(DEFS, {"nickname": "Ada"})
    with pytest.raises(ValidationError, match="company_size: is required"):
        validate_values(DEFS, {"company_size": ""})


def test_empty_values_remove_the_key_and_unknown_keys_are_refused() -> None:
    stored = validate_values(DEFS, {"company_size": "1-10", "nickname": "", "vip": None})
    assert stored == {"company_size": "1-10"}
    with pytest.raises(ValidationError, match=r"custom_fields\.shoe_size: is not a defined"):
        validate_values(DEFS, {"company_size": "1-10", "shoe_size": 42})
    with pytest.raises(ValidationError, match="must be an object of field values"):
        validate_values(DEFS, ["company_size"])  # type: ignore[arg-type]


def test_updates_cannot_clear_required_fields_but_keep_legacy_keys() -> None:
    before = {"company_size": "1-10", "retired_field": "x"}
    after = validate_values(DEFS, {**before, "nickname": "Ada"}, previous=before)
    assert after == {"company_size": "1-10", "retired_field": "x", "nickname": "Ada"}
    with pytest.raises(ValidationError, match="company_size: is required"):
        validate_values(DEFS, {"retired_field": "x"}, previous=before)
    with pytest.raises(ValidationError, match="retired_field: is not a defined"):
        validate_values(DEFS, {**before, "retired_field": "y"}, previous=before)
    # A row stored before the field became required may still be edited otherwise.
    assert validate_values(DEFS, {"nickname": "Ada"}, previous={}) == {"nickname": "Ada"}


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (field("Company Size", T.TEXT), "key: must be snake_case"),
        (field("1st", T.TEXT), "key: must be snake_case"),
        (field("size", T.SELECT), "options: a select field needs text options"),
        (field("size", T.MULTISELECT, options=["a", "a"]), "options: options must be unique"),
        (field("size", T.TEXT, options=["a"]), "options: a text field has no options"),
        (
            field("size", T.SELECT, options=SIZES, default_value="huge"),
            "default_value: 'huge' is not one of",
        ),
    ],
)
def test_bad_definitions_are_refused(definition, message) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_definition(definition)
