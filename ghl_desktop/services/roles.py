"""Roles: the built-in ones and an agency's custom roles (a chosen set of permissions)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.core.permissions import PERMISSIONS, RoleScope
from ghl_desktop.models.tenancy import (
    Role,
    RolePermission,
    UserAgencyMembership,
    UserSubAccountMembership,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.services.validation import required_text


@dataclass(frozen=True)
class RoleInfo:
    id: str
    key: str | None
    name: str
    scope: str
    is_builtin: bool
    description: str
    permissions: tuple[str, ...]

    @classmethod
    def of(cls, role: Role) -> RoleInfo:
        return cls(
            role.id, role.key, role.name, role.scope.value, role.is_builtin, role.description,
            tuple(sorted(role.permission_keys)),
        )  # fmt: skip


def resolve_role(session: Session, agency_id: str, ref: str) -> Role:
    """Find a role by id, built-in key (``manager``) or name (``Manager``), case-insensitive."""
    text = (ref or "").strip()
    if not text:
        raise ValidationError("role", "is required")
    role = session.scalar(
        select(Role).where(
            or_(Role.agency_id.is_(None), Role.agency_id == agency_id),
            or_(Role.id == text, Role.key == text.lower(), func.lower(Role.name) == text.lower()),
        )
    )
    if role is None:
        known = ", ".join(
            r.key or r.name
            for r in session.scalars(
                select(Role)
                .where(or_(Role.agency_id.is_(None), Role.agency_id == agency_id))
                .order_by(Role.name)
            )
        )
        raise ValidationError("role", f"unknown role {text!r} (known: {known})")
    return role


def list_roles(uows: UnitOfWorkFactory, actor: Actor, agency_id: str) -> list[RoleInfo]:
    with uows.agency(actor, agency_id, read_only=True) as uow:
        roles = uow.session.scalars(
            select(Role)
            .where(or_(Role.agency_id.is_(None), Role.agency_id == agency_id))
            .order_by(Role.is_builtin.desc(), Role.scope, Role.name)
        )
        return [RoleInfo.of(r) for r in roles]


def _check_permissions(keys: list[str]) -> set[str]:
    unknown = sorted(set(keys) - set(PERMISSIONS))
    if unknown:
        raise ValidationError("permissions", f"unknown permission(s): {', '.join(unknown)}")
    if not keys:
        raise ValidationError("permissions", "choose at least one permission")
    return set(keys)


def create_role(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, name: str, scope: str,
    permissions: list[str], description: str = "",
) -> RoleInfo:  # fmt: skip
    title = required_text(name, "name", 100)
    try:
        role_scope = RoleScope(scope)
    except ValueError:
        raise ValidationError("scope", "must be 'agency' or 'sub_account'") from None
    keys = _check_permissions(permissions)
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        clash = select(Role.id).where(
            or_(Role.agency_id.is_(None), Role.agency_id == agency_id),
            func.lower(Role.name) == title.lower(),
        )
        if uow.session.scalar(clash):
            raise Conflict("name", f"a role named {title!r} already exists")
        role = Role(
            agency_id=agency_id, scope=role_scope, name=title, description=description.strip()
        )
        uow.session.add(role)
        uow.flush()
        uow.session.add_all(RolePermission(role_id=role.id, permission_key=k) for k in keys)
        uow.flush()
        uow.session.refresh(role)
        uow.commit()
        return RoleInfo.of(role)


def _custom_role(uows_session: Session, agency_id: str, role_id: str) -> Role:
    role = uows_session.get(Role, role_id)
    if role is None or role.agency_id != agency_id:
        raise NotFound("role", role_id)
    if role.is_builtin:
        raise ValidationError("role", "built-in roles cannot be changed")
    return role


def update_role(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str, role_id: str, *,
    name: str | None = None, permissions: list[str] | None = None,
    description: str | None = None,
) -> RoleInfo:  # fmt: skip
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        role = _custom_role(uow.session, agency_id, role_id)
        if name is not None:
            title = required_text(name, "name", 100)
            clash = select(Role.id).where(
                or_(Role.agency_id.is_(None), Role.agency_id == agency_id),
                func.lower(Role.name) == title.lower(),
                Role.id != role.id,
            )
            if uow.session.scalar(clash):
                raise Conflict("name", f"a role named {title!r} already exists")
            role.name = title
        if description is not None:
            role.description = description.strip()
        if permissions is not None:
            keys = _check_permissions(permissions)
            role.permissions = [RolePermission(role_id=role.id, permission_key=k) for k in keys]
        uow.commit()
        return RoleInfo.of(role)


def delete_role(uows: UnitOfWorkFactory, actor: Actor, agency_id: str, role_id: str) -> None:
    with uows.agency(actor, agency_id) as uow:
        uow.require("users.manage")
        role = _custom_role(uow.session, agency_id, role_id)
        in_use = uow.session.scalar(
            select(func.count()).select_from(UserAgencyMembership).where(
                UserAgencyMembership.role_id == role.id)
        ) or uow.session.scalar(
            select(func.count()).select_from(UserSubAccountMembership).where(
                UserSubAccountMembership.role_id == role.id)
        )  # fmt: skip
        if in_use:
            raise ValidationError(
                "role", f"{role.name!r} is still granted to users; revoke it first"
            )
        uow.session.delete(role)
        uow.commit()
