"""Agencies and their sub-accounts (the tenants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.core.money import validate_currency
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.models.tenancy import (
    Agency,
    Role,
    SubAccount,
    User,
    UserAgencyMembership,
    UserSubAccountMembership,
)
from ghl_desktop.services import passwords
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.authz import permissions_for_sub_account
from ghl_desktop.services.catalogue import ensure_catalogue
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import (
    country_code,
    normalise_email,
    required_text,
    timezone_name,
)


@dataclass(frozen=True, kw_only=True)
class SubAccountCreated(DomainEvent):
    name = "sub_account.created"
    agency_id: str
    title: str


@dataclass(frozen=True, kw_only=True)
class SubAccountArchived(DomainEvent):
    name = "sub_account.archived"
    agency_id: str


@dataclass(frozen=True)
class AgencyInfo:
    id: str
    name: str
    created_at: datetime
    sub_account_count: int


@dataclass(frozen=True)
class SubAccountInfo:
    id: str
    agency_id: str
    name: str
    timezone: str
    country: str
    currency: str
    is_archived: bool
    created_at: datetime

    @classmethod
    def of(cls, sub: SubAccount) -> SubAccountInfo:
        return cls(
            sub.id, sub.agency_id, sub.name, sub.timezone, sub.country, sub.currency,
            sub.archived_at is not None, sub.created_at,
        )  # fmt: skip


@dataclass(frozen=True)
class Installation:
    agency_id: str
    owner_user_id: str


def init_installation(
    uows: UnitOfWorkFactory, agency_name: str, owner_email: str, owner_password: str,
    owner_name: str = "",
) -> Installation:  # fmt: skip
    """Create an agency and its owner (Agency Owner role) in one transaction."""
    name = required_text(agency_name, "agency")
    email = normalise_email(owner_email, "owner_email")
    passwords.check_strength(owner_password, email, field="owner_password")
    with uows.system() as uow:
        ensure_catalogue(uow.session)
        if uow.session.scalar(select(Agency.id).where(Agency.name == name)):
            raise Conflict("agency", f"an agency named {name!r} already exists")
        _check_email_free(uow, email, "owner_email")
        agency = Agency(name=name)
        user = User(
            email=email, full_name=owner_name.strip(),
            password_hash=passwords.hash_password(owner_password),
        )  # fmt: skip
        uow.session.add_all([agency, user])
        uow.session.flush()
        owner_role = uow.session.scalar(select(Role).where(Role.key == "agency_owner"))
        assert owner_role is not None
        uow.session.add(
            UserAgencyMembership(user_id=user.id, agency_id=agency.id, role_id=owner_role.id)
        )
        uow.commit()
        return Installation(agency.id, user.id)


def _check_email_free(uow: UnitOfWork, email: str, field: str) -> None:
    if uow.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(field, f"a user with email {email} already exists")


def list_agencies(uows: UnitOfWorkFactory, actor: Actor) -> list[AgencyInfo]:
    with uows.system(actor, read_only=True) as uow:
        query = select(Agency).order_by(Agency.name)
        if not actor.is_system:
            member_of = select(UserAgencyMembership.agency_id).where(
                UserAgencyMembership.user_id == actor.user_id
            )
            via_sub = (
                select(SubAccount.agency_id)
                .join(UserSubAccountMembership)
                .where(UserSubAccountMembership.user_id == actor.user_id)
            )
            query = query.where(Agency.id.in_(member_of.union(via_sub)))
        counts = dict(
            uow.session.execute(
                select(SubAccount.agency_id, func.count())
                .where(SubAccount.archived_at.is_(None))
                .group_by(SubAccount.agency_id)
            ).all()
        )
        return [
            AgencyInfo(a.id, a.name, a.created_at, counts.get(a.id, 0))
            for a in uow.session.scalars(query)
        ]


def list_sub_accounts(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, *, include_archived: bool = False
) -> list[SubAccountInfo]:
    """Sub-accounts the actor can open: all of the agency for agency-level roles, otherwise
    those the actor is a member of."""
    with uows.agency(actor, agency_id, read_only=True) as uow:
        if uow.session.get(Agency, agency_id) is None:
            raise NotFound("agency", agency_id)
        query = select(SubAccount).where(SubAccount.agency_id == agency_id)
        if not include_archived:
            query = query.where(SubAccount.archived_at.is_(None))
        if not uow.permissions and not actor.is_system:
            query = query.join(UserSubAccountMembership).where(
                UserSubAccountMembership.user_id == actor.user_id,
                SubAccount.archived_at.is_(None),
            )
        return [SubAccountInfo.of(s) for s in uow.session.scalars(query.order_by(SubAccount.name))]


def create_sub_account(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, name: str, *,
    timezone: str = "UTC", country: str = "US", currency: str = "USD",
) -> SubAccountInfo:  # fmt: skip
    title = required_text(name, "name")
    tz = timezone_name(timezone)
    cc = country_code(country)
    cur = validate_currency(currency)
    with uows.agency(actor, agency_id) as uow:
        uow.require("sub_accounts.manage")
        if uow.session.get(Agency, agency_id) is None:
            raise NotFound("agency", agency_id)
        clash = select(SubAccount.id).where(
            SubAccount.agency_id == agency_id, func.lower(SubAccount.name) == title.lower()
        )
        if uow.session.scalar(clash):
            raise Conflict("name", f"the agency already has a sub-account named {title!r}")
        sub = SubAccount(agency_id=agency_id, name=title, timezone=tz, country=cc, currency=cur)
        uow.session.add(sub)
        uow.flush()
        uow.record(SubAccountCreated(sub_account_id=sub.id, agency_id=agency_id, title=title))
        uow.commit()
        return SubAccountInfo.of(sub)


def update_sub_account(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, name: str | None = None,
    timezone: str | None = None, country: str | None = None, currency: str | None = None,
) -> SubAccountInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        sub = uow.session.get(SubAccount, sub_account_id)
        assert sub is not None
        if name is not None:
            title = required_text(name, "name")
            clash = select(SubAccount.id).where(
                SubAccount.agency_id == sub.agency_id,
                func.lower(SubAccount.name) == title.lower(),
                SubAccount.id != sub.id,
            )
            if uow.session.scalar(clash):
                raise Conflict("name", f"the agency already has a sub-account named {title!r}")
            sub.name = title
        if timezone is not None:
            sub.timezone = timezone_name(timezone)
        if country is not None:
            sub.country = country_code(country)
        if currency is not None:
            sub.currency = validate_currency(currency)
        uow.commit()
        return SubAccountInfo.of(sub)


def set_sub_account_archived(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, archived: bool
) -> SubAccountInfo:
    with uows.system(actor, read_only=True) as probe:
        sub = probe.session.get(SubAccount, sub_account_id)
        # A sub-account the actor cannot see answers exactly like one that does not exist.
        if sub is None or not permissions_for_sub_account(probe.session, actor, sub):
            raise NotFound("sub-account", sub_account_id)
        agency_id = sub.agency_id
    with uows.agency(actor, agency_id) as uow:
        uow.require("sub_accounts.manage")
        sub = uow.session.get(SubAccount, sub_account_id)
        assert sub is not None
        if archived and sub.archived_at is not None:
            raise ValidationError("sub_account", "is already archived")
        if not archived and sub.archived_at is None:
            raise ValidationError("sub_account", "is not archived")
        sub.archived_at = uow.clock.now() if archived else None
        if archived:
            uow.record(SubAccountArchived(sub_account_id=sub.id, agency_id=agency_id))
        uow.commit()
        return SubAccountInfo.of(sub)


def get_sub_account(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> SubAccountInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        sub = uow.session.get(SubAccount, sub_account_id)
        assert sub is not None
        return SubAccountInfo.of(sub)


@dataclass(frozen=True)
class Access:
    """What an actor may do: agency-wide permissions, and those it holds in one sub-account
    (agency-wide ones included). Entry points use it to hide what the actor cannot do; the
    services still check every permission themselves."""

    agency: frozenset[str]
    sub_account: frozenset[str]


def access_for(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, sub_account_id: str | None = None
) -> Access:
    with uows.agency(actor, agency_id, read_only=True) as uow:
        agency_permissions = uow.permissions
    sub_permissions: frozenset[str] = frozenset()
    if sub_account_id is not None:
        with uows.tenant(actor, sub_account_id, read_only=True) as uow:
            sub_permissions = uow.permissions
    return Access(agency_permissions, sub_permissions)


@dataclass(frozen=True)
class ActivityInfo:
    created_at: datetime
    actor_label: str  # the user's name (or email), or "system"
    entity_type: str  # a table name: "sub_accounts", "users"...
    entity_id: str
    action: str  # created, updated, archived, unarchived, deleted, restored, purged
    changes: tuple[tuple[str, Any, Any], ...]  # (field, old, new)


@dataclass(frozen=True)
class SubAccountOverview:
    sub_account: SubAccountInfo
    user_count: int  # active users who can work in it (its members and agency-level users)
    recent_activity: tuple[ActivityInfo, ...]  # newest first


def sub_account_overview(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, activity_limit: int = 20
) -> SubAccountOverview:
    """A sub-account's summary for its dashboard: settings, user count and latest activity."""
    if activity_limit < 0:
        raise ValidationError("activity_limit", "must not be negative")
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        sub = uow.session.get(SubAccount, sub_account_id)
        assert sub is not None
        members = select(UserSubAccountMembership.user_id).where(
            UserSubAccountMembership.sub_account_id == sub.id
        )
        agency_level = select(UserAgencyMembership.user_id).where(
            UserAgencyMembership.agency_id == sub.agency_id
        )
        user_count = uow.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.is_active, or_(User.id.in_(members), User.id.in_(agency_level)))
        )
        rows = uow.session.execute(
            select(ActivityLog, User.full_name, User.email)
            .outerjoin(User, User.id == ActivityLog.user_id)
            .where(ActivityLog.sub_account_id == sub.id)
            .order_by(ActivityLog.created_at.desc(), ActivityLog.id.desc())
            .limit(activity_limit)
        ).all()
        activity = tuple(
            ActivityInfo(
                log.created_at,
                full_name or email or "system",
                log.entity_type,
                log.entity_id,
                log.action,
                _change_triples(log.changes),
            )
            for log, full_name, email in rows
        )
        return SubAccountOverview(SubAccountInfo.of(sub), user_count or 0, activity)


def _change_triples(changes: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    return tuple(
        (key, change.get("old"), change.get("new"))
        for key, change in sorted(changes.items())
        if isinstance(change, dict)
    )
