"""Form field definitions as the owner builds them, checked and normalised on save.

A field: ``{"key": "email", "label": "Email", "type": "email", "required": true}`` plus, by
type, ``options`` (select, radio, checkbox with choices), ``placeholder``, ``default``,
``rules`` (``min_length``/``max_length`` for text, ``min``/``max`` for numbers and dates),
``param`` (hidden fields: the URL parameter that fills it, default the key) and ``map_to``
(the contact field it fills: a standard field, ``custom:<key>`` for a custom field, ``none``
to keep it on the submission only; left out, the key decides - see ``contact_target``).

Form settings: ``on_success`` (``message`` | ``redirect`` | ``next_step``),
``thank_you_message`` (plain text), ``redirect_url``, ``submit_label``, ``tags`` (names
added to the contact).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites.common import href, text_value

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FIELDS = 50
MAX_OPTIONS = 100
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Visitor values map to these contact fields by key (``name``/``full_name`` are split).
STANDARD_TARGETS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "company",
    "address1",
    "city",
    "state",
    "postal_code",
    "country",
    "date_of_birth",
    "timezone",
)
NAME_ALIASES = {"name": "full_name"}


class FieldType(enum.StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    TEXTAREA = "textarea"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    DATE = "date"
    NUMBER = "number"
    HIDDEN = "hidden"
    CONSENT = "consent"


CHOICE_TYPES = {FieldType.SELECT, FieldType.RADIO}
TEXT_TYPES = {FieldType.TEXT, FieldType.TEXTAREA, FieldType.HIDDEN, FieldType.EMAIL}


class SuccessAction(enum.StrEnum):
    MESSAGE = "message"
    REDIRECT = "redirect"
    NEXT_STEP = "next_step"


def _bool(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false, got {value!r}")
    return value


def _options(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_OPTIONS:
        raise ValidationError(field, f"must be a list of at most {MAX_OPTIONS} choices")
    options = [text_value(v, field, 200, required=True) for v in value]
    if len(set(options)) != len(options):
        raise ValidationError(field, "choices must be different from each other")
    return options


def _number(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(field, f"must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ValidationError(field, f"must be a finite number, got {value!r}")
    return number


def _date(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, got {value!r}") from None


def _rules(kind: FieldType, value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be an object of rules")
    rules: dict[str, Any] = {}
    for name, given in value.items():
        where = f"{field}.{name}"
        if name in ("min_length", "max_length") and kind in TEXT_TYPES | {FieldType.PHONE}:
            if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= 5000:
                raise ValidationError(where, "must be a whole number from 0 to 5000")
            rules[name] = given
        elif name in ("min", "max") and kind is FieldType.NUMBER:
            number = _number(given, where)
            if number is not None:
                rules[name] = str(number)
        elif name in ("min", "max") and kind is FieldType.DATE:
            rules[name] = _date(given, where)
        else:
            raise ValidationError(where, f"is not a rule of a {kind.value} field")
    low, high = rules.get("min_length"), rules.get("max_length")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"{field}.min_length", "must not exceed max_length")
    return rules


def _map_to(value: Any, field: str) -> str:
    if value is None or value == "":
        return ""
    text = text_value(value, field, 80)
    if text == "none" or text in STANDARD_TARGETS:
        return text
    if text.startswith("custom:") and KEY.match(text.removeprefix("custom:")):
        return text
    raise ValidationError(
        field, f"{text!r} is not a contact field (a standard field, custom:<key> or none)"
    )


def normalise_field(raw: Any, position: int) -> dict[str, Any]:
    where = f"fields[{position}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(where, "must be an object")
    key = text_value(raw.get("key"), f"{where}.key", 64, required=True)
    if not KEY.match(key):
        raise ValidationError(f"{where}.key", f"{key!r} must be snake_case like first_name")
    try:
        kind = FieldType(raw.get("type") or "text")
    except ValueError:
        allowed = ", ".join(t.value for t in FieldType)
        raise ValidationError(f"{where}.type", f"must be one of {allowed}") from None
    field: dict[str, Any] = {
        "key": key,
        "label": text_value(
            raw.get("label") or key.replace("_", " ").capitalize(), f"{where}.label", 500
        ),
        "type": kind.value,
        "required": _bool(raw.get("required"), f"{where}.required"),
    }
    options = _options(raw.get("options"), f"{where}.options")
    if kind in CHOICE_TYPES and not options:
        raise ValidationError(f"{where}.options", f"a {kind.value} field needs choices")
    if options and kind not in CHOICE_TYPES | {FieldType.CHECKBOX}:
        raise ValidationError(f"{where}.options", f"a {kind.value} field has no choices")
    if options:
        field["options"] = options
    placeholder = text_value(raw.get("placeholder"), f"{where}.placeholder", 200)
    if placeholder:
        field["placeholder"] = placeholder
    default = text_value(raw.get("default"), f"{where}.default", 500)
    if default:
        field["default"] = default
    rules = _rules(kind, raw.get("rules"), f"{where}.rules")
    if rules:
        field["rules"] = rules
    if kind is FieldType.HIDDEN:
        param = text_value(raw.get("param") or key, f"{where}.param", 64)
        if not re.match(r"^[A-Za-z0-9_.-]+$", param):
            raise ValidationError(f"{where}.param", f"{param!r} is not a URL parameter name")
        field["param"] = param
    map_to = _map_to(raw.get("map_to"), f"{where}.map_to")
    if map_to:
        field["map_to"] = map_to
    unknown = set(raw) - {
        "key",
        "label",
        "type",
        "required",
        "options",
        "placeholder",
        "default",
        "rules",
        "param",
        "map_to",
    }
    if unknown:
        raise ValidationError(f"{where}.{sorted(unknown)[0]}", "is not a field property")
    return field


def normalise_fields(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ValidationError("fields", "must be a list of fields")
    if len(raw) > MAX_FIELDS:
        raise ValidationError("fields", f"a form holds at most {MAX_FIELDS} fields")
    fields = [normalise_field(item, i) for i, item in enumerate(raw)]
    keys = [f["key"] for f in fields]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ValidationError("fields", f"the key {duplicate!r} is used twice")
    return fields


def normalise_settings(raw: Any) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError("settings", "must be an object")
    redirect = href(raw.get("redirect_url"), "settings.redirect_url")
    given = raw.get("on_success") or (SuccessAction.REDIRECT if redirect else "message")
    try:
        action = SuccessAction(given)
    except ValueError:
        allowed = ", ".join(a.value for a in SuccessAction)
        raise ValidationError("settings.on_success", f"must be one of {allowed}") from None
    if action is SuccessAction.REDIRECT and not redirect:
        raise ValidationError("settings.redirect_url", "is required to redirect on success")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or len(tags) > 20:
        raise ValidationError("settings.tags", "must be a list of at most 20 tag names")
    settings: dict[str, Any] = {
        "on_success": action.value,
        "thank_you_message": text_value(
            raw.get("thank_you_message") or "Thank you! We received your details.",
            "settings.thank_you_message",
            2000,
        ),
        "redirect_url": redirect,
        "submit_label": text_value(
            raw.get("submit_label") or "Submit", "settings.submit_label", 100
        ),
        "tags": [text_value(t, "settings.tags", 100, required=True) for t in tags],
    }
    unknown = set(raw) - set(settings)
    if unknown:
        raise ValidationError(f"settings.{sorted(unknown)[0]}", "is not a form setting")
    return settings


def contact_target(field: Mapping[str, Any]) -> str:
    """The contact field a form field fills: ``map_to`` if set, else a standard field of the
    same key (``name`` counts as ``full_name``), else ``custom:<key>`` (kept only when the
    sub-account defines that custom field). ``none`` keeps it on the submission only."""
    explicit = field.get("map_to")
    if explicit:
        return str(explicit)
    key = str(field["key"])
    key = NAME_ALIASES.get(key, key)
    if key in STANDARD_TARGETS:
        return key
    if field.get("type") == FieldType.CONSENT or key in UTM_KEYS:
        return "none"
    return f"custom:{key}"
