"""Lookups every CRM service needs inside a tenant unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import or_, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import (
    SubAccount,
    User,
    UserAgencyMembership,
    UserSubAccountMembership,
)
from ghl_desktop.services.uow import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class UserRef:
    id: str
    email: str
    full_name: str


def sub_account_of(uow: UnitOfWork) -> SubAccount:
    sub = uow.session.get(SubAccount, uow.sub_account_id)
    if sub is None:
        raise NotFound("sub-account", uow.sub_account_id)
    return sub


def phone_region(uow: UnitOfWork) -> str:
    """The country numbers without ``+`` are read in (the sub-account's country)."""
    return sub_account_of(uow).country or "US"


def assignable_users(uow: UnitOfWork) -> dict[str, UserRef]:
    """Active users who can work in the unit of work's sub-account, by id."""
    members = select(UserSubAccountMembership.user_id).where(
        UserSubAccountMembership.sub_account_id == uow.sub_account_id
    )
    agency_level = select(UserAgencyMembership.user_id).where(
        UserAgencyMembership.agency_id == uow.scope.agency_id
    )
    rows = uow.session.execute(
        select(User.id, User.email, User.full_name).where(
            User.is_active, or_(User.id.in_(members), User.id.in_(agency_level))
        )
    ).all()
    return {r.id: UserRef(r.id, r.email, r.full_name) for r in rows}


def check_assignee(uow: UnitOfWork, user_id: str | None, field: str = "assigned_user_id") -> None:
    if user_id is not None and user_id not in assignable_users(uow):
        raise ValidationError(field, f"user {user_id} cannot work in this sub-account")


def load_contact(uow: UnitOfWork, contact_id: str, *, include_deleted: bool = False) -> Contact:
    """The contact of this sub-account, or NotFound (another sub-account's id answers exactly
    like an id that does not exist)."""
    stmt = select(Contact).where(Contact.id == contact_id)
    if include_deleted:
        stmt = stmt.execution_options(include_deleted=True)
    contact = uow.session.scalar(stmt)
    if contact is None:
        raise NotFound("contact", contact_id)
    return contact


def chunked(items: Sequence[T] | Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
