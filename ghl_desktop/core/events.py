"""Domain events: frozen dataclasses named in the past tense, serialisable to JSON.

Every concrete event class registers itself under its ``name`` (``"contact.created"``) so the
outbox can turn a stored row back into the event after a crash.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from ghl_desktop.core.clock import utcnow
from ghl_desktop.core.ids import new_id

_REGISTRY: dict[str, type[DomainEvent]] = {}


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = ""

    sub_account_id: str | None
    event_id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in _REGISTRY and _REGISTRY[cls.name].__qualname__ != cls.__qualname__:
                raise TypeError(f"event name {cls.name!r} is already taken")
            _REGISTRY[cls.name] = cls

    def payload(self) -> dict[str, Any]:
        """The event's own fields as JSON-safe values (ids and time are stored in columns)."""
        skip = {"event_id", "occurred_at", "sub_account_id"}
        return {
            f.name: _to_json(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in skip
        }

    @classmethod
    def from_record(
        cls, name: str, event_id: str, sub_account_id: str | None, occurred_at: datetime,
        payload: dict[str, Any],
    ) -> DomainEvent:  # fmt: skip
        event_cls = _REGISTRY.get(name)
        if event_cls is None:
            raise LookupError(f"unknown domain event {name!r}")
        hints = _hints(event_cls)
        values = {key: _from_json(hints.get(key), value) for key, value in payload.items()}
        return event_cls(
            event_id=event_id, sub_account_id=sub_account_id, occurred_at=occurred_at, **values
        )


_HINTS: dict[type[DomainEvent], dict[str, Any]] = {}


def _hints(event_cls: type[DomainEvent]) -> dict[str, Any]:
    # Resolving the annotations costs more than rebuilding the event: once per class.
    found = _HINTS.get(event_cls)
    if found is None:
        found = _HINTS[event_cls] = typing.get_type_hints(event_cls)
    return found


def event_types() -> dict[str, type[DomainEvent]]:
    """Every registered event class by name (the docs test lists these)."""
    return dict(_REGISTRY)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=repr) if isinstance(value, frozenset | set) else value
        return [_to_json(v) for v in items]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


def _from_json(hint: Any, value: Any) -> Any:
    """Rebuild a field from its JSON form, guided by the field's type hint."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):  # ``X | None``: use the non-None member
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_json(members[0], value) if len(members) == 1 else value
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    args = typing.get_args(hint)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(args[0], v) for v in value)
        return tuple(value)
    if origin in (frozenset, set, list):
        inner = args[0] if args else None
        return origin(_from_json(inner, v) for v in value)
    return value
