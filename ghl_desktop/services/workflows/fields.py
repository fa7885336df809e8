"""Setting and filter fields of triggers and actions, and the references their values make.

A ``FieldSpec`` says what a value is (``kind``), whether it is required, and which choices it
allows. The builder generates its settings panel from these; validation checks values against
them; "find references" reads the tags, custom fields, users, stages and templates they name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Kind:
    """Value kinds. Reference kinds hold the id (or, for tags, the name) of another record."""

    TEXT = "text"
    MULTILINE = "multiline"
    INTEGER = "int"
    BOOLEAN = "bool"
    CHOICE = "choice"
    CHOICES = "choices"  # a list of choices (weekdays)
    URL = "url"
    DATETIME = "datetime"  # ISO 8601 with offset
    TIME = "time"  # HH:MM
    MAPPING = "mapping"  # a JSON object (headers, event filters)
    CONDITIONS = "conditions"  # if/else condition list, see CONDITION_OPERATORS
    CONTACT_FIELD = "contact_field"  # a contact attribute or custom_fields.<key>
    DATE_FIELD = "date_field"  # date_of_birth or custom_fields.<key>
    TRIGGER_TYPE = "trigger_type"  # an event kind, by trigger type (wait until / goal)
    TAG = "tag"  # by name: a renamed tag no longer matches and is flagged
    USER = "user"
    EMAIL_TEMPLATE = "email_template"
    SMS_TEMPLATE = "sms_template"
    CUSTOM_FIELD = "custom_field"  # by key
    PIPELINE = "pipeline"
    PIPELINE_STAGE = "pipeline_stage"
    WORKFLOW = "workflow"
    FORM = "form"
    SURVEY = "survey"
    CALENDAR = "calendar"


# Reference kinds "find references" and validation look up (the kind names are the record kinds).
REFERENCE_KINDS = (
    Kind.TAG,
    Kind.USER,
    Kind.EMAIL_TEMPLATE,
    Kind.SMS_TEMPLATE,
    Kind.CUSTOM_FIELD,
    Kind.PIPELINE,
    Kind.PIPELINE_STAGE,
    Kind.WORKFLOW,
    Kind.FORM,
    Kind.SURVEY,
    Kind.CALENDAR,
)

CONTACT_ATTRIBUTES = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "source",
    "address1",
    "city",
    "state",
    "postal_code",
    "country",
    "timezone",
    "lifecycle_stage",
    "lead_score",
    "date_of_birth",
    "dnd_email",
    "dnd_sms",
    "dnd_whatsapp",
    "dnd_calls",
    "assigned_user_id",
)
CUSTOM_PREFIX = "custom_fields."

UNARY_OPERATORS = ("is_empty", "is_not_empty", "is_true", "is_false")
BINARY_OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "greater_than",
    "less_than",
    "has_tag",
    "not_has_tag",
)
CONDITION_OPERATORS = UNARY_OPERATORS + BINARY_OPERATORS
# Operands of an if/else condition: contact.<attr>, custom_fields.<key>, tags, context.<key>
# (the execution's context) and steps.<action_id>.<key> (a previous step's result).
OPERAND_PREFIXES = ("contact.", CUSTOM_PREFIX, "context.", "steps.")


@dataclass(frozen=True)
class Reference:
    """``kind`` record ``value`` is used by setting ``field`` (e.g. ``conditions[0].value``)."""

    kind: str
    value: str
    field: str


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str = Kind.TEXT
    required: bool = False
    options: tuple[str, ...] = ()
    default: Any = None
    help: str = ""
    # Required only while another setting has one of these values ({"mode": ("duration",)}).
    required_when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    # Values accepted besides a reference (a USER field also takes "contact_owner").
    keywords: tuple[str, ...] = ()
    minimum: int | None = None
    # Shown only while another setting has one of these values (the builder hides the rest).
    shown_when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def is_shown(self, values: Mapping[str, Any]) -> bool:
        return all(values.get(key) in allowed for key, allowed in self.shown_when.items())

    def is_required(self, values: Mapping[str, Any]) -> bool:
        if self.required:
            return True
        return any(values.get(key) in allowed for key, allowed in self.required_when.items())

    def problems(self, value: Any, values: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``value`` (empty list when it is fine)."""
        if is_blank(value):
            return ["is required"] if self.is_required(values) else []
        check = _CHECKS.get(self.kind, _check_text)
        return check(self, value)

    def references(self, value: Any) -> list[Reference]:
        if is_blank(value):
            return []
        if self.kind == Kind.CONDITIONS:
            return condition_references(value, self.key)
        if self.kind in (Kind.CONTACT_FIELD, Kind.DATE_FIELD):
            text = str(value)
            if text.startswith(CUSTOM_PREFIX):
                return [Reference(Kind.CUSTOM_FIELD, text[len(CUSTOM_PREFIX) :], self.key)]
            return []
        if self.kind in REFERENCE_KINDS and str(value) not in self.keywords:
            return [Reference(self.kind, str(value), self.key)]
        return []


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _check_text(_spec: FieldSpec, value: Any) -> list[str]:
    return [] if isinstance(value, str) else ["must be text"]


