"""A generic row factory: builds a valid row of any mapped model by looking at its columns.

Used by the tenant-leak test, which must cover every tenant model - including the ones added
tomorrow - without a hand-written fixture per table. For each column the factory picks a value
by type (strings, numbers, enums -> their first value, JSON -> {}, datetimes, ...), creates the
row behind every required foreign key first (in the same sub-account), and honours CHECK
constraints by asking SQLite itself whether a candidate row satisfies them, changing values
until every check passes. Model validators (``@validates``) are honoured the same way: a value
they refuse is just the next candidate's turn.

A model the generic rules cannot build gets an entry in ``OVERRIDES``: column -> value, or a
callable taking the row built so far.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlean  # type: ignore[import-untyped]
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    Time,
    inspect,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapper, Session, configure_mappers
from sqlalchemy.types import TypeDecorator, TypeEngine

from ghl_desktop.models.base import TenantMixin

# Model name -> {column: value, or callable(values so far) -> value}. Keep it short: every
# entry is a model the generic rules could not handle.
OVERRIDES: dict[str, dict[str, Any]] = {}

BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MAX_REPAIR_ROUNDS = 12
_SQLITE = sqlite.dialect()

Row = dict[str, Any]  # column name -> Python value


class RowFactoryError(AssertionError):
    """The generic rules could not build a valid row: add an entry to OVERRIDES."""


class RowFactory:
    """Creates and remembers one row per (model, sub-account); session-independent, so one
    factory can serve many units of work."""

    def __init__(self, *, agency_id: str, user_id: str) -> None:
        self._fixed_rows: dict[str, Row] = {
            "agencies": {"id": agency_id},
            "users": {"id": user_id},
        }
        self._rows: dict[tuple[str, str | None], Row] = {}
        self._serial = itertools.count(1)
        self._checker = sqlean.connect(":memory:")

    # -- public ---------------------------------------------------------------------------
    def row(self, session: Session, model: type[Any], sub_account_id: str | None) -> Row:
        """The model's row in this sub-account, created (and flushed) on first use."""
        key = (model.__table__.name, sub_account_id)
        if key not in self._rows:
            instance = self.build(session, model, sub_account_id)
            session.add(instance)
            try:
                session.flush()
            except Exception as exc:
                raise RowFactoryError(
                    f"cannot insert a generic {model.__name__}: {exc}; add it to OVERRIDES"
                ) from exc
            self._rows[key] = {
                c.name: _column_value(instance, model, c) for c in model.__table__.columns
            }
        return self._rows[key]

    def build(self, session: Session | None, model: type[Any], sub_account_id: str | None) -> Any:
        """A new, unsaved instance; rows it references are created through ``session``."""
        configure_mappers()  # instances made without __init__ need configured mappers
        mapper: Mapper[Any] = inspect(model)
        values = self._values(session, mapper, sub_account_id)
        instance = mapper.class_manager.new_instance()
        for name, value in values.items():
            setattr(instance, mapper.get_property_by_column(mapper.local_table.c[name]).key, value)
        return instance

    # -- choosing values ------------------------------------------------------------------
    def _values(self, session: Session | None, mapper: Mapper[Any], sub: str | None) -> Row:
        table = mapper.local_table
        assert isinstance(table, Table)
        values: Row = {}
        if "sub_account_id" in table.c and issubclass(mapper.class_, TenantMixin):
            values["sub_account_id"] = sub
        overrides = OVERRIDES.get(mapper.class_.__name__, {})
        # Required foreign keys first, widest first (a composite key fixes several columns).
        fks = sorted(table.foreign_key_constraints, key=lambda fk: -len(fk.columns))
        for fk in fks:
            self._fill_foreign_key(session, mapper, fk, values, sub, overrides)
        for column in table.columns:
            if column.name in values or column.name in overrides:
                continue
            if _needs_value(column):
                values[column.name] = self._first_acceptable(mapper, column, values)
            elif getattr(column.default, "is_scalar", False):
                # Spelled out, as services do: flush hooks see the value, not None.
                values[column.name] = _default_of(column)
        for name, value in overrides.items():
            values[name] = value(values) if callable(value) else value
        self._repair_checks(session, mapper, values, sub, frozenset(overrides))
        return values

    def _fill_foreign_key(
        self, session: Session | None, mapper: Mapper[Any], fk: ForeignKeyConstraint,
        values: Row, sub: str | None, overrides: dict[str, Any],
    ) -> None:  # fmt: skip
        local = [e.parent for e in fk.elements]
        missing = [c for c in local if c.name not in values and c.name not in overrides]
        if not missing or all(c.nullable for c in missing):
            return
        parent = self._parent_row(session, mapper, fk.elements[0].column.table, sub)
        for element in fk.elements:
            values.setdefault(element.parent.name, parent[element.column.name])

    def _parent_row(
        self, session: Session | None, mapper: Mapper[Any], table: Any, sub: str | None
    ) -> Row:
        if table.name == "sub_accounts":
            return {"id": sub, "sub_account_id": sub}
        if table.name in self._fixed_rows:
            return self._fixed_rows[table.name]
        if table is mapper.local_table:
            raise RowFactoryError(f"{mapper.class_.__name__} requires itself: add an override")
        target = _class_of(mapper, table)
        owner = sub if issubclass(target, TenantMixin) else None
        if (table.name, owner) not in self._rows and session is None:
            raise RowFactoryError(f"{table.name} row needed but no session to create it")
        assert session is not None or (table.name, owner) in self._rows
        return self.row(session, target, owner)  # type: ignore[arg-type]

    def _first_acceptable(self, mapper: Mapper[Any], column: Column[Any], values: Row) -> Any:
        candidates = self._candidates(column)
        for value in candidates:
            if _validator_accepts(mapper, column, value) and not self._failing(
                mapper, {**values, column.name: value}, only=column.name
            ):
                return value
        return candidates[0]

    def _repair_checks(
        self, session: Session | None, mapper: Mapper[Any], values: Row, sub: str | None,
        fixed: frozenset[str],
    ) -> None:  # fmt: skip
        """Hill-climb: change one column at a time while that lowers the number of failing
        CHECKs; when stuck, give every NULL column of a failing check a value and go on."""
        protected = fixed | {"sub_account_id"}
        for _ in range(MAX_REPAIR_ROUNDS):
            failing = self._failing(mapper, values)
            if not failing:
                return
            if self._improve(mapper, values, failing, protected):
                continue
            filled = False
            for name in sorted(set().union(*(refs for _, refs in failing)) - protected):
                if values.get(name) is None and _default_of(mapper.local_table.c[name]) is None:
                    column = mapper.local_table.c[name]
                    if column.foreign_keys:
                        fk = next(iter(column.foreign_keys)).constraint
                        assert fk is not None
                        parent = self._parent_row(session, mapper, fk.elements[0].column.table, sub)
                        values[name] = parent[next(iter(column.foreign_keys)).column.name]
                    else:
                        values[name] = self._first_acceptable(mapper, column, values)
                    filled = True
            if not filled:
                break
        failing = self._failing(mapper, values)
        if failing:
            names = [name for name, _ in failing]
            raise RowFactoryError(
                f"no generic {mapper.class_.__name__} satisfies {names}: add it to OVERRIDES"
            )

    def _improve(
        self, mapper: Mapper[Any], values: Row, failing: list[tuple[str, set[str]]],
        protected: frozenset[str],
    ) -> bool:  # fmt: skip
        score = len(failing)
        for name in sorted(set().union(*(refs for _, refs in failing)) - protected):
            column = mapper.local_table.c[name]
            if column.foreign_keys:
                options: list[Any] = [None] if column.nullable else []
            else:
                options = ([None] if column.nullable else []) + self._candidates(column)
            for value in options:
                if value == values.get(name) or not _validator_accepts(mapper, column, value):
                    continue
                trial = {**values, name: value}
                if len(self._failing(mapper, trial)) < score:
                    values[name] = value
                    return True
        return False

    def _candidates(self, column: Column[Any]) -> list[Any]:
        n = next(self._serial)
        return _candidates_for(column, n)

    # -- CHECK constraints, evaluated by SQLite ----------------------------------------------
    def _failing(
        self, mapper: Mapper[Any], values: Row, only: str | None = None
    ) -> list[tuple[str, set[str]]]:
        """(name, referenced columns) of every CHECK the row breaks (NULL counts as passing,
        as in SQL). With ``only``, just the checks mentioning that column."""
        table = mapper.local_table
        row = {c.name: values[c.name] if c.name in values else _default_of(c) for c in table.c}
        failing = []
        for check, sql, refs in _checks(table):
            if only is not None and only not in refs:
                continue
            if self._evaluate(table, sql, row) is False:
                failing.append((check.name or sql, refs))
        return failing

    def _evaluate(self, table: Any, sql: str, row: Row) -> bool | None:
        columns = list(table.c)
        select_list = ", ".join(f'? AS "{c.name}"' for c in columns)
        params = [_db_value(c, row[c.name]) for c in columns]
        query = (
            f"SELECT CASE WHEN ({sql}) THEN 1 WHEN NOT ({sql}) THEN 0 END "
            f'FROM (SELECT {select_list}) AS "{table.name}"'
        )
        try:
            result = self._checker.execute(query, params).fetchone()[0]
        except sqlean.Error:
            return None  # a check SQLite cannot evaluate: leave it to the real insert
        return None if result is None else bool(result)


