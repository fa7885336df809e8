"""Keeps the permission catalogue and the built-in roles in the database in step with code."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ghl_desktop.core.permissions import BUILTIN_ROLES, PERMISSIONS
from ghl_desktop.models.tenancy import Permission, Role, RolePermission


def ensure_catalogue(session: Session) -> None:
    """Idempotent: inserts new permissions and built-in roles, refreshes their grants."""
    existing = {p.key: p for p in session.scalars(select(Permission))}
    for key, description in PERMISSIONS.items():
        if key in existing:
            existing[key].description = description
        else:
            session.add(Permission(key=key, description=description))
    session.flush()
    for spec in BUILTIN_ROLES:
        role = session.scalar(select(Role).where(Role.key == spec.key))
        if role is None:
            role = Role(key=spec.key, scope=spec.scope, is_builtin=True, name=spec.name)
            session.add(role)
        role.name, role.description, role.scope = spec.name, spec.description, spec.scope
        session.flush()
        current = role.permission_keys
        if current != spec.permissions:
            session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
            session.add_all(
                RolePermission(role_id=role.id, permission_key=k) for k in spec.permissions
            )
            session.flush()
            session.expire(role, ["permissions"])
