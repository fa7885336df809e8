"""Test-only building blocks that must not leak into the application's registries.

* Probe domain events: defined here (or in a test module) and removed from the event registry
  right away, so the docs test does not ask to document them; ``registered()`` puts them back
  for the duration of one test.
* Probe ORM models: tenant-scoped tables on their own declarative base and metadata, so the
  schema-drift test and ``tenant_models()`` never see them. The tenant unit of work treats
  them like any model (its hooks key on the mixins, not on the base class).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ghl_desktop.core import events as core_events
from ghl_desktop.core.db import Database
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.base import (
    NAMING_CONVENTION,
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)
from ghl_desktop.models.tenancy import Agency, SubAccount
from ghl_desktop.services.uow import UnitOfWork

E = TypeVar("E", bound=type[DomainEvent])


def unregistered(cls: E) -> E:
    """Class decorator (outermost): keep a test event out of the global registry."""
    core_events._REGISTRY.pop(cls.name, None)
    return cls


@contextmanager
def registered(*classes: type[DomainEvent]) -> Iterator[None]:
    for cls in classes:
        core_events._REGISTRY[cls.name] = cls
    try:
        yield
    finally:
        for cls in classes:
            core_events._REGISTRY.pop(cls.name, None)


@unregistered
@dataclass(frozen=True, kw_only=True)
class ProbeRecorded(DomainEvent):
    name = "test.probe_recorded"
    label: str


# -- probe tables ------------------------------------------------------------------------------
class ProbeBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = Base.type_annotation_map


# The tenant foreign keys point at sub_accounts: give the probe metadata copies to resolve them.
Agency.__table__.to_metadata(ProbeBase.metadata)
SubAccount.__table__.to_metadata(ProbeBase.metadata)


class ProbeNote(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, ProbeBase):
    __tablename__ = "probe_notes"

    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500), default="")


class ProbeKind(enum.StrEnum):
    ALPHA = "alpha"
    BETA = "beta"


class ProbeParent(IdMixin, TimestampMixin, TenantMixin, ProbeBase):
    """Columns of every kind the generic row factory must fill, with CHECKs to honour."""

    __tablename__ = "probe_parents"
    __table_args__ = (
        CheckConstraint("code = lower(code)", name="code_lowercase"),
        CheckConstraint("phone LIKE '+%'", name="phone_e164"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("sub_account_id", "code"),
    )

    code: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(16))
    kind: Mapped[ProbeKind] = mapped_column(enum_column_type(ProbeKind))
    quantity: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    options: Mapped[dict[str, Any]] = mapped_column(JSONType)
    is_enabled: Mapped[bool] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(100), default=None)


class ProbeChild(IdMixin, TenantMixin, ProbeBase):
    __tablename__ = "probe_children"
    __table_args__ = (CheckConstraint("note_id IS NOT NULL OR label <> ''", name="note_or_label"),)

    parent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("probe_parents.id", ondelete="CASCADE")
    )
    note_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("probe_notes.id", ondelete="SET NULL"), default=None
    )
    label: Mapped[str] = mapped_column(String(20), default="")


PROBE_MODELS: list[type[ProbeBase]] = [ProbeNote, ProbeParent, ProbeChild]


def create_probe_tables(database: Database) -> None:
    tables = [m.__table__ for m in PROBE_MODELS]
    with database.writer.begin() as conn:
        ProbeBase.metadata.create_all(conn, tables=tables)  # type: ignore[arg-type]


# -- a durable subscriber whose deliveries can be counted ------------------------------------
probe_deliveries = Table(
    "probe_deliveries",
    ProbeBase.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("subscriber", String(100), nullable=False),
)


def create_delivery_table(database: Database) -> None:
    with database.writer.begin() as conn:
        probe_deliveries.create(conn, checkfirst=True)


def deliveries(database: Database, event_id: str | None = None) -> list[tuple[str, str]]:
    """(event id, subscriber) of every delivery the probe subscribers wrote."""
    query = select(probe_deliveries.c.event_id, probe_deliveries.c.subscriber)
    if event_id is not None:
        query = query.where(probe_deliveries.c.event_id == event_id)
    with database.reader.connect() as conn:
        return [(r.event_id, r.subscriber) for r in conn.execute(query.order_by("id"))]


class CountingSubscriber:
    """Writes one probe_deliveries row per handled event, in the delivery's transaction;
    raises instead for its first ``fail_times`` calls."""

    def __init__(self, name: str, fail_times: int = 0) -> None:
        self.name = name
        self.fail_times = fail_times
        self.calls = 0

    def __call__(self, event: DomainEvent, uow: UnitOfWork) -> None:
        self.calls += 1
        uow.session.execute(
            insert(probe_deliveries).values(event_id=event.event_id, subscriber=self.name)
        )
        if self.calls <= self.fail_times:
            raise RuntimeError(f"{self.name} failure #{self.calls}")
