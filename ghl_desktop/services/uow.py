"""The unit of work: one transaction, one actor, one scope, and the events it produced.

Three scopes, each opened by a separately named method of ``UnitOfWorkFactory``:

* ``tenant(actor, sub_account_id)`` - every ORM query of a tenant-scoped model gets
  ``sub_account_id = :current`` added, and new rows are stamped with it (a row of another
  sub-account is refused at flush).
* ``agency(actor, agency_id)`` - agency-wide administration (sub-accounts, users, roles).
* ``system()`` - no tenant filter; the scheduler, the event bus and migrations use it.

All scopes hide soft-deleted rows unless a statement carries ``include_deleted=True``.
Events recorded with ``record()`` are written to ``domain_events`` in the same transaction and
handed to the bus only after the commit succeeded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import BindParameter, ClauseElement

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.db import Database
from ghl_desktop.core.errors import NotFound, PermissionDenied, TenantViolation
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.base import SoftDeleteMixin, TenantMixin
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services import audit, invoice_rules
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.authz import permissions_for_agency, sub_account_access

if TYPE_CHECKING:
    from ghl_desktop.services.bus import EventBus


class ScopeKind(StrEnum):
    TENANT = "tenant"
    AGENCY = "agency"
    SYSTEM = "system"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    agency_id: str | None = None
    sub_account_id: str | None = None


class AppSession(Session):
    """Session class carrying the tenant hooks (registered once, below)."""


class UnitOfWork:
    def __init__(
        self,
        session: AppSession,
        actor: Actor,
        scope: Scope,
        permissions: frozenset[str],
        bus: EventBus | None,
        clock: Clock,
    ) -> None:
        self.session = session
        self.actor = actor
        self.scope = scope
        self.permissions = permissions
        self.clock = clock
        self._bus = bus
        self._events: list[DomainEvent] = []
        session.info["uow"] = self

    # -- scope helpers -------------------------------------------------------------------
    @property
    def sub_account_id(self) -> str:
        if self.scope.sub_account_id is None:
            raise TenantViolation("this unit of work is not scoped to a sub-account")
        return self.scope.sub_account_id

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise unless the actor holds ``permission``. Call before changing anything."""
        if permission not in self.permissions:
            raise PermissionDenied(permission)

    # -- events and transaction ----------------------------------------------------------
    def record(self, *events: DomainEvent) -> None:
        """Queue events for the outbox. Their ``occurred_at`` is taken from this unit of work's
        clock, like every other timestamp it writes (redispatch compares it with that clock)."""
        now = self.clock.now()
        self._events.extend(dataclasses.replace(e, occurred_at=now) for e in events)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        events, self._events = self._events, []
        if events:
            self.session.execute(
                insert(DomainEventRecord),
                [
                    {
                        "id": e.event_id,
                        "name": e.name,
                        "sub_account_id": e.sub_account_id,
                        "payload": e.payload(),
                        "occurred_at": e.occurred_at,
                    }
                    for e in events
                ],
            )
        self.session.commit()
        if events and self._bus is not None:
            self._bus.dispatch(events)

    def rollback(self) -> None:
        self._events.clear()
        self.session.rollback()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        # Anything not committed explicitly is rolled back: a failed command changes nothing.
        try:
            if self.session.in_transaction():
                self.rollback()
        finally:
            self.close()


class UnitOfWorkFactory:
    def __init__(self, database: Database, clock: Clock, bus: EventBus | None = None) -> None:
        self.database = database
        self.clock = clock
        self.bus = bus

    def _session(self, read_only: bool) -> AppSession:
        engine = self.database.reader if read_only else self.database.writer
        return AppSession(bind=engine, expire_on_commit=False, autoflush=True)

    def tenant(self, actor: Actor, sub_account_id: str, *, read_only: bool = False) -> UnitOfWork:
        session = self._session(read_only)
        try:
            access = sub_account_access(session, actor, sub_account_id)
            if access is None or not access[1]:
                # No access answers exactly like a sub-account that does not exist.
                raise NotFound("sub-account", sub_account_id)
            agency_id, perms = access
            if not read_only:
                # A writer's transaction (BEGIN IMMEDIATE) starts with its first change; a
                # read goes on in the transaction it is in (one snapshot, one BEGIN less).
                session.rollback()
        except BaseException:
            session.close()
            raise
        scope = Scope(ScopeKind.TENANT, agency_id, sub_account_id)
        return UnitOfWork(session, actor, scope, perms, self.bus, self.clock)

    def agency(self, actor: Actor, agency_id: str, *, read_only: bool = False) -> UnitOfWork:
        session = self._session(read_only)
        try:
            perms = permissions_for_agency(session, actor, agency_id)
            session.rollback()
        except BaseException:
            session.close()
            raise
        scope = Scope(ScopeKind.AGENCY, agency_id)
        return UnitOfWork(session, actor, scope, perms, self.bus, self.clock)

    def system(self, actor: Actor | None = None, *, read_only: bool = False) -> UnitOfWork:
        from ghl_desktop.core.permissions import PERMISSIONS
        from ghl_desktop.services.actor import SYSTEM

        return UnitOfWork(
            self._session(read_only), actor or SYSTEM, Scope(ScopeKind.SYSTEM),
            frozenset(PERMISSIONS), self.bus, self.clock,
        )  # fmt: skip

    @contextmanager
    def run_tenant(self, actor: Actor, sub_account_id: str) -> Iterator[UnitOfWork]:
        """``with factory.run_tenant(...) as uow:`` - commits on success, rolls back on error."""
        with self.tenant(actor, sub_account_id) as uow:
            yield uow
            uow.commit()


