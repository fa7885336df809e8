"""Agencies, sub-accounts (tenants), users, roles, permissions and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ghl_desktop.core.permissions import RoleScope
from ghl_desktop.models.base import (
    ArchiveMixin,
    Base,
    IdMixin,
    TimestampMixin,
    enum_column_type,
)


class Agency(IdMixin, TimestampMixin, ArchiveMixin, Base):
    __tablename__ = "agencies"
    __audited__ = True

    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    sub_accounts: Mapped[list[SubAccount]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", passive_deletes=True
    )


class SubAccount(IdMixin, TimestampMixin, ArchiveMixin, Base):
    __tablename__ = "sub_accounts"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    agency_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Default region for phone numbers typed without a country code (ISO 3166 alpha-2).
    country: Mapped[str] = mapped_column(String(2), default="US")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    agency: Mapped[Agency] = relationship(back_populates="sub_accounts")


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in. Users are deactivated (``is_active``), never deleted."""

    __tablename__ = "users"
    __audited__ = True

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)


class Permission(Base):
    __tablename__ = "permissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class Role(IdMixin, TimestampMixin, Base):
    """Built-in roles have a ``key`` and no agency; custom roles belong to one agency."""

    __tablename__ = "roles"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    agency_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("agencies.id", ondelete="CASCADE"), default=None, index=True
    )
    scope: Mapped[RoleScope] = mapped_column(enum_column_type(RoleScope))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    permissions: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    @property
    def permission_keys(self) -> frozenset[str]:
        return frozenset(p.permission_key for p in self.permissions)


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    permission_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("permissions.key", ondelete="CASCADE"), primary_key=True
    )


class UserAgencyMembership(IdMixin, TimestampMixin, Base):
    """Agency-level access: the role applies to every sub-account of the agency."""

    __tablename__ = "user_agency_memberships"
    __audited__ = True
    __table_args__ = (UniqueConstraint("user_id", "agency_id"),)

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[str] = mapped_column(String(36), ForeignKey("roles.id", ondelete="RESTRICT"))

    role: Mapped[Role] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class UserSubAccountMembership(IdMixin, TimestampMixin, Base):
    __tablename__ = "user_sub_account_memberships"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("user_id", "sub_account_id"),
        Index("ix_user_sub_account_memberships_sub_account", "sub_account_id", "user_id"),
    )

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sub_account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sub_accounts.id", ondelete="CASCADE")
    )
    role_id: Mapped[str] = mapped_column(String(36), ForeignKey("roles.id", ondelete="RESTRICT"))

    role: Mapped[Role] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
