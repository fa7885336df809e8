"""Users of an agency and their access: agency-level and sub-account-level memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.core.permissions import RoleScope
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
from ghl_desktop.services.roles import resolve_role
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import normalise_email


@dataclass(frozen=True)
class MembershipInfo:
    scope: str  # "agency" or "sub_account"
    target_id: str
    target_name: str
    role_key: str | None
    role_name: str


@dataclass(frozen=True)
class UserInfo:
    id: str
    email: str
    full_name: str
    is_active: bool
    last_login_at: datetime | None
    memberships: tuple[MembershipInfo, ...]


def _user_info(uow: UnitOfWork, user: User, agency_id: str) -> UserInfo:
    items: list[MembershipInfo] = []
    for am in uow.session.scalars(
        select(UserAgencyMembership).where(
            UserAgencyMembership.user_id == user.id, UserAgencyMembership.agency_id == agency_id
        )
    ):
        agency_name = uow.session.get(Agency, agency_id)
        name = agency_name.name if agency_name else ""
        items.append(MembershipInfo("agency", agency_id, name, am.role.key, am.role.name))
    rows = uow.session.execute(
        select(UserSubAccountMembership, SubAccount.name)
        .join(SubAccount, SubAccount.id == UserSubAccountMembership.sub_account_id)
        .where(UserSubAccountMembership.user_id == user.id, SubAccount.agency_id == agency_id)
        .order_by(SubAccount.name)
    ).all()
    for sm, sub_name in rows:
        items.append(
            MembershipInfo("sub_account", sm.sub_account_id, sub_name, sm.role.key, sm.role.name)
        )
    return UserInfo(
        user.id, user.email, user.full_name, user.is_active, user.last_login_at, tuple(items)
    )


def _agency_users(agency_id: str) -> ColumnElement[bool]:
    via_agency = select(UserAgencyMembership.user_id).where(
        UserAgencyMembership.agency_id == agency_id
    )
    via_sub = (
        select(UserSubAccountMembership.user_id)
        .join(SubAccount, SubAccount.id == UserSubAccountMembership.sub_account_id)
        .where(SubAccount.agency_id == agency_id)
    )
    return or_(User.id.in_(via_agency), User.id.in_(via_sub))


def list_users(uows: UnitOfWorkFactory, actor: Actor, agency_id: str) -> list[UserInfo]:
    with uows.agency(actor, agency_id, read_only=True) as uow:
        uow.require("users.manage")
        users = uow.session.scalars(
            select(User).where(_agency_users(agency_id)).order_by(User.email)
        )
        return [_user_info(uow, u, agency_id) for u in users]


def list_sub_account_users(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[UserInfo]:
    """Users who can work in a sub-account (members plus agency-level users), for pickers."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        agency_id = uow.scope.agency_id
        assert agency_id is not None
        members = select(UserSubAccountMembership.user_id).where(
            UserSubAccountMembership.sub_account_id == sub_account_id
        )
        agency_level = select(UserAgencyMembership.user_id).where(
            UserAgencyMembership.agency_id == agency_id
        )
        users = uow.session.scalars(
            select(User)
            .where(User.is_active, or_(User.id.in_(members), User.id.in_(agency_level)))
            .order_by(User.full_name, User.email)
        )
        return [_user_info(uow, u, agency_id) for u in users]


def find_user_id(uows: UnitOfWorkFactory, email: str) -> str:
    address = normalise_email(email)
    with uows.system(read_only=True) as uow:
        user_id = uow.session.scalar(select(User.id).where(func.lower(User.email) == address))
        if user_id is None:
            raise NotFound("user", address)
        return user_id


def create_user(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, email: str, password: str, *,
    full_name: str = "", role: str | None = None, sub_account_id: str | None = None,
) -> UserInfo:  # fmt: skip
    """Create a user; with ``role`` also grant it (on ``sub_account_id`` or agency-wide) in the
    same transaction, so a bad role leaves no half-created user behind."""
    address = normalise_email(email)
    passwords.check_strength(password, address)
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        if uow.session.scalar(select(User.id).where(func.lower(User.email) == address)):
            raise Conflict("email", f"a user with email {address} already exists")
        user = User(
            email=address,
            full_name=full_name.strip(),
            password_hash=passwords.hash_password(password),
        )
        uow.session.add(user)
        uow.flush()
        if role is not None:
            _grant(uow, user, agency_id, role, sub_account_id)
        uow.commit()
        return _user_info(uow, user, agency_id)


