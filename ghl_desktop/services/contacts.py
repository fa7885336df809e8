"""Contacts: create, edit, archive, delete (soft), restore and read one.

Values are normalised by ``services.contact_fields`` (phones to E.164 in the sub-account's
country, emails lower-case) and custom values validated on flush by ``services.custom_fields``.
Every function opens its own tenant unit of work and returns frozen DTOs, never ORM objects.

Outcome rules:

* a contact needs a name, an email or a phone;
* creating a contact whose email or phone a live contact of the sub-account already has raises
  ``DuplicateContact`` (a ``Conflict`` naming the field and the existing contact) unless
  ``allow_duplicate`` is set; changing a contact's email or phone to another contact's does too;
* ``update_contact`` changes only the keys given; in ``custom_fields`` a key set to None or ""
  is cleared and keys not given are kept;
* archived contacts leave the everyday lists but stay searchable by id; deleted contacts are
  hidden everywhere until restored (history that points at them stays).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import Conflict
from ghl_desktop.models.crm import Contact, ContactTag, LifecycleStage, Tag
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_fields import (
    normalise_fields,
    require_identity,
)
from ghl_desktop.services.crm_common import check_assignee, load_contact, phone_region
from ghl_desktop.services.crm_events import (
    ContactArchived,
    ContactCreated,
    ContactDeleted,
    ContactRestored,
    ContactUnarchived,
    ContactUpdated,
)
from ghl_desktop.services.custom_fields import is_empty
from ghl_desktop.services.tags import TagInfo, link_tags, resolve_tags
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory


class DuplicateContact(Conflict):
    """Another live contact of the sub-account already has this email or phone."""

    def __init__(self, field: str, value: str, existing_id: str, existing_name: str) -> None:
        who = f"{existing_name} ({existing_id})" if existing_name else existing_id
        super().__init__(field, f"{value} already belongs to contact {who}")
        self.existing_id = existing_id
        self.existing_name = existing_name


@dataclass(frozen=True)
class ContactInfo:
    id: str
    sub_account_id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str
    address1: str
    city: str
    state: str
    postal_code: str
    country: str | None
    timezone: str | None
    source: str
    lifecycle_stage: LifecycleStage
    lead_score: int
    assigned_user_id: str | None
    dnd_sms: bool
    dnd_email: bool
    dnd_whatsapp: bool
    dnd_calls: bool
    date_of_birth: date | None
    custom_fields: dict[str, Any]
    tags: tuple[TagInfo, ...]
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.phone or self.id


def contact_info(uow: UnitOfWork, contact: Contact) -> ContactInfo:
    tags = uow.session.scalars(
        select(Tag)
        .join(ContactTag, ContactTag.tag_id == Tag.id)
        .where(ContactTag.contact_id == contact.id)
        .order_by(Tag.name_key)
    ).all()
    return ContactInfo(
        id=contact.id, sub_account_id=contact.sub_account_id, first_name=contact.first_name,
        last_name=contact.last_name, email=contact.email, phone=contact.phone,
        company=contact.company, address1=contact.address1, city=contact.city,
        state=contact.state, postal_code=contact.postal_code, country=contact.country,
        timezone=contact.timezone, source=contact.source,
        lifecycle_stage=LifecycleStage(contact.lifecycle_stage), lead_score=contact.lead_score,
        assigned_user_id=contact.assigned_user_id, dnd_sms=contact.dnd_sms,
        dnd_email=contact.dnd_email, dnd_whatsapp=contact.dnd_whatsapp,
        dnd_calls=contact.dnd_calls, date_of_birth=contact.date_of_birth,
        custom_fields=dict(contact.custom_fields or {}),
        tags=tuple(TagInfo.of(t) for t in tags), created_at=contact.created_at,
        updated_at=contact.updated_at, archived_at=contact.archived_at,
        deleted_at=contact.deleted_at,
    )  # fmt: skip


# -- duplicates -------------------------------------------------------------------------------
def find_duplicate(
    uow: UnitOfWork, email: str | None, phone: str | None, *, exclude_id: str | None = None
) -> tuple[str, str, Contact] | None:
    """(field, value, existing contact) of the first live contact sharing email or phone."""
    for key, value in (("email", email), ("phone", phone)):
        if not value:
            continue
        stmt = select(Contact).where(getattr(Contact, key) == value)
        if exclude_id is not None:
            stmt = stmt.where(Contact.id != exclude_id)
        existing = uow.session.scalars(stmt.order_by(Contact.created_at).limit(1)).first()
        if existing is not None:
            return key, value, existing
    return None


def _refuse_duplicate(
    uow: UnitOfWork, email: str | None, phone: str | None, exclude_id: str | None = None
) -> None:
    found = find_duplicate(uow, email, phone, exclude_id=exclude_id)
    if found is not None:
        key, value, existing = found
        raise DuplicateContact(key, value, existing.id, existing.full_name)


def find_duplicates(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, email: str | None = None,
    phone: str | None = None,
) -> list[ContactInfo]:  # fmt: skip
    """Live contacts sharing the (normalised) email or phone, oldest first."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        values = normalise_fields({"email": email, "phone": phone}, phone_region(uow))
        found: dict[str, Contact] = {}
        for key in ("email", "phone"):
            if values[key]:
                stmt = select(Contact).where(getattr(Contact, key) == values[key])
                for c in uow.session.scalars(stmt.order_by(Contact.created_at)):
                    found.setdefault(c.id, c)
        return [contact_info(uow, c) for c in found.values()]


