"""Labels and kinds of what a smart-list filter can test: standard fields, custom fields and
tags, with the operators the smart-list model supports for each kind, in a reading order."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.smart_lists.filters import (
    CUSTOM_PREFIX,
    OPERATORS,
    STANDARD_FIELDS,
    Kind,
)
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups

FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
    "address1": "Address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
    "source": "Source",
    "timezone": "Time zone",
    "lead_score": "Lead score",
    "created_at": "Created",
    "updated_at": "Updated",
    "date_of_birth": "Date of birth",
    "lifecycle_stage": "Lifecycle stage",
    "assigned_user_id": "Assigned user",
    "dnd_sms": "DND SMS",
    "dnd_email": "DND email",
    "dnd_whatsapp": "DND WhatsApp",
    "dnd_calls": "DND calls",
    "dnd_any": "DND any channel",
    "tags": "Tags",
}

OPERATOR_LABELS = {
    "eq": "is",
    "neq": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "in": "is any of",
    "not_in": "is none of",
    "gt": "is greater than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "between": "is between",
    "before": "is before",
    "after": "is after",
    "on": "is on",
    "within_last_days": "is within the last (days)",
    "more_than_days_ago": "is more than (days) ago",
    "has_any": "has any of",
    "has_all": "has all of",
    "has_none": "has none of",
    "is_true": "is on",
    "is_false": "is off",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
}
OPERATOR_ORDER = list(OPERATOR_LABELS)

CUSTOM_KINDS = {
    CustomFieldType.TEXT: Kind.TEXT,
    CustomFieldType.TEXTAREA: Kind.TEXT,
    CustomFieldType.EMAIL: Kind.TEXT,
    CustomFieldType.PHONE: Kind.TEXT,
    CustomFieldType.URL: Kind.TEXT,
    CustomFieldType.NUMBER: Kind.NUMBER,
    CustomFieldType.MONETARY: Kind.NUMBER,
    CustomFieldType.DATE: Kind.DATE,
    CustomFieldType.SELECT: Kind.ENUM,
    CustomFieldType.CHECKBOX: Kind.BOOL,
    CustomFieldType.MULTISELECT: Kind.MULTI,
}


@dataclass(frozen=True)
class FilterField:
    key: str  # "city", "tags", "custom_fields.industry"
    label: str
    kind: Kind
    options: tuple[tuple[str, str], ...] = ()  # (label, value) for enum, user, tags, multi


def operators_for(kind: Kind) -> list[str]:
    return [op for op in OPERATOR_ORDER if op in OPERATORS[kind]]


def filter_fields(lookups: CrmLookups) -> list[FilterField]:
    """Every field a condition may test, standard fields first, then custom fields."""
    found: list[FilterField] = []
    for key, kind in STANDARD_FIELDS.items():
        options: tuple[tuple[str, str], ...] = ()
        if key == "lifecycle_stage":
            options = tuple((stage_label(s.value), s.value) for s in LifecycleStage)
        elif key == "assigned_user_id":
            options = tuple((u.label, u.id) for u in lookups.users)
        elif key == "tags":
            options = tuple((t.name, t.name) for t in lookups.tags)
        found.append(FilterField(key, FIELD_LABELS.get(key, key), kind, options))
    for definition in lookups.fields:
        kind = CUSTOM_KINDS[CustomFieldType(definition.field_type)]
        choices = tuple((str(o), str(o)) for o in definition.options or ())
        found.append(FilterField(CUSTOM_PREFIX + definition.key, definition.label, kind, choices))
    return found


def stage_label(value: str) -> str:
    return {"mql": "MQL", "sql": "SQL"}.get(value, value.capitalize())
