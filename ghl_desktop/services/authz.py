"""Which permissions an actor holds in a sub-account or an agency."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ghl_desktop.core.permissions import PERMISSIONS
from ghl_desktop.models.tenancy import (
    SubAccount,
    User,
    UserAgencyMembership,
    UserSubAccountMembership,
)
from ghl_desktop.services.actor import Actor


def _active_user(session: Session, actor: Actor) -> User | None:
    if actor.user_id is None:
        return None
    user = session.get(User, actor.user_id)
    return user if user is not None and user.is_active else None


def permissions_for_agency(session: Session, actor: Actor, agency_id: str) -> frozenset[str]:
    if actor.is_system:
        return frozenset(PERMISSIONS)
    if _active_user(session, actor) is None:
        return frozenset()
    membership = session.scalar(
        select(UserAgencyMembership).where(
            UserAgencyMembership.user_id == actor.user_id,
            UserAgencyMembership.agency_id == agency_id,
        )
    )
    return membership.role.permission_keys if membership else frozenset()


def permissions_for_sub_account(session: Session, actor: Actor, sub: SubAccount) -> frozenset[str]:
    """Agency-level roles reach every sub-account of their agency; the sub-account's own
    membership adds its role. An archived sub-account is reachable by agency roles only."""
    if actor.is_system:
        return frozenset(PERMISSIONS)
    perms = set(permissions_for_agency(session, actor, sub.agency_id))
    if sub.archived_at is None and _active_user(session, actor) is not None:
        membership = session.scalar(
            select(UserSubAccountMembership).where(
                UserSubAccountMembership.user_id == actor.user_id,
                UserSubAccountMembership.sub_account_id == sub.id,
            )
        )
        if membership is not None:
            perms |= membership.role.permission_keys
    return frozenset(perms)
