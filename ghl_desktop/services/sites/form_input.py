"""What a visitor typed, checked against the form's fields (or a survey's questions).

``check_input`` never raises for bad input: it returns the clean values and one message per
field in error, so the page can show each message next to its field and keep what was typed.
Only defined keys are read; anything else in the post is ignored. Control characters are
refused (newlines only in text areas), lengths are capped by type, choices must be offered,
emails and phones are parsed (phones to E.164 in the sub-account's country).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ghl_desktop.services.sites.form_fields import FieldType

MAX_LENGTH = {
    FieldType.TEXT: 500,
    FieldType.EMAIL: 320,
    FieldType.PHONE: 40,
    FieldType.TEXTAREA: 5000,
    FieldType.HIDDEN: 500,
    FieldType.SELECT: 200,
    FieldType.RADIO: 200,
    FieldType.CHECKBOX: 200,
    FieldType.DATE: 10,
    FieldType.NUMBER: 40,
    FieldType.CONSENT: 10,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")
_CHECKED = {"on", "true", "1", "yes"}

# What a visitor posted: every value of each name (checkboxes repeat their name).
Posted = Mapping[str, Sequence[str]]


@dataclass
class CheckedInput:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # What the visitor typed, per key, to put back into the form when it is shown again.
    typed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    pass


def _clean_text(raw: str, kind: FieldType) -> str:
    pattern = _CONTROL if kind is FieldType.TEXTAREA else _CONTROL_OR_NEWLINE
    if pattern.search(raw.replace("\r\n", "\n") if kind is FieldType.TEXTAREA else raw):
        raise _Invalid("contains characters that are not allowed")
    text = raw.replace("\r\n", "\n").strip()
    if len(text) > MAX_LENGTH[kind]:
        raise _Invalid(f"must be at most {MAX_LENGTH[kind]} characters")
    return text


def _length_rules(text: str, rules: Mapping[str, Any]) -> None:
    low, high = rules.get("min_length"), rules.get("max_length")
    if low is not None and len(text) < low:
        raise _Invalid(f"must be at least {low} characters")
    if high is not None and len(text) > high:
        raise _Invalid(f"must be at most {high} characters")


def _email(text: str) -> str:
    try:
        return str(validate_email(text, check_deliverability=False).normalized).lower()
    except EmailNotValidError:
        raise _Invalid("is not a valid email address") from None


def _phone(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _Invalid("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise _Invalid("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _number(text: str, rules: Mapping[str, Any]) -> int | float:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Invalid("must be a number") from None
    if not number.is_finite():
        raise _Invalid("must be a number")
    if "min" in rules and number < Decimal(rules["min"]):
        raise _Invalid(f"must be at least {rules['min']}")
    if "max" in rules and number > Decimal(rules["max"]):
        raise _Invalid(f"must be at most {rules['max']}")
    return int(number) if number == number.to_integral_value() else float(number)


def _date(text: str, rules: Mapping[str, Any]) -> str:
    try:
        value = date.fromisoformat(text).isoformat()
    except ValueError:
        raise _Invalid("must be a date (YYYY-MM-DD)") from None
    if rules.get("min") and value < rules["min"]:
        raise _Invalid(f"must be on or after {rules['min']}")
    if rules.get("max") and value > rules["max"]:
        raise _Invalid(f"must be on or before {rules['max']}")
    return value


def check_value(spec: Mapping[str, Any], given: Sequence[str], region: str) -> Any:
    """The clean value of one field, None when left empty; raises ``_Invalid``."""
    kind = FieldType(spec["type"])
    rules = spec.get("rules") or {}
    if kind is FieldType.CHECKBOX and spec.get("options"):
        chosen = [_clean_text(v, kind) for v in given if v]
        if any(c not in spec["options"] for c in chosen):
            raise _Invalid("is not one of the choices offered")
        return list(dict.fromkeys(chosen)) or None
    if len(given) > 1:
        raise _Invalid("was sent more than once")
    raw = given[0] if given else ""
    if kind in (FieldType.CHECKBOX, FieldType.CONSENT):
        text = _clean_text(raw, kind).lower()
        if text and text not in _CHECKED:
            raise _Invalid("must be ticked or left empty")
        return True if text else None
    text = _clean_text(raw, kind)
    if not text:
        return None
    if kind in (FieldType.SELECT, FieldType.RADIO):
        if text not in spec["options"]:
            raise _Invalid("is not one of the choices offered")
        return text
    if kind is FieldType.NUMBER:
        return _number(text, rules)
    if kind is FieldType.DATE:
        return _date(text, rules)
    _length_rules(text, rules)
    if kind is FieldType.EMAIL:
        return _email(text)
    if kind is FieldType.PHONE:
        return _phone(text, region)
    return text


def check_input(fields: Sequence[Mapping[str, Any]], posted: Posted, region: str) -> CheckedInput:
    result = CheckedInput()
    for spec in fields:
        key = spec["key"]
        given = [str(v) for v in posted.get(key, ())]
        result.typed[key] = given
        try:
            value = check_value(spec, given, region)
        except _Invalid as exc:
            result.errors[key] = str(exc)
            continue
        if value is None:
            if spec.get("required"):
                consent = spec["type"] == FieldType.CONSENT
                result.errors[key] = "must be ticked to continue" if consent else "is required"
            continue
        result.values[key] = value
    return result


def hidden_defaults(
    fields: Sequence[Mapping[str, Any]], query: Mapping[str, str]
) -> dict[str, str]:
    """Hidden fields filled from the page's URL parameters (``param``), else their default."""
    values: dict[str, str] = {}
    for spec in fields:
        if spec["type"] == FieldType.HIDDEN:
            given = query.get(spec.get("param") or spec["key"], spec.get("default", ""))
            values[spec["key"]] = str(given)[: MAX_LENGTH[FieldType.HIDDEN]]
    return values
