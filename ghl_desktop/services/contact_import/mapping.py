"""Which CSV column feeds which contact field: the headers agencies' exports use, mapped
automatically; custom fields by label or key. The caller may override any column."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.contact_import.rows import CUSTOM_PREFIX, TARGETS

ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first", "given name"),
    "last_name": ("last name", "lastname", "last", "surname", "family name"),
    "full_name": ("full name", "name", "contact name", "contact"),
    "email": ("email", "email address", "e-mail", "e-mail address", "mail"),
    "phone": ("phone", "phone number", "mobile", "mobile phone", "cell", "cell phone", "telephone"),
    "additional_phone": ("additional phone", "additional phone number", "phone 2", "other phone",
                         "secondary phone", "alternate phone"),
    "company": ("company", "company name", "business name", "business", "organization",
                "organisation"),
    "address1": ("address", "address 1", "address line 1", "street", "street address"),
    "city": ("city", "town"),
    "state": ("state", "province", "region", "state/province"),
    "postal_code": ("postal code", "zip", "zip code", "postcode", "post code"),
    "country": ("country", "country code"),
    "source": ("source", "lead source", "contact source"),
    "tags": ("tags", "tag", "labels"),
    "created_at": ("created date", "created", "date created", "created at", "created on"),
    "owner": ("owner", "contact owner", "assigned to", "assigned user", "assignee"),
    "dnd": ("dnd", "do not disturb", "dnd all"),
    "lifecycle_stage": ("lifecycle stage", "stage", "lifecycle"),
    "lead_score": ("lead score", "score"),
    "timezone": ("timezone", "time zone"),
    "date_of_birth": ("date of birth", "birthday", "dob", "birth date"),
}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_BY_ALIAS = {_norm(alias): target for target, aliases in ALIASES.items() for alias in aliases}


def auto_map(headers: Sequence[str], custom_fields: Mapping[str, str]) -> dict[int, str | None]:
    """Column index -> target (None: not imported). ``custom_fields`` is key -> label.

    A target is used once: a second "Email" column stays unmapped. Custom fields win over a
    standard alias only when their label or key matches the header exactly.
    """
    custom_by_name: dict[str, str] = {}
    for key, label in custom_fields.items():
        custom_by_name.setdefault(_norm(label), f"{CUSTOM_PREFIX}{key}")
        custom_by_name.setdefault(_norm(key), f"{CUSTOM_PREFIX}{key}")
    mapping: dict[int, str | None] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        name = _norm(header)
        target = custom_by_name.get(name) or _BY_ALIAS.get(name)
        if target is None or target in used:
            mapping[index] = None
            continue
        mapping[index] = target
        used.add(target)
    return mapping


def check_mapping(
    headers: Sequence[str], mapping: Mapping[int, str | None], custom_keys: set[str]
) -> list[tuple[int, str]]:
    """Validate a (possibly user-edited) mapping; returns the (column, target) pairs in use."""
    columns: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, target in sorted(mapping.items()):
        if target is None or target == "":
            continue
        if not 0 <= index < len(headers):
            raise ValidationError("mapping", f"column {index} does not exist")
        if target.startswith(CUSTOM_PREFIX):
            if target[len(CUSTOM_PREFIX) :] not in custom_keys:
                raise ValidationError("mapping", f"{target!r} is not a defined custom field")
        elif target not in TARGETS:
            raise ValidationError("mapping", f"{target!r} is not an import target")
        if target in seen and target != "tags":
            raise ValidationError(
                "mapping",
                f"columns {headers[seen[target]]!r} and {headers[index]!r} both map to {target}",
            )
        seen[target] = index
        columns.append((index, target))
    if not columns:
        raise ValidationError("mapping", "no column is mapped to a contact field")
    return columns
