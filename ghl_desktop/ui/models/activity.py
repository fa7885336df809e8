"""Recent activity of a sub-account (from the activity log), newest first."""

from __future__ import annotations

from typing import Any

from ghl_desktop.services.agencies import ActivityInfo
from ghl_desktop.ui.models.base import RecordTableModel

WHEN, WHO, WHAT, DETAILS = range(4)

ENTITY_LABELS = {
    "agencies": "Agency",
    "sub_accounts": "Sub-account",
    "users": "User",
    "roles": "Role",
    "user_agency_memberships": "Agency access",
    "user_sub_account_memberships": "Sub-account access",
}


def entity_label(entity_type: str) -> str:
    """A table name as a thing: "opportunities" → "Opportunity" (unless labelled above)."""
    if entity_type in ENTITY_LABELS:
        return ENTITY_LABELS[entity_type]
    words = entity_type.split("_")
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("sses"):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    words = [*words[:-1], last]
    text = " ".join("AI" if word == "ai" else word for word in words)
    return text[:1].upper() + text[1:]


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _short(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 40 else text[:39] + "…"


def describe_changes(item: ActivityInfo) -> str:
    """Changed fields people can read; ids and timestamps stay out (they mean nothing here)."""
    parts = []
    for field, old, new in item.changes:
        if field == "id" or field.endswith("_id"):
            continue
        label = field.replace("_", " ")
        if item.action == "created":
            parts.append(f"{label}: {_short(new)}")
        elif not field.endswith("_at"):
            parts.append(f"{label}: {_short(old)} → {_short(new)}")
    return ", ".join(parts)


class ActivityTableModel(RecordTableModel[ActivityInfo]):
    HEADERS = ("When", "Who", "What", "Details")

    def display(self, item: ActivityInfo, column: int) -> str:
        if column == WHEN:
            return item.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == WHO:
            return item.actor_label
        if column == WHAT:
            return f"{entity_label(item.entity_type)} {item.action}"
        if column == DETAILS:
            return describe_changes(item)
        return ""

    def tooltip(self, item: ActivityInfo, column: int) -> str | None:
        if column == DETAILS:
            return describe_changes(item) or None
        return None