def _check_int(spec: FieldSpec, value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return ["must be a whole number"]
    if spec.minimum is not None and value < spec.minimum:
        return [f"must be at least {spec.minimum}"]
    return []


def _check_bool(_spec: FieldSpec, value: Any) -> list[str]:
    return [] if isinstance(value, bool) else ["must be true or false"]


def _check_choice(spec: FieldSpec, value: Any) -> list[str]:
    if value not in spec.options:
        return [f"must be one of {', '.join(spec.options)}"]
    return []


def _check_choices(spec: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, list) or any(v not in spec.options for v in value):
        return [f"must be a list of {', '.join(spec.options)}"]
    return []


def _check_url(_spec: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["must be text"]
    match = re.fullmatch(r"https?://(\[[^\]]+\]|[^/:?#\s]+)(:\d+)?([/?#]\S*)?", value.strip())
    if match is None:
        return ["must be an http:// or https:// URL with a host"]
    host = match.group(1).strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ["must not point at this machine"] if host.lower() == "localhost" else []
    if address.is_private or address.is_loopback or address.is_link_local:
        return ["must not target a private, loopback or link-local address"]
    return []


def _check_datetime(_spec: FieldSpec, value: Any) -> list[str]:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return ["must be an ISO date and time (2026-01-31T09:00:00+00:00)"]
    return [] if parsed.tzinfo is not None else ["must include a UTC offset"]


def _check_time(_spec: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, str) or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value) is None:
        return ["must be a time of day as HH:MM"]
    return []


def _check_mapping(_spec: FieldSpec, value: Any) -> list[str]:
    return [] if isinstance(value, dict) else ["must be an object of names and values"]


def _check_contact_field(spec: FieldSpec, value: Any) -> list[str]:
    text = str(value)
    if text.startswith(CUSTOM_PREFIX) and len(text) > len(CUSTOM_PREFIX):
        return []
    allowed = ("date_of_birth",) if spec.kind == Kind.DATE_FIELD else CONTACT_ATTRIBUTES
    if text in allowed:
        return []
    return [f"must be one of {', '.join(allowed)} or custom_fields.<key>"]


def _check_conditions(_spec: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["must be a list of conditions"]
    problems: list[str] = []
    for index, condition in enumerate(value):
        problems.extend(f"condition {index + 1}: {p}" for p in condition_problems(condition))
    return problems


def condition_problems(condition: Any) -> list[str]:
    if not isinstance(condition, dict):
        return ["must be an object with field, operator and value"]
    operand = condition.get("field")
    operator = condition.get("operator")
    problems: list[str] = []
    if not isinstance(operand, str) or not (
        operand == "tags"
        or any(operand.startswith(p) and len(operand) > len(p) for p in OPERAND_PREFIXES)
    ):
        problems.append(
            "field must be tags, contact.<field>, custom_fields.<key>, context.<key> "
            "or steps.<step id>.<key>"
        )
    if operator not in CONDITION_OPERATORS:
        problems.append(f"operator must be one of {', '.join(CONDITION_OPERATORS)}")
    elif operator in ("has_tag", "not_has_tag") and operand != "tags":
        problems.append(f"operator {operator} needs the field tags")
    elif operand == "tags" and operator not in ("has_tag", "not_has_tag"):
        problems.append("the field tags takes the operators has_tag and not_has_tag")
    if operator in BINARY_OPERATORS and is_blank(condition.get("value")):
        problems.append("value is required")
    return problems


def condition_references(conditions: Any, key: str) -> list[Reference]:
    if not isinstance(conditions, list):
        return []
    found: list[Reference] = []
    for index, condition in enumerate(conditions):
        if not isinstance(condition, dict):
            continue
        operand = str(condition.get("field") or "")
        where = f"{key}[{index}]"
        if operand == "tags" and not is_blank(condition.get("value")):
            found.append(Reference(Kind.TAG, str(condition["value"]), f"{where}.value"))
        elif operand.startswith(CUSTOM_PREFIX):
            name = operand[len(CUSTOM_PREFIX) :]
            found.append(Reference(Kind.CUSTOM_FIELD, name, f"{where}.field"))
    return found


def step_operands(conditions: Any) -> Iterable[tuple[int, str]]:
    """(index, action id) of every ``steps.<action_id>.<key>`` operand."""
    if not isinstance(conditions, list):
        return
    for index, condition in enumerate(conditions):
        operand = str(condition.get("field") or "") if isinstance(condition, dict) else ""
        if operand.startswith("steps."):
            yield index, operand.split(".")[1]


_CHECKS = {
    Kind.INTEGER: _check_int,
    Kind.BOOLEAN: _check_bool,
    Kind.CHOICE: _check_choice,
    Kind.CHOICES: _check_choices,
    Kind.URL: _check_url,
    Kind.DATETIME: _check_datetime,
    Kind.TIME: _check_time,
    Kind.MAPPING: _check_mapping,
    Kind.CONDITIONS: _check_conditions,
    Kind.CONTACT_FIELD: _check_contact_field,
    Kind.DATE_FIELD: _check_contact_field,
}