# -- commands ---------------------------------------------------------------------------------
def create_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, values: Mapping[str, Any], *,
    tags: Sequence[str] = (), allow_duplicate: bool = False,
) -> ContactInfo:  # fmt: skip
    """Create a contact from standard fields (``services.contact_fields.EDITABLE_FIELDS``);
    ``tags`` are tag names or ids, created when a name is new."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        fields = normalise_fields(values, phone_region(uow))
        require_identity(
            fields.get("first_name", ""), fields.get("last_name", ""),
            fields.get("email"), fields.get("phone"),
        )  # fmt: skip
        check_assignee(uow, fields.get("assigned_user_id"))
        if not allow_duplicate:
            _refuse_duplicate(uow, fields.get("email"), fields.get("phone"))
        now = uow.clock.now()
        contact = Contact(**fields, created_at=now, updated_at=now)
        uow.session.add(contact)
        uow.flush()
        chosen = resolve_tags(uow, tags, create_missing=True)
        link_tags(uow, [contact.id], chosen, record=False)
        uow.record(
            ContactCreated(
                sub_account_id=sub_account_id,
                contact_id=contact.id,
                source=contact.source,
                tags=tuple(t.name for t in chosen),
            )
        )
        info = contact_info(uow, contact)
        uow.commit()
        return info


def _merge_custom(old: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in given.items():
        if is_empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def apply_changes(uow: UnitOfWork, contact: Contact, changes: Mapping[str, Any]) -> list[str]:
    """Set normalised ``changes`` on ``contact``; returns the names of fields that changed
    (custom values as ``custom_fields.<key>``). Raises on duplicates and bad values."""
    fields = normalise_fields(changes, phone_region(uow))
    if "assigned_user_id" in fields and fields["assigned_user_id"] != contact.assigned_user_id:
        check_assignee(uow, fields["assigned_user_id"])
    if "custom_fields" in fields:
        given = fields["custom_fields"]
        fields["custom_fields"] = _merge_custom(contact.custom_fields or {}, given)
    changed: list[str] = []
    for key, value in fields.items():
        old = getattr(contact, key)
        if key == "custom_fields":
            keys = set(old or {}) | set(value)
            diff = sorted(k for k in keys if (old or {}).get(k) != value.get(k))
            if diff:
                changed.extend(f"custom_fields.{k}" for k in diff)
                setattr(contact, key, value)
        elif old != value:
            changed.append(key)
            setattr(contact, key, value)
    require_identity(contact.first_name, contact.last_name, contact.email, contact.phone)
    if changed:
        contact.updated_at = uow.clock.now()
    if "email" in changed or "phone" in changed:
        _refuse_duplicate(
            uow,
            contact.email if "email" in changed else None,
            contact.phone if "phone" in changed else None,
            exclude_id=contact.id,
        )
    return changed


def update_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str,
    changes: Mapping[str, Any],
) -> ContactInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        contact = load_contact(uow, contact_id)
        changed = apply_changes(uow, contact, changes)
        uow.flush()  # custom values are validated (and normalised) here
        if changed:
            uow.record(
                ContactUpdated(
                    sub_account_id=sub_account_id, contact_id=contact.id,
                    changed_fields=tuple(changed),
                )
            )  # fmt: skip
        info = contact_info(uow, contact)
        uow.commit()
        return info


def set_archived(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str,
    archived: bool = True,
) -> ContactInfo:  # fmt: skip
    """Archive (or unarchive) a contact; doing it twice changes nothing the second time."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        contact = load_contact(uow, contact_id)
        if (contact.archived_at is not None) != archived:
            contact.archived_at = uow.clock.now() if archived else None
            event_cls = ContactArchived if archived else ContactUnarchived
            uow.record(event_cls(sub_account_id=sub_account_id, contact_id=contact.id))
        uow.flush()
        info = contact_info(uow, contact)
        uow.commit()
        return info


def delete_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str
) -> None:
    """Soft delete: the contact disappears from lists and search until restored."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.delete")
        contact = load_contact(uow, contact_id)
        contact.deleted_at = uow.clock.now()
        uow.record(ContactDeleted(sub_account_id=sub_account_id, contact_id=contact.id))
        uow.commit()


def restore_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str
) -> ContactInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.delete")
        contact = load_contact(uow, contact_id, include_deleted=True)
        if contact.deleted_at is not None:
            contact.deleted_at = None
            uow.record(ContactRestored(sub_account_id=sub_account_id, contact_id=contact.id))
        uow.flush()
        info = contact_info(uow, contact)
        uow.commit()
        return info


def get_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, *,
    include_deleted: bool = False,
) -> ContactInfo:  # fmt: skip
    """One contact of the sub-account; NotFound for an unknown id or another sub-account's."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return contact_info(uow, load_contact(uow, contact_id, include_deleted=include_deleted))
