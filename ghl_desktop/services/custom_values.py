"""Custom values: sub-account merge variables such as ``{{custom_values.booking_link}}``,
edited in settings and rendered into templates, pages and workflow messages.

``render_merge_fields`` fills ``{{custom_values.key}}``, ``{{contact.field}}`` (standard
fields, ``full_name`` and ``contact.custom_fields.key``) and ``{{sub_account.name}}``; an
optional ``| default`` gives the text for an empty or unknown variable
(``{{contact.first_name | there}}``). Unknown variables render as the empty string, never as
the raw braces, so a typo cannot leak template syntax to a customer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.crm_lists import CustomValue
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.services.crm_common import sub_account_of
from ghl_desktop.services.custom_fields import KEY_PATTERN
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_VALUE = 10_000
MERGE_FIELD = re.compile(r"\{\{\s*([a-zA-Z_][\w.]*)\s*(?:\|\s*([^}]*?)\s*)?\}\}")


@dataclass(frozen=True)
class CustomValueInfo:
    id: str
    key: str
    label: str
    value: str
    updated_at: datetime

    @property
    def token(self) -> str:
        return "{{custom_values." + self.key + "}}"

    @classmethod
    def of(cls, row: CustomValue) -> CustomValueInfo:
        return cls(row.id, row.key, row.label, row.value, row.updated_at)


def _key(value: str) -> str:
    key = (value or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError("key", f"must be snake_case (a-z, 0-9, _), got {value!r}")
    return key


def _value(value: str) -> str:
    if len(value or "") > MAX_VALUE:
        raise ValidationError("value", f"must be at most {MAX_VALUE} characters")
    return value or ""


def list_custom_values(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[CustomValueInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        rows = uow.session.scalars(select(CustomValue).order_by(CustomValue.key))
        return [CustomValueInfo.of(r) for r in rows]


def set_custom_value(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, key: str, value: str, *,
    label: str | None = None,
) -> CustomValueInfo:  # fmt: skip
    """Create or change the value of ``key``."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        name = _key(key)
        row = uow.session.scalar(select(CustomValue).where(CustomValue.key == name))
        if row is None:
            row = CustomValue(key=name, label=(label or name.replace("_", " ").title())[:200])
            uow.session.add(row)
        elif label is not None:
            row.label = label[:200]
        row.value = _value(value)
        row.updated_at = uow.clock.now()
        uow.flush()
        uow.commit()
        return CustomValueInfo.of(row)


def rename_custom_value(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, value_id: str, new_key: str
) -> CustomValueInfo:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        row = _load(uow, value_id)
        name = _key(new_key)
        if uow.session.scalar(
            select(CustomValue.id).where(CustomValue.key == name, CustomValue.id != row.id)
        ):
            raise Conflict("key", f"a custom value {name!r} already exists")
        row.key = name
        uow.flush()
        uow.commit()
        return CustomValueInfo.of(row)


def _load(uow: UnitOfWork, value_id: str) -> CustomValue:
    row = uow.session.scalar(select(CustomValue).where(CustomValue.id == value_id))
    if row is None:
        raise NotFound("custom value", value_id)
    return row


def delete_custom_value(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, value_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        uow.session.delete(_load(uow, value_id))
        uow.commit()


def merge_context(uow: UnitOfWork, contact: ContactInfo | None = None) -> dict[str, Any]:
    """The variables ``render_merge_fields`` can use, loaded inside a unit of work."""
    values = {r.key: r.value for r in uow.session.scalars(select(CustomValue))}
    sub = sub_account_of(uow)
    context: dict[str, Any] = {
        "custom_values": values,
        "sub_account": {"name": sub.name, "timezone": sub.timezone, "country": sub.country},
    }
    if contact is not None:
        fields = {name: getattr(contact, name) for name in contact.__dataclass_fields__}
        fields["full_name"] = contact.full_name
        fields["tags"] = ", ".join(t.name for t in contact.tags)
        context["contact"] = fields
    return context


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    current: Any = context
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def render_merge_fields(template: str, context: Mapping[str, Any]) -> str:
    """Replace every ``{{path}}`` / ``{{path | default}}`` in ``template`` (plain text: callers
    escape the result for HTML themselves)."""

    def replace(match: re.Match[str]) -> str:
        value = _lookup(context, match.group(1))
        if value is None or value == "" or isinstance(value, Mapping):
            return match.group(2) or ""
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
        return str(value)

    return MERGE_FIELD.sub(replace, template)


def render_for_contact(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, template: str,
    contact: ContactInfo | None = None,
) -> str:  # fmt: skip
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return render_merge_fields(template, merge_context(uow, contact))
