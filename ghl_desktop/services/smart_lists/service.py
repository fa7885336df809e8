"""Saved smart lists: create, rename, edit, share, duplicate, reorder, delete, count.

Visibility: a shared list is seen by everyone who can read the sub-account's contacts; a
private list only by its owner (to anyone else it does not exist: NotFound). Changing a list
takes its owner, or ``contacts.write`` for a shared one. Filters are validated against the
sub-account (fields, operators, custom fields, tags) before they are stored; tag names are
stored as tag ids so renaming a tag keeps the list working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from ghl_desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.crm_lists import SmartList
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_listing import LIST_COLUMNS
from ghl_desktop.services.contact_query import ContactSelection, count_in
from ghl_desktop.services.smart_lists.compiler import compile_filter, load_context
from ghl_desktop.services.smart_lists.filters import Condition, Group, parse_filter
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.validation import required_text

COLUMN_KEYS = {key for key, _label, _sort in LIST_COLUMNS}


@dataclass(frozen=True)
class SmartListInfo:
    id: str
    name: str
    filter: dict[str, Any]
    owner_user_id: str | None
    is_shared: bool
    columns: tuple[str, ...]
    position: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: SmartList) -> SmartListInfo:
        return cls(
            row.id, row.name, dict(row.filter or {}), row.owner_user_id, row.is_shared,
            tuple(row.columns or ()), row.position, row.created_at, row.updated_at,
        )  # fmt: skip


def _visible(actor: Actor) -> Any:
    if actor.is_system:
        return SmartList.id.is_not(None)
    return or_(SmartList.is_shared, SmartList.owner_user_id == actor.user_id)


def load_visible(uow: UnitOfWork, list_id: str) -> SmartList:
    """A list the unit of work's actor can see, or NotFound."""
    row = uow.session.scalar(select(SmartList).where(SmartList.id == list_id, _visible(uow.actor)))
    if row is None:
        raise NotFound("smart list", list_id)
    return row


def _may_change(uow: UnitOfWork, row: SmartList) -> None:
    if uow.actor.is_system or row.owner_user_id == uow.actor.user_id:
        return
    uow.require("contacts.write")  # a shared list of someone else


def normalise_filter(uow: UnitOfWork, data: Any) -> Group:
    """Parse and validate a filter; tag names become tag ids."""
    group = parse_filter(data)
    ctx = load_context(uow, group)
    compile_filter(group, ctx)

    def fix(item: Condition | Group) -> Condition | Group:
        if isinstance(item, Group):
            return Group(item.op, tuple(fix(i) for i in item.conditions))
        if item.field != "tags":
            return item
        ids = []
        for ref in item.value or ():
            tag_id = ctx.tag_ids.get(str(ref)) or ctx.tag_ids.get(str(ref).strip().lower())
            if tag_id is None:
                raise ValidationError("filter.tags", f"no tag named {ref!r}")
            ids.append(tag_id)
        return Condition(item.field, item.operator, tuple(dict.fromkeys(ids)))

    result = fix(group)
    assert isinstance(result, Group)
    return result


def _columns(columns: Sequence[str]) -> list[str]:
    chosen = []
    for key in columns:
        if key not in COLUMN_KEYS and not key.startswith("custom_fields."):
            raise ValidationError("columns", f"unknown column {key!r}")
        if key not in chosen:
            chosen.append(key)
    return chosen


def _refuse_name_taken(uow: UnitOfWork, name: str, exclude_id: str | None = None) -> None:
    stmt = select(SmartList.id).where(
        func.lower(SmartList.name) == name.lower(), _visible(uow.actor)
    )
    if exclude_id:
        stmt = stmt.where(SmartList.id != exclude_id)
    if uow.session.scalar(stmt):
        raise Conflict("name", f"a smart list named {name!r} already exists")


def list_smart_lists(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[SmartListInfo]:
    """The lists the actor can see, in tab order."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        rows = uow.session.scalars(
            select(SmartList)
            .where(_visible(actor))
            .order_by(SmartList.position, SmartList.created_at)
        )
        return [SmartListInfo.of(r) for r in rows]


def get_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str
) -> SmartListInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return SmartListInfo.of(load_visible(uow, list_id))


def create_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, name: str, filter: Any, *,
    is_shared: bool = False, columns: Sequence[str] = (),
) -> SmartListInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write" if is_shared else "contacts.read")
        title = required_text(name, "name", 100)
        _refuse_name_taken(uow, title)
        group = normalise_filter(uow, filter)
        last = uow.session.scalar(select(func.max(SmartList.position)).where(_visible(actor)))
        row = SmartList(
            name=title, filter=group.to_json(), owner_user_id=actor.user_id,
            is_shared=is_shared, columns=_columns(columns), position=(last or 0) + 1,
        )  # fmt: skip
        uow.session.add(row)
        uow.flush()
        uow.commit()
        return SmartListInfo.of(row)


def update_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str, *,
    name: str | None = None, filter: Any = None, is_shared: bool | None = None,
    columns: Sequence[str] | None = None, position: int | None = None,
) -> SmartListInfo:  # fmt: skip
    """Rename, change the filter, share/unshare, choose columns or move; None keeps a value."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.read")
        row = load_visible(uow, list_id)
        _may_change(uow, row)
        if name is not None:
            title = required_text(name, "name", 100)
            _refuse_name_taken(uow, title, exclude_id=row.id)
            row.name = title
        if filter is not None:
            row.filter = normalise_filter(uow, filter).to_json()
        if is_shared is not None and is_shared != row.is_shared:
            if row.owner_user_id != actor.user_id and not actor.is_system:
                raise PermissionDenied("smart list owner")
            if is_shared:
                uow.require("contacts.write")
            row.is_shared = is_shared
        if columns is not None:
            row.columns = _columns(columns)
        if position is not None:
            row.position = position
        uow.flush()
        uow.commit()
        return SmartListInfo.of(row)


def rename_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str, name: str
) -> SmartListInfo:
    return update_smart_list(uows, actor, sub_account_id, list_id, name=name)


def duplicate_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str,
    name: str | None = None,
) -> SmartListInfo:  # fmt: skip
    """A private copy for the actor ("<name> (copy)" unless a name is given)."""
    source = get_smart_list(uows, actor, sub_account_id, list_id)
    title = name or f"{source.name} (copy)"
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        base, n = title, 2
        while uow.session.scalar(
            select(SmartList.id).where(func.lower(SmartList.name) == title.lower(), _visible(actor))
        ):
            if name:
                break  # an explicit name that is taken fails in create with Conflict
            title, n = f"{base} {n}", n + 1
    return create_smart_list(
        uows, actor, sub_account_id, title[:100], source.filter, columns=source.columns
    )


def delete_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str
) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.read")
        row = load_visible(uow, list_id)
        _may_change(uow, row)
        uow.session.delete(row)
        uow.commit()


def count_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, list_id: str
) -> int:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        row = load_visible(uow, list_id)
        return count_in(uow, ContactSelection(parse_filter(row.filter)))


def smart_list_counts(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> dict[str, int]:
    """How many contacts each visible list holds (for the tab captions)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        rows = uow.session.scalars(select(SmartList).where(_visible(actor))).all()
        return {r.id: count_in(uow, ContactSelection(parse_filter(r.filter))) for r in rows}


def count_filter(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, filter: Any) -> int:
    """How many live contacts a filter (not saved) matches; validates it like saving would."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return count_in(uow, ContactSelection(normalise_filter(uow, filter)))
