"""What the CRM screens need to know about a sub-account besides its contacts: tags, custom
field definitions and the users contacts can be assigned to. Loaded on a reader thread and
shared by the list, the form, the filter builder and the bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class FieldDefinition(Protocol):
    """A custom field definition as the screens read it."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def field_type(self) -> Any: ...  # CustomFieldType
    @property
    def options(self) -> Any: ...  # sequence of option texts
    @property
    def is_required(self) -> bool: ...
    @property
    def placeholder(self) -> str: ...
    @property
    def default_value(self) -> Any: ...


@dataclass(frozen=True)
class UserChoice:
    id: str
    label: str


@dataclass(frozen=True)
class TagChoice:
    id: str
    name: str
    colour: str | None = None
    contact_count: int = 0


@dataclass(frozen=True)
class CrmLookups:
    tags: tuple[TagChoice, ...] = ()
    fields: tuple[FieldDefinition, ...] = ()
    users: tuple[UserChoice, ...] = ()

    def definition(self, key: str) -> FieldDefinition | None:
        return next((f for f in self.fields if f.key == key), None)

    def user_label(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return next((u.label for u in self.users if u.id == user_id), "Unknown user")


EMPTY_LOOKUPS = CrmLookups()
