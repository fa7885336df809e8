"""Plain words for why a run went the way it did: the values behind an if/else and when a wait
ends. One wording for the execution log, the per-contact runs, the dry run and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any


def value_text(value: Any) -> str:
    """``empty`` for nothing, yes/no for booleans, quoted text, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def decision_text(decision: Mapping[str, Any]) -> str:
    """``lead_score greater or equal 50 (was 65) → yes``."""
    operator = str(decision.get("operator") or "").replace("_", " ")
    expected = decision.get("value")
    shown = "" if expected is None else f" {value_text(expected)}"
    outcome = ""
    if "result" in decision:
        outcome = " → yes" if decision["result"] else " → no"
    actual = value_text(decision.get("actual"))
    return f"{decision.get('field')} {operator}{shown} (was {actual}){outcome}"


def decisions_text(branch: object, decisions: Iterable[Mapping[str, Any]]) -> str:
    """``branch yes: context.opened_email is true (was yes) → yes``."""
    joined = "; ".join(decision_text(d) for d in decisions)
    return f"branch {branch}" + (f": {joined}" if joined else "")


def instant_text(value: object) -> str:
    """A stored instant (ISO text or datetime) as ``Fri 27 Nov 2026 04:35 UTC``."""
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(when, datetime):
        return "" if when is None else str(when)
    zone = when.tzname() or ""
    return when.strftime("%a %d %b %Y %H:%M") + (f" {zone}" if zone else "")