# -- helpers ----------------------------------------------------------------------------------
_CHECK_CACHE: dict[str, list[tuple[CheckConstraint, str, set[str]]]] = {}


def _checks(table: Any) -> list[tuple[CheckConstraint, str, set[str]]]:
    if table.name not in _CHECK_CACHE:
        found = []
        for check in table.constraints:
            if not isinstance(check, CheckConstraint):
                continue
            sql = str(
                check.sqltext.compile(dialect=_SQLITE, compile_kwargs={"literal_binds": True})
            )
            refs = {c.name for c in table.c if re.search(rf"\b{re.escape(c.name)}\b", sql)}
            found.append((check, sql, refs))
        _CHECK_CACHE[table.name] = found
    return _CHECK_CACHE[table.name]


def _needs_value(column: Column[Any]) -> bool:
    if column.nullable or column.default is not None or column.server_default is not None:
        return False
    return not (column.primary_key and column.autoincrement is True)


def _default_of(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    arg = getattr(default, "arg", None)
    if getattr(default, "is_scalar", False):
        return arg
    if callable(arg):
        try:
            return arg(None)
        except Exception:
            return None
    return None


def _db_value(column: Column[Any], value: Any) -> Any:
    """The value as SQLite would store it (for evaluating CHECKs)."""
    if value is None:
        return None
    processor = column.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)
    stored = processor(value) if processor else value
    if isinstance(stored, dict | list):
        return json.dumps(stored)
    if isinstance(stored, Decimal):
        return float(stored)
    return stored


