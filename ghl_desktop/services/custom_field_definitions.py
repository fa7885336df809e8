"""The contact custom-field definitions editor: create, edit, reorder, delete.

Definitions are validated by ``services.custom_fields`` on flush (key, options, default). The
rules this module adds, exactly:

* a key is unique per sub-account; without one it is derived from the label;
* changing the key of a field that holds values moves the values to the new key (in the same
  transaction); changing the type of a field that holds values is refused (Conflict), as is
  removing a select option some contact has chosen;
* deleting a definition leaves the stored values alone unless ``remove_values`` is set.

Every filterable field (not textarea or multiselect) gets an expression index on its value
(``ix_contacts_cf_<key>``: sub-account, value, created_at, id, archived_at over live
contacts), so smart lists filtering on it - ordered like the contacts list, and counted - read
an index range instead of the table. Keys are shared between sub-accounts, so one index per
key serves them all; it is dropped when no sub-account defines the key any more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.engine import Connection

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_fields import KEY_PATTERN
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import required_text

UNINDEXED = {CustomFieldType.TEXTAREA, CustomFieldType.MULTISELECT}


@dataclass(frozen=True)
class CustomFieldInfo:
    id: str
    key: str
    label: str
    field_type: CustomFieldType
    options: tuple[str, ...]
    is_required: bool
    default_value: Any
    placeholder: str
    position: int

    @classmethod
    def of(cls, row: ContactCustomField) -> CustomFieldInfo:
        return cls(
            row.id, row.key, row.label, CustomFieldType(row.field_type),
            tuple(row.options or ()), row.is_required, row.default_value, row.placeholder,
            row.position,
        )  # fmt: skip


def key_from_label(label: str) -> str:
    """``"Company Size (employees)"`` -> ``"company_size_employees"``."""
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"field_{key}".rstrip("_")
    return key[:64]


# -- value indexes --------------------------------------------------------------------------
def index_name(key: str) -> str:
    return f"ix_contacts_cf_{key}"


def value_expression(dialect: str, key: str) -> str:
    """The SQL the smart-list compiler uses for a field's value (the index must match it)."""
    if not KEY_PATTERN.match(key):
        raise ValidationError("key", f"not a field key: {key!r}")
    if dialect == "postgresql":
        return f"(custom_fields ->> '{key}')"
    return f"json_extract(custom_fields, '$.{key}')"


def value_index_sql(dialect: str, key: str) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS {index_name(key)} ON contacts"
        f" (sub_account_id, {value_expression(dialect, key)}, created_at, id, archived_at)"
        " WHERE deleted_at IS NULL"
    )


def ensure_value_index(connection: Connection, key: str) -> None:
    connection.execute(text(value_index_sql(connection.dialect.name, key)))


def drop_value_index_if_unused(uow: UnitOfWork, key: str) -> None:
    # Other sub-accounts' definitions are invisible to the tenant scope: ask without the ORM.
    table = ContactCustomField.__table__
    connection = uow.session.connection()
    still_used = connection.execute(
        select(func.count()).select_from(table).where(table.c.key == key)
    ).scalar()
    if not still_used:
        connection.execute(text(f"DROP INDEX IF EXISTS {index_name(key)}"))


def _sync_index(uow: UnitOfWork, row: ContactCustomField) -> None:
    if CustomFieldType(row.field_type) in UNINDEXED:
        drop_value_index_if_unused_by_indexed(uow, row.key)
    else:
        ensure_value_index(uow.session.connection(), row.key)


def drop_value_index_if_unused_by_indexed(uow: UnitOfWork, key: str) -> None:
    table = ContactCustomField.__table__
    kinds = [t.value for t in CustomFieldType if t not in UNINDEXED]
    connection = uow.session.connection()
    indexed = connection.execute(
        select(func.count())
        .select_from(table)
        .where(table.c.key == key, table.c.field_type.in_(kinds))
    ).scalar()
    if not indexed:
        connection.execute(text(f"DROP INDEX IF EXISTS {index_name(key)}"))


