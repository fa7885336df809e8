"""Who is booking: a visitor's details matched to a contact (email first, then phone) or made
into a new contact with source ``booking``.

A matched contact keeps its name; its email and phone are only filled in when it has none and
no other contact holds the value (a stranger typing someone's phone must not take over their
email). Works in a tenant and in the system unit of work (every query names the sub-account).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.contact_fields import normalise_contact_email, normalise_phone
from ghl_desktop.services.crm_events import ContactCreated
from ghl_desktop.services.uow import UnitOfWork

MAX_NAME = 100


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class CheckedInvitee:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None


def check_invitee(invitee: Invitee, region: str) -> CheckedInvitee:
    """Validated, normalised details; every problem names its field."""
    name = " ".join(invitee.name.split())
    if not name:
        raise ValidationError("name", "is required")
    if len(name) > 2 * MAX_NAME:
        raise ValidationError("name", f"must be at most {2 * MAX_NAME} characters")
    email = normalise_contact_email(invitee.email)
    phone = normalise_phone(invitee.phone, region)
    if email is None and phone is None:
        raise ValidationError("email", "an email or a phone number is required")
    first, _, last = name.partition(" ")
    return CheckedInvitee(first[:MAX_NAME], last[:MAX_NAME], email, phone)


def region_of(uow: UnitOfWork, sub_account_id: str) -> str:
    sub = uow.session.get(SubAccount, sub_account_id)
    if sub is None:
        raise NotFound("sub-account", sub_account_id)
    return sub.country or "US"


def _live(uow: UnitOfWork, sub_account_id: str, **where: str) -> Contact | None:
    (key, value), = where.items()  # fmt: skip
    return uow.session.scalars(
        select(Contact)
        .where(
            Contact.sub_account_id == sub_account_id,
            Contact.deleted_at.is_(None),
            getattr(Contact, key) == value,
        )
        .order_by(Contact.created_at)
        .limit(1)
    ).first()


def match_or_create(uow: UnitOfWork, sub_account_id: str, invitee: Invitee) -> tuple[Contact, bool]:
    """(contact, created)."""
    details = check_invitee(invitee, region_of(uow, sub_account_id))
    match = None
    if details.email:
        match = _live(uow, sub_account_id, email=details.email)
    if match is None and details.phone:
        match = _live(uow, sub_account_id, phone=details.phone)
    if match is not None:
        if not match.email and details.email:
            match.email = details.email
        if (
            not match.phone
            and details.phone
            and not _live(uow, sub_account_id, phone=details.phone)
        ):
            match.phone = details.phone
        return match, False
    now = uow.clock.now()
    contact = Contact(
        sub_account_id=sub_account_id, first_name=details.first_name,
        last_name=details.last_name, email=details.email, phone=details.phone,
        source="booking", created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(contact)
    uow.session.flush()
    uow.record(ContactCreated(sub_account_id=sub_account_id, contact_id=contact.id,
                              source="booking"))  # fmt: skip
    return contact, True


def load_contact_of(uow: UnitOfWork, sub_account_id: str, contact_id: str) -> Contact:
    contact = uow.session.scalars(
        select(Contact).where(
            Contact.id == contact_id, Contact.sub_account_id == sub_account_id,
            Contact.deleted_at.is_(None),
        )
    ).first()  # fmt: skip
    if contact is None:
        raise NotFound("contact", contact_id)
    return contact
