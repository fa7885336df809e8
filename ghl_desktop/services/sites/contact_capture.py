"""Turn what a visitor submitted into a contact: match by email, then phone, or create one.

Rules, exactly:

* values reach the contact through each field's target (``form_fields.contact_target``):
  standard fields by name (``full_name`` is split at the first space into first and last
  name), custom fields by key when the sub-account defines that key and the value is valid
  for it; anything else stays on the submission only;
* a live contact with the same email is the match; failing that, one with the same phone;
* a matched contact gets every non-empty submitted value (visitors correct their own
  details), but its email and phone are only filled in when it has none - a stranger typing
  someone's phone number must not take over their email - and never with a value another
  contact already holds;
* without a match a contact is created with source ``form`` (or ``survey``) - unless it would
  have no name, email or phone, or lacks a required custom field: then no contact is linked;
* the tags are added to the contact (new tag names are created).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.services.contact_fields import normalise_fields
from ghl_desktop.services.contacts import apply_changes, find_duplicate
from ghl_desktop.services.crm_events import ContactCreated, ContactUpdated
from ghl_desktop.services.custom_fields import is_empty, validate_value
from ghl_desktop.services.sites.form_fields import contact_target
from ghl_desktop.services.tags import link_tags, resolve_tags
from ghl_desktop.services.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CapturedContact:
    contact_id: str | None
    is_new: bool


def contact_values(
    fields: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(standard fields, custom values by key) from clean visitor values."""
    standard: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for spec in fields:
        value = values.get(spec["key"])
        if is_empty(value):
            continue
        target = contact_target(spec)
        if target == "none":
            continue
        if target.startswith("custom:"):
            custom[target.removeprefix("custom:")] = value
        elif target == "full_name":
            first, _, last = str(value).strip().partition(" ")
            standard.setdefault("first_name", first)
            if last.strip():
                standard.setdefault("last_name", last.strip())
        else:
            standard[target] = value if not isinstance(value, list) else ", ".join(value)
    return standard, custom


def _valid_custom(uow: UnitOfWork, custom: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Only values of defined custom fields, each valid for its field."""
    if not custom:
        return {}
    definitions = {
        d.key: d
        for d in uow.session.scalars(
            select(ContactCustomField).where(ContactCustomField.key.in_(list(custom)))
        )
    }
    kept: dict[str, Any] = {}
    for key, value in custom.items():
        definition = definitions.get(key)
        if definition is None:
            continue
        try:
            kept[key] = validate_value(definition, value, region)
        except ValidationError as exc:
            log.info("form value not copied to the contact: %s", exc)
    return kept


def _missing_required(uow: UnitOfWork, custom: Mapping[str, Any]) -> bool:
    required = uow.session.scalars(
        select(ContactCustomField).where(ContactCustomField.is_required.is_(True))
    ).all()
    return any(d.key not in custom and is_empty(d.default_value) for d in required)


def _safe_standard(values: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Standard values normalised; a value the contact model refuses is dropped, not fatal."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        try:
            kept.update(normalise_fields({key: value}, region))
        except ValidationError as exc:
            log.info("form value not copied to the contact: %s", exc)
    return kept


def capture_contact(
    uow: UnitOfWork,
    region: str,
    standard: Mapping[str, Any],
    custom: Mapping[str, Any],
    tags: Sequence[str],
    source: str,
) -> CapturedContact:
    fields = _safe_standard(standard, region)
    custom_values = _valid_custom(uow, custom, region)
    email, phone = fields.get("email"), fields.get("phone")
    contact = _match(uow, email, phone)
    is_new = contact is None
    if contact is None:
        if not (fields.get("first_name") or fields.get("last_name") or email or phone):
            return CapturedContact(None, False)
        if _missing_required(uow, custom_values):
            log.info("form submission not linked: a required custom field is missing")
            return CapturedContact(None, False)
        now = uow.clock.now()
        contact = Contact(
            **fields, custom_fields=custom_values, source=source, created_at=now, updated_at=now
        )
        uow.session.add(contact)
        uow.flush()
        uow.record(
            ContactCreated(sub_account_id=uow.sub_account_id, contact_id=contact.id, source=source)
        )
    else:
        changes = _changes_for(uow, contact, fields)
        if custom_values:
            changes["custom_fields"] = custom_values
        changed = apply_changes(uow, contact, changes) if changes else []
        if changed:
            uow.record(
                ContactUpdated(
                    sub_account_id=uow.sub_account_id,
                    contact_id=contact.id,
                    changed_fields=tuple(changed),
                )
            )
    if tags:
        link_tags(uow, [contact.id], resolve_tags(uow, tags, create_missing=True))
    return CapturedContact(contact.id, is_new)


def _match(uow: UnitOfWork, email: str | None, phone: str | None) -> Contact | None:
    """The oldest live contact with this email; failing that, with this phone."""
    for key, value in (("email", email), ("phone", phone)):
        if value:
            found = find_duplicate(uow, *_pair(key, value))
            if found is not None:
                return found[2]
    return None


def _pair(key: str, value: str) -> tuple[str | None, str | None]:
    return (value, None) if key == "email" else (None, value)


def _changes_for(uow: UnitOfWork, contact: Contact, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Submitted values for a matched contact; email and phone only where it has none."""
    changes = dict(fields)
    for key in ("email", "phone"):
        value = changes.get(key)
        if not value or value == getattr(contact, key):
            continue
        if getattr(contact, key) or find_duplicate(
            uow, *_pair(key, value), exclude_id=contact.id
        ):
            changes.pop(key)
    return changes