# -- values held ----------------------------------------------------------------------------
def _value_expr(uow: UnitOfWork, key: str) -> ColumnElement[Any]:
    return literal_column(value_expression(uow.session.get_bind().dialect.name, key))


def count_values(uow: UnitOfWork, key: str) -> int:
    """Contacts of the sub-account (deleted ones too) holding a value for ``key``."""
    stmt = (
        select(func.count())
        .select_from(Contact)
        .where(_value_expr(uow, key).is_not(None))
        .execution_options(include_deleted=True)
    )
    return int(uow.session.scalar(stmt) or 0)


def _rename_values(uow: UnitOfWork, old: str, new: str) -> None:
    params = {"sub": uow.sub_account_id}
    if uow.session.get_bind().dialect.name == "postgresql":
        sql = (
            "UPDATE contacts SET custom_fields = (custom_fields - :old)"
            " || jsonb_build_object(:new, custom_fields -> :old)"
            " WHERE sub_account_id = :sub AND custom_fields ? :old"
        )
    else:
        sql = (
            "UPDATE contacts SET custom_fields = json_set(json_remove(custom_fields, :old_path),"
            " :new_path, json_extract(custom_fields, :old_path))"
            " WHERE sub_account_id = :sub AND json_type(custom_fields, :old_path) IS NOT NULL"
        )
    uow.session.connection().execute(
        text(sql),
        {**params, "old": old, "new": new, "old_path": f"$.{old}", "new_path": f"$.{new}"},
    )


def _remove_values(uow: UnitOfWork, key: str) -> None:
    if uow.session.get_bind().dialect.name == "postgresql":
        sql = (
            "UPDATE contacts SET custom_fields = custom_fields - :key"
            " WHERE sub_account_id = :sub AND custom_fields ? :key"
        )
    else:
        sql = (
            "UPDATE contacts SET custom_fields = json_remove(custom_fields, :path)"
            " WHERE sub_account_id = :sub AND json_type(custom_fields, :path) IS NOT NULL"
        )
    uow.session.connection().execute(
        text(sql), {"sub": uow.sub_account_id, "key": key, "path": f"$.{key}"}
    )


def _option_in_use(uow: UnitOfWork, row: ContactCustomField, option: str) -> int:
    expr = _value_expr(uow, row.key)
    if CustomFieldType(row.field_type) is CustomFieldType.SELECT:
        stmt = select(func.count()).select_from(Contact).where(expr == option)
    else:  # multiselect: any element equal to the option
        if uow.session.get_bind().dialect.name == "postgresql":
            cond = text("(custom_fields -> :k) ? :opt").bindparams(k=row.key, opt=option)
        else:
            cond = text(
                "EXISTS (SELECT 1 FROM json_each(contacts.custom_fields, :p) WHERE value = :opt)"
            ).bindparams(p=f"$.{row.key}", opt=option)
        stmt = select(func.count()).select_from(Contact).where(cond)
    return int(uow.session.scalar(stmt.execution_options(include_deleted=True)) or 0)


