"""If/else conditions: what they may look at, and the record of the values that decided them.

An ``if_else`` action's settings hold either one ``condition`` or ``conditions`` with
``match: "all" | "any"`` (default all). A condition is
``{"field": ..., "operator": ..., "value": ...}``; ``field`` is one of

* ``contact.<attribute>`` - a standard contact field (``contact.source``, ``contact.dnd_email``);
* ``custom.<key>`` (or ``custom_fields.<key>``) - a custom field value;
* ``tags`` - the contact's tag names (operators ``has_tag`` / ``not_has_tag``, value a name);
* ``context.<key>`` - the execution's context (``context.opened_email`` is set by
  ``signals.record_email_open``; ``context.trigger.<key>`` is the triggering event's payload);
* ``steps.<action_id>.<key>`` - a previous step's result (``steps.<id>.status`` its status).

Every evaluation returns the decisions: field, operator, expected and actual value, outcome -
stored in the step's result so the execution log can show why a branch was taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ghl_desktop.core.errors import ValidationError


@dataclass(frozen=True)
class Facts:
    """What a condition can read, gathered once per if/else."""

    contact: Mapping[str, Any]
    custom: Mapping[str, Any]
    tags: frozenset[str]  # lower-case names
    context: Mapping[str, Any]
    steps: Mapping[str, Mapping[str, Any]]  # action id -> {"status": ..., **result}


def _dig(data: Any, parts: list[str]) -> Any:
    current = data
    for part in parts:
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    return value


def resolve(field: str, facts: Facts) -> Any:
    head, _, rest = field.partition(".")
    parts = rest.split(".") if rest else []
    if head == "tags":
        return sorted(facts.tags)
    if head == "contact" and parts:
        return _json_safe(facts.contact.get(parts[0]))
    if head in ("custom", "custom_fields") and parts:
        return _json_safe(_dig(facts.custom, parts))
    if head == "context" and parts:
        return _json_safe(_dig(facts.context, parts))
    if head in ("step", "steps") and len(parts) >= 2:
        return _json_safe(_dig(facts.steps.get(parts[0], {}), parts[1:]))
    raise ValidationError("field", f"unknown condition field {field!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(actual: Any, expected: Any, test: Callable[[Any, Any], bool]) -> bool:
    a, e = _number(actual), _number(expected)
    if a is not None and e is not None:
        return test(a, e)
    if actual is None or expected is None:
        return False
    return test(str(actual), str(expected))


def _text(value: Any) -> str:
    return "" if value is None else str(value).casefold()


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return _text(expected) in {_text(v) for v in actual}
    return _text(expected) in _text(actual)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda a, e: _text(a) == _text(e) if not isinstance(a, bool) else a == bool(e),
    "not_equals": lambda a, e: not OPERATORS["equals"](a, e),
    "contains": _contains,
    "not_contains": lambda a, e: not _contains(a, e),
    "starts_with": lambda a, e: _text(a).startswith(_text(e)),
    "greater_than": lambda a, e: _compare(a, e, lambda x, y: x > y),
    "less_than": lambda a, e: _compare(a, e, lambda x, y: x < y),
    "greater_or_equal": lambda a, e: _compare(a, e, lambda x, y: x >= y),
    "less_or_equal": lambda a, e: _compare(a, e, lambda x, y: x <= y),
    "is_empty": lambda a, _e: _empty(a),
    "is_not_empty": lambda a, _e: not _empty(a),
    "is_true": lambda a, _e: a is True or _text(a) in ("true", "yes", "1"),
    "is_false": lambda a, _e: not (a is True or _text(a) in ("true", "yes", "1")),
    "has_tag": lambda a, e: _contains(a, e),
    "not_has_tag": lambda a, e: not _contains(a, e),
    "in": lambda a, e: isinstance(e, list) and _text(a) in {_text(v) for v in e},
}


def conditions_of(settings: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str]:
    """The list of conditions of an if/else and how they combine ("all" or "any")."""
    if isinstance(settings.get("condition"), Mapping):
        return [settings["condition"]], "all"
    raw = settings.get("conditions")
    if not isinstance(raw, list) or not raw:
        raise ValidationError("conditions", "an if/else needs at least one condition")
    match = str(settings.get("match") or "all")
    if match not in ("all", "any"):
        raise ValidationError("match", f"must be 'all' or 'any', got {match!r}")
    return [c for c in raw if isinstance(c, Mapping)], match


def evaluate(settings: Mapping[str, Any], facts: Facts) -> tuple[bool, list[dict[str, Any]]]:
    """Whether the if/else holds, and for each condition the values that decided it."""
    conditions, match = conditions_of(settings)
    decisions: list[dict[str, Any]] = []
    for cond in conditions:
        field = str(cond.get("field") or "")
        operator = str(cond.get("operator") or "equals")
        test = OPERATORS.get(operator)
        if test is None:
            raise ValidationError("operator", f"unknown operator {operator!r}")
        expected = cond.get("value")
        actual = resolve(field, facts)
        outcome = bool(test(actual, expected))
        decisions.append(
            {"field": field, "operator": operator, "value": expected, "actual": actual,
             "result": outcome}
        )  # fmt: skip
    results = [d["result"] for d in decisions]
    passed = all(results) if match == "all" else any(results)
    return passed, decisions
