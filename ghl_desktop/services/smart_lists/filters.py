"""The smart-list filter: a JSON document of nested AND/OR groups of conditions.

Shape (stored in ``smart_lists.filter``, accepted by ``--filter-json``)::

    {"op": "and",                      # "and" | "or"
     "conditions": [                   # conditions and nested groups, any depth up to 5
        {"field": "tags", "operator": "has_any", "value": ["VIP", "Lead"]},
        {"field": "custom_fields.industry", "operator": "eq", "value": "technology"},
        {"field": "created_at", "operator": "within_last_days", "value": 90},
        {"op": "or", "conditions": [
            {"field": "lifecycle_stage", "operator": "in", "value": ["lead", "mql"]},
            {"field": "lead_score", "operator": "gte", "value": 50}]}]}

An empty group (no conditions) matches every contact, whatever its ``op``.

Fields and their operators (``value`` column: what ``value`` must be):

=========================  =========  ===================================================
field                      kind       operators
=========================  =========  ===================================================
first_name, last_name,     text       eq, neq, contains, not_contains, starts_with,
full_name, email, phone,              ends_with (string); in, not_in (list of strings);
company, address1, city,              is_empty, is_not_empty (no value)
state, postal_code,
country, source, timezone
lead_score                 number     eq, neq, gt, gte, lt, lte (number); between
                                      ([low, high], inclusive); is_empty, is_not_empty
created_at, updated_at     datetime   before, after, on (date "YYYY-MM-DD", the
date_of_birth              date       sub-account's calendar day); between ([from, to]
                                      dates, inclusive); within_last_days,
                                      more_than_days_ago (whole number of days);
                                      is_empty, is_not_empty
lifecycle_stage            enum       eq, neq (stage); in, not_in (list); is_empty,
                                      is_not_empty
assigned_user_id           user       eq, neq (user id); in, not_in (list of ids);
                                      is_empty (unassigned), is_not_empty
dnd_sms, dnd_email,        bool       is_true, is_false (no value)
dnd_whatsapp, dnd_calls,
dnd_any (any channel)
tags                       tags       has_any, has_all, has_none (list of tag names or ids)
custom_fields.<key>        by type    text/textarea/email/phone/url: as text;
                                      number/monetary: as number; date: as date;
                                      select: as enum; checkbox: as bool;
                                      multiselect: has_any, has_all, has_none (options),
                                      is_empty, is_not_empty
=========================  =========  ===================================================

Text comparisons ignore case (ASCII letters). Negative operators (``neq``, ``not_contains``,
``not_in``, ``has_none``) also match contacts whose value is empty; the others never match an
empty value. Dates are calendar days in the sub-account's time zone; "within the last N days"
means the last N*24 hours up to now.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ghl_desktop.core.errors import ValidationError

MAX_DEPTH = 5
MAX_CONDITIONS = 100
CUSTOM_PREFIX = "custom_fields."


class Kind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATETIME = "datetime"
    DATE = "date"
    ENUM = "enum"
    USER = "user"
    BOOL = "bool"
    TAGS = "tags"
    MULTI = "multi"


NO_VALUE = frozenset({"is_empty", "is_not_empty", "is_true", "is_false"})
OPERATORS: dict[Kind, frozenset[str]] = {
    Kind.TEXT: frozenset(
        [
            "eq",
            "neq",
            "contains",
            "not_contains",
            "starts_with",
            "ends_with",
            "in",
            "not_in",
            "is_empty",
            "is_not_empty",
        ]
    ),
    Kind.NUMBER: frozenset(
        {"eq", "neq", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"}
    ),
    Kind.DATETIME: frozenset(
        [
            "before",
            "after",
            "on",
            "between",
            "within_last_days",
            "more_than_days_ago",
            "is_empty",
            "is_not_empty",
        ]
    ),
    Kind.ENUM: frozenset({"eq", "neq", "in", "not_in", "is_empty", "is_not_empty"}),
    Kind.USER: frozenset({"eq", "neq", "in", "not_in", "is_empty", "is_not_empty"}),
    Kind.BOOL: frozenset({"is_true", "is_false"}),
    Kind.TAGS: frozenset({"has_any", "has_all", "has_none"}),
    Kind.MULTI: frozenset({"has_any", "has_all", "has_none", "is_empty", "is_not_empty"}),
}
OPERATORS[Kind.DATE] = OPERATORS[Kind.DATETIME]

# Standard fields: name -> kind. Custom fields are looked up in their definitions.
STANDARD_FIELDS: dict[str, Kind] = {
    **dict.fromkeys(
        [
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
            "source",
            "timezone",
        ],
        Kind.TEXT,
    ),
    "lead_score": Kind.NUMBER,
    "created_at": Kind.DATETIME,
    "updated_at": Kind.DATETIME,
    "date_of_birth": Kind.DATE,
    "lifecycle_stage": Kind.ENUM,
    "assigned_user_id": Kind.USER,
    **dict.fromkeys(("dnd_sms", "dnd_email", "dnd_whatsapp", "dnd_calls", "dnd_any"), Kind.BOOL),
    "tags": Kind.TAGS,
}


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "operator": self.operator}
        if self.operator not in NO_VALUE:
            data["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return data


@dataclass(frozen=True)
class Group:
    op: str = "and"
    conditions: tuple[Condition | Group, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "conditions": [c.to_json() for c in self.conditions]}

    def walk(self) -> list[Condition]:
        """Every condition, depth first."""
        found: list[Condition] = []
        for item in self.conditions:
            found.extend(item.walk() if isinstance(item, Group) else [item])
        return found


MATCH_ALL = Group()


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _parse(data: Any, path: str, depth: int, budget: list[int]) -> Condition | Group:
    if not isinstance(data, Mapping):
        raise ValidationError(path, f"must be an object, got {data!r}")
    if "conditions" in data or "op" in data:
        if depth > MAX_DEPTH:
            raise ValidationError(path, f"groups nest at most {MAX_DEPTH} deep")
        op = str(data.get("op", "and")).lower()
        if op not in ("and", "or"):
            raise ValidationError(f"{path}.op", f"must be 'and' or 'or', got {data.get('op')!r}")
        items = data.get("conditions", [])
        if not isinstance(items, list):
            raise ValidationError(f"{path}.conditions", "must be a list")
        parsed = tuple(
            _parse(item, f"{path}.conditions[{i}]", depth + 1, budget)
            for i, item in enumerate(items)
        )
        return Group(op, parsed)
    budget[0] -= 1
    if budget[0] < 0:
        raise ValidationError("filter", f"at most {MAX_CONDITIONS} conditions")
    field = data.get("field")
    operator = data.get("operator")
    if not isinstance(field, str) or not field:
        raise ValidationError(f"{path}.field", "is required")
    if not isinstance(operator, str) or not operator:
        raise ValidationError(f"{path}.operator", "is required")
    if field not in STANDARD_FIELDS and not field.startswith(CUSTOM_PREFIX):
        raise ValidationError(f"{path}.field", f"unknown field {field!r}")
    if operator not in NO_VALUE and "value" not in data:
        raise ValidationError(f"{path}.value", f"is required for {operator!r}")
    return Condition(field, operator, _freeze(data.get("value")))


def parse_filter(data: Any) -> Group:
    """Check the shape of a filter document (a dict or its JSON text) and build it.

    Field-specific checks (operators, value types, custom fields, tags) happen when the
    filter is compiled against a sub-account (``services.smart_lists.compiler``).
    """
    if data is None:
        return MATCH_ALL
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValidationError("filter", f"is not valid JSON ({exc.msg})") from None
    if isinstance(data, Mapping) and "field" in data:
        data = {"op": "and", "conditions": [data]}  # one bare condition
    result = _parse(data, "filter", 1, [MAX_CONDITIONS])
    assert isinstance(result, Group)
    return result
