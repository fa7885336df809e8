"""Turn what visitors submitted into contacts: match by email, then phone, or create one.

Rules, exactly:

* values reach the contact through each field's target (``form_fields.contact_target``):
  standard fields by name (``full_name`` is split at the first space into first and last
  name), custom fields by key when the sub-account defines that key and the value is valid
  for it; anything else stays on the submission only;
* a live contact with the same email is the match (the oldest, if several); failing that,
  one with the same phone;
* a matched contact gets every non-empty submitted value (visitors correct their own
  details), but its email and phone are only filled in when it has none - a stranger typing
  someone's phone number must not take over their email - and never with a value another
  contact already holds;
* without a match a contact is created with source ``form`` (or ``survey``) - unless it would
  have no name, email or phone, or lacks a required custom field: then no contact is linked;
* the tags are added to the contact (new tag names are created).

``ContactCapture`` works on a whole batch of posts in one unit of work: it looks every
email and phone of the batch up in two queries, remembers the contacts it creates (a second
post with the same email in the batch matches the first), loads the custom-field definitions
once, and adds the tags for the whole batch at the end (``finish``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.services.contact_fields import normalise_fields
from ghl_desktop.services.contacts import apply_changes
from ghl_desktop.services.crm_common import phone_region
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


@dataclass(frozen=True)
class ContactValues:
    """One post's values for the contact: standard fields normalised, custom values by key."""

    standard: dict[str, Any]
    custom: dict[str, Any]


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


class ContactCapture:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.region = phone_region(uow)
        self._definitions = {d.key: d for d in uow.session.scalars(select(ContactCustomField))}
        self._by: dict[str, dict[str, Contact]] = {"email": {}, "phone": {}}
        self._tags: dict[tuple[str, ...], list[str]] = defaultdict(list)

    # -- preparing a batch ------------------------------------------------------------------
    def values(
        self, fields: Sequence[Mapping[str, Any]], given: Mapping[str, Any]
    ) -> ContactValues:
        standard, custom = contact_values(fields, given)
        return ContactValues(self._safe_standard(standard), self._valid_custom(custom))

    def prefetch(self, batch: Iterable[ContactValues]) -> None:
        """Look up the live contacts holding any email or phone of the batch (two queries)."""
        wanted: dict[str, set[str]] = {"email": set(), "phone": set()}
        for item in batch:
            for key in wanted:
                if item.standard.get(key):
                    wanted[key].add(item.standard[key])
        for key, values in wanted.items():
            if not values:
                continue
            column = getattr(Contact, key)
            found = self.uow.session.scalars(
                select(Contact).where(column.in_(sorted(values)))
                .order_by(Contact.created_at, Contact.id)
            )  # fmt: skip
            for contact in found:
                self._by[key].setdefault(getattr(contact, key), contact)

    # -- one post ---------------------------------------------------------------------------
    def capture(self, item: ContactValues, tags: Sequence[str], source: str) -> CapturedContact:
        fields, custom = dict(item.standard), item.custom
        email, phone = fields.get("email"), fields.get("phone")
        contact = (self._by["email"].get(email) if email else None) or (
            self._by["phone"].get(phone) if phone else None
        )
        if contact is None:
            if not (fields.get("first_name") or fields.get("last_name") or email or phone):
                return CapturedContact(None, False)
            if self._missing_required(custom):
                log.info("visitor post not linked: a required custom field is missing")
                return CapturedContact(None, False)
            now = self.uow.clock.now()
            contact = Contact(id=new_id(), **fields, custom_fields=dict(custom), source=source,
                              created_at=now, updated_at=now)  # fmt: skip
            self.uow.session.add(contact)
            self.uow.record(ContactCreated(sub_account_id=self.uow.sub_account_id,
                                           contact_id=contact.id, source=source))  # fmt: skip
            is_new = True
        else:
            self._update(contact, fields, custom)
            is_new = False
        for key in ("email", "phone"):
            value = getattr(contact, key)
            if value:
                self._by[key].setdefault(value, contact)
        if tags:
            self._tags[tuple(tags)].append(contact.id)
        return CapturedContact(contact.id, is_new)

    def finish(self) -> None:
        """Add the tags of every captured contact (one pass per set of tags)."""
        for names, contact_ids in self._tags.items():
            tags = resolve_tags(self.uow, names, create_missing=True)
            link_tags(self.uow, list(dict.fromkeys(contact_ids)), tags)
        self._tags.clear()

    # -- helpers ----------------------------------------------------------------------------
    def _update(self, contact: Contact, fields: dict[str, Any], custom: dict[str, Any]) -> None:
        """Submitted values for a matched contact; email and phone only where it has none."""
        for key in ("email", "phone"):
            value = fields.get(key)
            if not value or value == getattr(contact, key):
                continue
            holder = self._by[key].get(value)
            if getattr(contact, key) or (holder is not None and holder is not contact):
                fields.pop(key)
        changes: dict[str, Any] = dict(fields)
        if custom:
            changes["custom_fields"] = custom
        changed = apply_changes(self.uow, contact, changes) if changes else []
        if changed:
            self.uow.record(
                ContactUpdated(
                    sub_account_id=self.uow.sub_account_id, contact_id=contact.id,
                    changed_fields=tuple(changed),
                )
            )  # fmt: skip

    def _safe_standard(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Standard values normalised; a value the contact model refuses is dropped."""
        kept: dict[str, Any] = {}
        for key, value in values.items():
            try:
                kept.update(normalise_fields({key: value}, self.region))
            except ValidationError as exc:
                log.info("visitor value not copied to the contact: %s", exc)
        return kept

    def _valid_custom(self, custom: Mapping[str, Any]) -> dict[str, Any]:
        """Only values of defined custom fields, each valid for its field."""
        kept: dict[str, Any] = {}
        for key, value in custom.items():
            definition = self._definitions.get(key)
            if definition is None:
                continue
            try:
                kept[key] = validate_value(definition, value, self.region)
            except ValidationError as exc:
                log.info("visitor value not copied to the contact: %s", exc)
        return kept

    def _missing_required(self, custom: Mapping[str, Any]) -> bool:
        return any(
            d.is_required and d.key not in custom and is_empty(d.default_value)
            for d in self._definitions.values()
        )