# -- commands -------------------------------------------------------------------------------
def list_custom_fields(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[CustomFieldInfo]:
    """Definitions in form order (position, then label)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        rows = uow.session.scalars(
            select(ContactCustomField).order_by(
                ContactCustomField.position, ContactCustomField.label
            )
        )
        return [CustomFieldInfo.of(r) for r in rows]


def _load(uow: UnitOfWork, field_id: str) -> ContactCustomField:
    row = uow.session.scalar(select(ContactCustomField).where(ContactCustomField.id == field_id))
    if row is None:
        raise NotFound("custom field", field_id)
    return row


def _refuse_key_taken(uow: UnitOfWork, key: str, exclude_id: str | None = None) -> None:
    stmt = select(ContactCustomField.id).where(ContactCustomField.key == key)
    if exclude_id:
        stmt = stmt.where(ContactCustomField.id != exclude_id)
    if uow.session.scalar(stmt):
        raise Conflict("key", f"a custom field with key {key!r} already exists")


def _field_type(value: Any) -> CustomFieldType:
    try:
        return CustomFieldType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in CustomFieldType)
        raise ValidationError("field_type", f"{value!r} is not one of {allowed}") from None


def create_custom_field(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, label: str,
    field_type: CustomFieldType | str, key: str | None = None, options: Sequence[str] = (),
    is_required: bool = False, default_value: Any = None, placeholder: str = "",
    position: int | None = None,
) -> CustomFieldInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        title = required_text(label, "label", 200)
        chosen_key = (key or "").strip() or key_from_label(title)
        _refuse_key_taken(uow, chosen_key)
        if position is None:
            last = uow.session.scalar(select(func.max(ContactCustomField.position)))
            position = (last if last is not None else -1) + 1
        row = ContactCustomField(
            key=chosen_key, label=title, field_type=_field_type(field_type),
            options=[o.strip() for o in options], is_required=is_required,
            default_value=default_value, placeholder=placeholder or "", position=position,
        )  # fmt: skip
        uow.session.add(row)
        uow.flush()  # validates the definition
        _sync_index(uow, row)
        uow.commit()
        return CustomFieldInfo.of(row)


_UNSET: Any = object()


def update_custom_field(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, field_id: str, *,
    label: str | None = None, key: str | None = None,
    field_type: CustomFieldType | str | None = None, options: Sequence[str] | None = None,
    is_required: bool | None = None, default_value: Any = _UNSET,
    placeholder: str | None = None, position: int | None = None,
) -> CustomFieldInfo:  # fmt: skip
    """Change a definition; None (or, for ``default_value``, leaving it out) keeps a value."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        row = _load(uow, field_id)
        old_key = row.key
        if label is not None:
            row.label = required_text(label, "label", 200)
        if field_type is not None and _field_type(field_type) != row.field_type:
            held = count_values(uow, row.key)
            if held:
                raise Conflict("field_type", f"{held} contacts hold values of this field")
            row.field_type = _field_type(field_type)
        if options is not None:
            new_options = [o.strip() for o in options]
            for option in set(row.options or ()) - set(new_options):
                used = _option_in_use(uow, row, option)
                if used:
                    raise Conflict("options", f"{used} contacts chose {option!r}")
            row.options = new_options
        if is_required is not None:
            row.is_required = is_required
        if default_value is not _UNSET:
            row.default_value = default_value
        if placeholder is not None:
            row.placeholder = placeholder
        if position is not None:
            row.position = position
        if key is not None and key.strip() != old_key:
            new_key = key.strip()
            _refuse_key_taken(uow, new_key, exclude_id=row.id)
            row.key = new_key
            uow.flush()
            _rename_values(uow, old_key, new_key)
            drop_value_index_if_unused(uow, old_key)
        uow.flush()
        _sync_index(uow, row)
        uow.commit()
        return CustomFieldInfo.of(row)


def reorder_custom_fields(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, field_ids: Sequence[str]
) -> list[CustomFieldInfo]:
    """Put the given fields first, in that order; the others keep their order after them."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        rows = list(
            uow.session.scalars(
                select(ContactCustomField).order_by(
                    ContactCustomField.position, ContactCustomField.label
                )
            )
        )
        by_id = {r.id: r for r in rows}
        for fid in field_ids:
            if fid not in by_id:
                raise NotFound("custom field", fid)
        ordered = [by_id[f] for f in dict.fromkeys(field_ids)]
        ordered += [r for r in rows if r.id not in set(field_ids)]
        for i, r in enumerate(ordered):
            r.position = i
        uow.flush()
        uow.commit()
        return [CustomFieldInfo.of(r) for r in ordered]


def delete_custom_field(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, field_id: str, *,
    remove_values: bool = False,
) -> None:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        row = _load(uow, field_id)
        key = row.key
        uow.session.delete(row)
        uow.flush()
        if remove_values:
            _remove_values(uow, key)
        drop_value_index_if_unused(uow, key)
        uow.commit()
