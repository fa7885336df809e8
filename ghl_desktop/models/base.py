"""Declarative base, column types and the mixins every table is built from."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum, ForeignKey, MetaData, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from ghl_desktop.core.clock import utcnow
from ghl_desktop.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect.

    SQLite has no timezone type: values are normalised to UTC before they are stored and get
    their ``tzinfo`` back on load, so comparisons and arithmetic never mix naive and aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONDoc(TypeDecorator[Any]):
    """JSON documents: JSONB on PostgreSQL (indexable), JSON text on SQLite."""

    impl = JSON()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = JSONDoc()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_column_type(enum_cls: type[enum.StrEnum]) -> Enum:
    """A StrEnum stored as TEXT with a CHECK constraint listing its values."""
    return Enum(
        enum_cls,
        name=_snake(enum_cls.__name__),
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}

    # Models set this to have field-level changes written to activity_logs by the unit of work.
    __audited__: bool = False
    # Columns an audited model leaves out of those rows: values derived from other rows and
    # rewritten by every one of them (a thread's preview of its newest message).
    __audit_skip__: frozenset[str] = frozenset()


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """Recoverable rows: tenant-scoped queries hide rows whose ``deleted_at`` is set."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class ArchiveMixin:
    """Archived rows stay visible in history but leave active lists (not the same as deleted)."""

    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class TenantMixin:
    """Rows owned by one sub-account. The tenant unit of work filters and stamps this column."""

    @declared_attr
    def sub_account_id(cls) -> Mapped[str]:  # noqa: N805 (declared_attr takes the class)
        return mapped_column(
            String(36), ForeignKey("sub_accounts.id", ondelete="CASCADE"), nullable=False
        )


def tenant_models() -> list[type[Base]]:
    """Every mapped class scoped to a sub-account (tests iterate over this)."""
    found: list[type[Base]] = []
    for mapper in Base.registry.mappers:
        cls: type[Base] = mapper.class_
        if issubclass(cls, TenantMixin):
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)
