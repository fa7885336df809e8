"""Field-level activity log rows for the objects a flush wrote (called from the UoW hook)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ghl_desktop.core.clock import utcnow
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.base import Base
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.services.actor import Actor

__all__ = ["ActivityLog", "activity_rows"]

_SKIPPED = {"created_at", "updated_at"}
_SECRET_MARKERS = ("password", "secret", "token")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def _audited_columns_of(cls: type[Base]) -> tuple[str, ...]:
    return tuple(
        attr.key
        for attr in inspect(cls).column_attrs
        if attr.key not in _SKIPPED
        and attr.key not in cls.__audit_skip__
        and not any(m in attr.key for m in _SECRET_MARKERS)
    )


def _audited_columns(obj: Base) -> tuple[str, ...]:
    return _audited_columns_of(type(obj))


def _changes(obj: Base, new: bool) -> dict[str, dict[str, Any]]:
    state = inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    columns = _audited_columns(obj)
    if not new:  # only the attributes changed since loading can have history
        unmodified = state.unmodified
        columns = tuple(key for key in columns if key not in unmodified)
    for key in columns:
        if new:
            value = getattr(obj, key)
            if value not in (None, "", {}, []):
                changes[key] = {"old": None, "new": _json_value(value)}
            continue
        history = state.attrs[key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            value = history.added[0] if history.added else None
            if old != value:
                changes[key] = {"old": _json_value(old), "new": _json_value(value)}
    return changes


def _action(changes: dict[str, dict[str, Any]]) -> str:
    for key, verb_set, verb_cleared in (
        ("deleted_at", "deleted", "restored"),
        ("archived_at", "archived", "unarchived"),
    ):
        if key in changes:
            return verb_set if changes[key]["new"] is not None else verb_cleared
    return "updated"


def _entity_id(obj: Base) -> str:
    # Not the identity key: rows created by this flush get theirs only after the flush hooks.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key if part is not None)


def activity_rows(
    session: Session, actor: Actor, agency_id: str | None, sub_account_id: str | None
) -> list[dict[str, Any]]:
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj: Base, action: str, changes: dict[str, Any]) -> None:
        own_sub = getattr(obj, "sub_account_id", None)
        if type(obj).__tablename__ == "sub_accounts":
            own_sub = getattr(obj, "id", None)
        rows.append(
            {
                "id": new_id(),
                "agency_id": getattr(obj, "agency_id", None) or agency_id,
                "sub_account_id": own_sub or sub_account_id,
                "user_id": actor.user_id,
                "entity_type": type(obj).__tablename__,
                "entity_id": _entity_id(obj),
                "action": action,
                "changes": changes,
                "ip_address": actor.ip_address,
                "user_agent": actor.user_agent,
                "created_at": now,
            }
        )

    for obj in session.new:
        if isinstance(obj, Base) and obj.__audited__:
            add(obj, "created", _changes(obj, new=True))
    for obj in session.dirty:
        if isinstance(obj, Base) and obj.__audited__ and session.is_modified(obj):
            changes = _changes(obj, new=False)
            if changes:
                add(obj, _action(changes), changes)
    for obj in session.deleted:
        if isinstance(obj, Base) and obj.__audited__:
            add(obj, "purged", {})
    # A purged sub-account cannot own log rows any more (the foreign key would fail).
    purged = {o.id for o in session.deleted if type(o).__tablename__ == "sub_accounts"}
    for row in rows:
        if row["sub_account_id"] in purged:
            row["sub_account_id"] = None
    return rows