def _grant(
    uow: UnitOfWork, user: User, agency_id: str, role_ref: str, sub_account_id: str | None
) -> None:
    role = resolve_role(uow.session, agency_id, role_ref)
    if sub_account_id is None:
        if role.scope is not RoleScope.AGENCY:
            raise ValidationError(
                "role", f"{role.name!r} is a sub-account role: give --sub-account to grant it"
            )
        membership = uow.session.scalar(
            select(UserAgencyMembership).where(
                UserAgencyMembership.user_id == user.id, UserAgencyMembership.agency_id == agency_id
            )
        )
        if membership is None:
            uow.session.add(
                UserAgencyMembership(user_id=user.id, agency_id=agency_id, role_id=role.id)
            )
        else:
            membership.role_id = role.id
    else:
        sub = uow.session.get(SubAccount, sub_account_id)
        if sub is None or sub.agency_id != agency_id:
            raise NotFound("sub-account", sub_account_id)
        if role.scope is not RoleScope.SUB_ACCOUNT:
            raise ValidationError(
                "role", f"{role.name!r} is an agency role: grant it without a sub-account"
            )
        sm = uow.session.scalar(
            select(UserSubAccountMembership).where(
                UserSubAccountMembership.user_id == user.id,
                UserSubAccountMembership.sub_account_id == sub_account_id,
            )
        )
        if sm is None:
            uow.session.add(
                UserSubAccountMembership(
                    user_id=user.id, sub_account_id=sub_account_id, role_id=role.id
                )
            )
        else:
            sm.role_id = role.id
    uow.flush()


def _user_in(uow: UnitOfWork, user_id: str) -> User:
    """The user, if it belongs to the unit of work's agency (otherwise: not found)."""
    agency_id = uow.scope.agency_id
    assert agency_id is not None
    user = uow.session.scalar(select(User).where(User.id == user_id, _agency_users(agency_id)))
    if user is None:
        raise NotFound("user", user_id)
    return user


def grant(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, user_id: str, role: str,
    sub_account_id: str | None = None,
) -> UserInfo:  # fmt: skip
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        user = _user_in(uow, user_id)
        _grant(uow, user, agency_id, role, sub_account_id)
        uow.commit()
        return _user_info(uow, user, agency_id)


def revoke(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, user_id: str,
    sub_account_id: str | None = None,
) -> UserInfo:  # fmt: skip
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        user = _user_in(uow, user_id)
        membership: UserAgencyMembership | UserSubAccountMembership | None
        if sub_account_id is None:
            membership = uow.session.scalar(
                select(UserAgencyMembership).where(
                    UserAgencyMembership.user_id == user.id,
                    UserAgencyMembership.agency_id == agency_id,
                )
            )
            if membership is not None and membership.role.key == "agency_owner":
                _refuse_last_owner(uow, agency_id, user.id)
        else:
            sub = uow.session.get(SubAccount, sub_account_id)
            if sub is None or sub.agency_id != agency_id:
                raise NotFound("sub-account", sub_account_id)
            membership = uow.session.scalar(
                select(UserSubAccountMembership).where(
                    UserSubAccountMembership.user_id == user.id,
                    UserSubAccountMembership.sub_account_id == sub_account_id,
                )
            )
        if membership is None:
            where = "this sub-account" if sub_account_id else "the agency"
            raise ValidationError("user", f"{user.email} has no access to {where} to revoke")
        uow.session.delete(membership)
        uow.commit()
        return _user_info(uow, user, agency_id)


def _refuse_last_owner(uow: UnitOfWork, agency_id: str, user_id: str) -> None:
    owners = uow.session.scalar(
        select(func.count())
        .select_from(UserAgencyMembership)
        .join(Role)
        .join(User, User.id == UserAgencyMembership.user_id)
        .where(
            UserAgencyMembership.agency_id == agency_id,
            Role.key == "agency_owner",
            User.is_active,
            UserAgencyMembership.user_id != user_id,
        )
    )
    if not owners:
        raise ValidationError("user", "the agency's last owner cannot lose access")


def set_active(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, user_id: str, active: bool
) -> UserInfo:
    """Deactivate (never delete) or reactivate a user."""
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        user = _user_in(uow, user_id)
        if not active:
            if user.id == actor.user_id:
                raise ValidationError("user", "you cannot deactivate yourself")
            if _is_owner(uow, agency_id, user):
                _refuse_last_owner(uow, agency_id, user.id)
        user.is_active = active
        uow.commit()
        return _user_info(uow, user, agency_id)


def _is_owner(uow: UnitOfWork, agency_id: str, user: User) -> bool:
    return (
        uow.session.scalar(
            select(UserAgencyMembership.id)
            .join(Role)
            .where(
                UserAgencyMembership.user_id == user.id,
                UserAgencyMembership.agency_id == agency_id,
                Role.key == "agency_owner",
            )
        )
        is not None
    )


def update_user(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, user_id: str, *,
    full_name: str | None = None, email: str | None = None,
) -> UserInfo:  # fmt: skip
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        user = _user_in(uow, user_id)
        if email is not None:
            address = normalise_email(email)
            clash = select(User.id).where(func.lower(User.email) == address, User.id != user.id)
            if uow.session.scalar(clash):
                raise Conflict("email", f"a user with email {address} already exists")
            user.email = address
        if full_name is not None:
            user.full_name = full_name.strip()
        uow.commit()
        return _user_info(uow, user, agency_id)