def _validator_accepts(mapper: Mapper[Any], column: Column[Any], value: Any) -> bool:
    key = mapper.get_property_by_column(column).key
    if key not in mapper.validators:
        return True
    scratch = mapper.class_manager.new_instance()
    try:
        setattr(scratch, key, value)
    except Exception:
        return False
    return True


def _column_value(instance: Any, model: type[Any], column: Column[Any]) -> Any:
    mapper: Mapper[Any] = inspect(model)
    return getattr(instance, mapper.get_property_by_column(column).key)


def _class_of(mapper: Mapper[Any], table: Any) -> type[Any]:
    for other in mapper.registry.mappers:
        if other.local_table is table:
            return other.class_
    raise RowFactoryError(f"no mapped class for table {table.name}")


def _base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_  # type: ignore[no-any-return]


_NAME_HINTS: list[tuple[str, Callable[[int], Any]]] = [
    ("email", lambda n: f"probe{n}@example.com"),
    ("phone", lambda n: f"+1555{n:07d}"[:16]),
    ("url", lambda n: f"https://example.com/p{n}"),
    ("domain", lambda n: f"p{n}.example.com"),
    ("currency", lambda _n: "USD"),
    ("country", lambda _n: "US"),
    ("timezone", lambda _n: "UTC"),
    ("locale", lambda _n: "en"),
    ("color", lambda _n: "#336699"),
    ("hash", lambda n: f"{n:064x}"),
]


def _candidates_for(column: Column[Any], n: int) -> list[Any]:
    base = _base_type(column.type)
    if isinstance(column.type, Enum) or isinstance(base, Enum):
        enum_type = column.type if isinstance(column.type, Enum) else base
        assert isinstance(enum_type, Enum)
        if enum_type.enum_class is not None:
            return list(enum_type.enum_class)
        return list(enum_type.enums)
    if isinstance(base, Boolean):
        return [False, True]
    if isinstance(base, Integer):
        return [0, 1, 2, 7, 100, n + 1000]
    if isinstance(base, Float | Numeric):
        return [0.5, 0.0, 1.0, 100.0]
    if isinstance(base, DateTime):
        return [BASE_TIME + timedelta(hours=h) for h in (0, 1, 24, -24)]
    if isinstance(base, Date):
        return [BASE_TIME.date() + timedelta(days=d) for d in (0, 1, 30)]
    if isinstance(base, Time):
        return [time(9, 0), time(17, 0), time(12, 0)]
    if isinstance(base, JSON):
        return [{}, [], {"probe": n}]
    if isinstance(base, LargeBinary):
        return [b"\x00\x00\x80\x3f" * 4]
    if isinstance(base, String | Text):
        length = getattr(base, "length", None) or 200
        texts = [f"probe{n}"]
        for hint, make in _NAME_HINTS:
            if hint in column.name:
                texts.insert(0, make(n))
        texts += [f"p{n}", "x", f"probe{n}@example.com", f"+1555{n:07d}", "USD", "US", "UTC"]
        return [t[:length] for t in dict.fromkeys(texts)]
    python_type = _python_type(base)
    if python_type is date:
        return [BASE_TIME.date()]
    raise RowFactoryError(f"no generic value for {column.table.name}.{column.name} ({base!r})")


def _python_type(type_: TypeEngine[Any]) -> type[Any] | None:
    try:
        return type_.python_type
    except NotImplementedError:
        return None