UowOpener = Callable[[], UnitOfWork]


# -- session hooks -------------------------------------------------------------------------
def _uow_of(session: Session) -> UnitOfWork | None:
    uow = session.info.get("uow")
    return uow if isinstance(uow, UnitOfWork) else None


def _tenant_entity(state: ORMExecuteState) -> type[TenantMixin] | None:
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, TenantMixin):
        return mapper.class_
    return None


def _is_sub_account_key(key: Any) -> bool:
    return bool(getattr(key, "key", key) == "sub_account_id")


def _check_assigned(value: Any, current: str, what: str) -> None:
    """A ``sub_account_id`` set by a statement must be the current one (a bound literal)."""
    literal = value.value if isinstance(value, BindParameter) else value
    if isinstance(literal, ClauseElement) or literal != current:
        raise TenantViolation(f"{what} cannot write rows of another sub-account")


def _guard_tenant_write(state: ORMExecuteState, entity: type[TenantMixin], current: str) -> None:
    """ORM bulk INSERT and UPDATE statements skip the flush hooks and, in bulk UPDATE by
    primary key mode, the loader criteria too: stamp and check them here instead."""
    stmt: Any = state.statement
    what = f"{'INSERT' if state.is_insert else 'UPDATE'} of {entity.__name__}"
    for key, value in (getattr(stmt, "_values", None) or {}).items():
        if _is_sub_account_key(key):
            _check_assigned(value, current, what)
    for key, value in getattr(stmt, "_ordered_values", None) or ():
        if _is_sub_account_key(key):
            _check_assigned(value, current, what)
    multi = [row for batch in getattr(stmt, "_multi_values", ()) for row in batch]
    for row in multi:
        given = [v for k, v in row.items() if _is_sub_account_key(k)]
        if not given:
            raise TenantViolation(f"{what}: multi-row VALUES must name sub_account_id")
        _check_assigned(given[0], current, what)
    if state.is_insert and getattr(stmt, "select", None) is not None:
        raise TenantViolation(f"{what} from a SELECT is not allowed in a tenant unit of work")

    params: Any = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    stamped = []
    for given_row in rows:
        row = dict(given_row)
        if row.get("sub_account_id") is None and state.is_insert:
            row["sub_account_id"] = current
        elif "sub_account_id" in row:
            _check_assigned(row["sub_account_id"], current, what)
        stamped.append(row)
    if state.is_insert:
        if stamped:
            state.parameters = stamped if isinstance(params, list) else stamped[0]
        elif not multi and not any(_is_sub_account_key(k) for k in stmt._values or {}):
            state.statement = stmt.values(sub_account_id=current)
    elif state.is_executemany:
        # Bulk UPDATE by primary key ignores loader criteria: add them as WHERE clauses.
        where = [entity.sub_account_id == current]
        if issubclass(entity, SoftDeleteMixin) and not state.execution_options.get(
            "include_deleted", False
        ):
            where.append(entity.deleted_at.is_(None))
        state.statement = stmt.where(*where).execution_options(synchronize_session=None)


@event.listens_for(AppSession, "do_orm_execute")
def _add_scope_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria below propagate to these loads already
    uow = _uow_of(state.session)
    entity = _tenant_entity(state)
    if (
        entity is not None
        and uow is not None
        and uow.scope.kind is ScopeKind.TENANT
        and (state.is_insert or state.is_update)
    ):
        _guard_tenant_write(state, entity, uow.sub_account_id)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    options: list[Any] = []
    if not state.execution_options.get("include_deleted", False):
        options.append(
            with_loader_criteria(
                SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True
            )
        )
    if uow is not None and uow.scope.kind is ScopeKind.TENANT:
        current = uow.sub_account_id
        options.append(
            with_loader_criteria(
                TenantMixin, lambda cls: cls.sub_account_id == current, include_aliases=True
            )
        )
    if options:
        state.statement = state.statement.options(*options)


@event.listens_for(AppSession, "before_flush")
def _stamp_and_check_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    uow = _uow_of(session)
    if uow is None or uow.scope.kind is not ScopeKind.TENANT:
        return
    current = uow.sub_account_id
    for obj in session.new:
        if isinstance(obj, TenantMixin):
            if obj.sub_account_id is None:
                obj.sub_account_id = current
            elif obj.sub_account_id != current:
                raise TenantViolation(
                    f"{type(obj).__name__} belongs to another sub-account than this unit of work"
                )
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantMixin) and obj.sub_account_id != current:
            raise TenantViolation(f"{type(obj).__name__} cannot move between sub-accounts")


# Registered after the tenant hook above: numbering needs the stamped sub_account_id.
invoice_rules.register(AppSession)


@event.listens_for(AppSession, "after_flush")
def _write_activity(session: Session, _ctx: Any) -> None:
    uow = _uow_of(session)
    if uow is None:
        return
    rows = audit.activity_rows(session, uow.actor, uow.scope.agency_id, uow.scope.sub_account_id)
    if rows:
        session.execute(insert(audit.ActivityLog), rows)


def sub_account_exists(session: Session, sub_account_id: str) -> bool:
    return session.scalar(select(SubAccount.id).where(SubAccount.id == sub_account_id)) is not None


# Write-time validation hooks that live with their domain register themselves on AppSession
# when imported; importing them here means no session can skip them.
from ghl_desktop.services import custom_fields as _custom_fields  # noqa: E402, F401
