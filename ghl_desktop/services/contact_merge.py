"""Merging two contacts of a sub-account into one.

Outcome rules, exactly:

* the *winner* keeps its id; each field takes the winner's value, except fields named in
  ``take_from_loser`` (standard fields or ``custom_fields.<key>``), which take the loser's, and
  fields empty on the winner, which take the loser's value when it has one;
* tags become the union of both contacts' tags;
* every row that points at the loser - found from the schema, so tables added later are
  covered: notes, tasks, conversations, opportunities, appointments, form submissions,
  invoices, payments... - is re-pointed to the winner. Where that would break a uniqueness
  rule (the same campaign twice, two live threads on one channel), the winner's row stays:
  the loser's thread gives its messages to the winner's thread and is soft-deleted, other
  clashing loser rows are removed;
* the loser is soft-deleted (restorable, though its children now belong to the winner), the
  activity log gets a ``merged`` entry on the winner, and ``contacts.merged`` is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, exists, select, update

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.base import Base
from ghl_desktop.models.conversations import Conversation, Message
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_fields import EDITABLE_FIELDS
from ghl_desktop.services.contacts import ContactInfo, contact_info
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.crm_events import ContactsMerged
from ghl_desktop.services.custom_fields import is_empty
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

STANDARD = tuple(f for f in EDITABLE_FIELDS if f != "custom_fields")


@dataclass(frozen=True)
class MergePreview:
    winner: ContactInfo
    loser: ContactInfo
    differing: tuple[str, ...]  # fields whose values differ (custom as custom_fields.<key>)


def contact_references() -> list[tuple[Table, str]]:
    """(table, column) of every foreign key to contacts.id in the schema."""
    found = []
    contacts = cast(Table, Contact.__table__)
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is contacts and table is not contacts:
                found.append((table, fk.parent.name))
    return found


def _differing(winner: Contact, loser: Contact) -> list[str]:
    fields = [f for f in STANDARD if getattr(winner, f) != getattr(loser, f)]
    keys = set(winner.custom_fields or {}) | set(loser.custom_fields or {})
    fields += [
        f"custom_fields.{k}"
        for k in sorted(keys)
        if (winner.custom_fields or {}).get(k) != (loser.custom_fields or {}).get(k)
    ]
    return fields


def merge_preview(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, winner_id: str, loser_id: str
) -> MergePreview:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        winner, loser = _pair(uow, winner_id, loser_id)
        return MergePreview(
            contact_info(uow, winner), contact_info(uow, loser), tuple(_differing(winner, loser))
        )


def _pair(uow: UnitOfWork, winner_id: str, loser_id: str) -> tuple[Contact, Contact]:
    if winner_id == loser_id:
        raise ValidationError("loser_id", "a contact cannot be merged into itself")
    return load_contact(uow, winner_id), load_contact(uow, loser_id)


def _unique_sets(table: Table, column: str) -> list[list[str]]:
    """Column lists of the table's unique constraints and unique indexes that include
    ``column`` (the other columns decide whether moving a row would clash)."""
    sets: list[list[str]] = []
    for constraint in table.constraints:
        names = [c.name for c in getattr(constraint, "columns", [])]
        is_unique = constraint.__class__.__name__ in ("UniqueConstraint", "PrimaryKeyConstraint")
        if is_unique and column in names:
            sets.append(names)
    for index in table.indexes:
        names = [c.name for c in index.columns]
        if index.unique and column in names:
            sets.append(names)
    return sets


def _move_conversations(uow: UnitOfWork, winner: str, loser: str) -> None:
    """Two live threads on one channel cannot coexist: the loser's messages join the
    winner's thread and the loser's thread is soft-deleted."""
    conn = uow.session.connection()
    convs = cast(Table, Conversation.__table__)
    messages = cast(Table, Message.__table__)
    theirs = conn.execute(
        select(convs.c.id, convs.c.channel_id).where(
            convs.c.contact_id == loser, convs.c.deleted_at.is_(None),
            convs.c.sub_account_id == uow.sub_account_id,
        )
    ).all()  # fmt: skip
    for conv_id, channel_id in theirs:
        mine = conn.execute(
            select(convs.c.id).where(
                convs.c.contact_id == winner, convs.c.channel_id == channel_id,
                convs.c.deleted_at.is_(None),
            )
        ).scalar()  # fmt: skip
        if mine is None:
            continue
        conn.execute(
            update(messages)
            .where(messages.c.conversation_id == conv_id)
            .values(conversation_id=mine)
        )
        conn.execute(update(convs).where(convs.c.id == conv_id).values(deleted_at=uow.clock.now()))


def _repoint(uow: UnitOfWork, winner: str, loser: str) -> dict[str, int]:
    """Re-point every reference to the loser; returns moved row counts per table."""
    conn = uow.session.connection()
    _move_conversations(uow, winner, loser)
    moved: dict[str, int] = {}
    for table, column in contact_references():
        col = table.c[column]
        scope = [col == loser]
        if "sub_account_id" in table.c:
            scope.append(table.c.sub_account_id == uow.sub_account_id)
        # Threads were reconciled above (their uniqueness only covers live rows).
        unique_sets = [] if table.name == "conversations" else _unique_sets(table, column)
        for names in unique_sets:
            others = [n for n in names if n != column]
            if not others:
                continue
            # A loser row whose other key columns match a winner row would clash: drop it.
            twin = table.alias("twin")
            clash = exists().where(
                twin.c[column] == winner, *(twin.c[n] == table.c[n] for n in others)
            )
            conn.execute(delete(table).where(*scope, clash))
        result = conn.execute(update(table).where(*scope).values({column: winner}))
        if result.rowcount:
            moved[table.name] = result.rowcount
    return moved


def merge_contacts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, winner_id: str, loser_id: str,
    *, take_from_loser: Sequence[str] = (),
) -> ContactInfo:  # fmt: skip
    """Merge ``loser_id`` into ``winner_id`` (see the module docstring)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        uow.require("contacts.delete")
        winner, loser = _pair(uow, winner_id, loser_id)
        chosen = set(take_from_loser)
        for name in chosen:
            if name not in STANDARD and not name.startswith("custom_fields."):
                raise ValidationError("take_from_loser", f"{name!r} is not a contact field")
        values: dict[str, Any] = {}
        for name in STANDARD:
            mine, theirs = getattr(winner, name), getattr(loser, name)
            if name in chosen or (is_empty(mine) and not is_empty(theirs)):
                values[name] = theirs
        custom = dict(winner.custom_fields or {})
        for key, value in (loser.custom_fields or {}).items():
            if f"custom_fields.{key}" in chosen or is_empty(custom.get(key)):
                custom[key] = value
        for name in chosen:
            if name.startswith("custom_fields.") and name[14:] not in (loser.custom_fields or {}):
                custom.pop(name[14:], None)
        # The loser goes first, so its email and phone are free for the winner to take.
        loser.deleted_at = uow.clock.now()
        uow.flush()
        moved = _repoint(uow, winner.id, loser.id)
        for name, value in values.items():
            setattr(winner, name, value)
        if custom != (winner.custom_fields or {}):
            winner.custom_fields = custom
        winner.updated_at = uow.clock.now()
        uow.flush()
        uow.session.add(
            ActivityLog(
                id=new_id(), agency_id=uow.scope.agency_id, sub_account_id=sub_account_id,
                user_id=actor.user_id, entity_type="contacts", entity_id=winner.id,
                action="merged", ip_address=actor.ip_address, user_agent=actor.user_agent,
                changes={"loser_id": loser.id, "fields_from_loser": sorted(values),
                         "moved": moved},
                created_at=uow.clock.now(),
            )
        )  # fmt: skip
        uow.record(
            ContactsMerged(
                sub_account_id=sub_account_id, winner_id=winner.id, loser_id=loser.id,
                fields_from_loser=tuple(sorted(values)),
            )
        )  # fmt: skip
        uow.flush()
        info = contact_info(uow, winner)
        uow.commit()
        return info
