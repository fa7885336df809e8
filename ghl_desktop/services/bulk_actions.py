"""Bulk actions over a selection or a whole smart list, logged per contact so they can be undone.

``run_bulk_action`` snapshots the matching contact ids when it starts (every match, not the
visible page), then works through them in chunks, one transaction per chunk: each chunk
changes its contacts, writes a ``bulk_action_items`` row for every contact it actually changed
(with the previous value where there is one), records the domain events, and commits. Between
chunks it reports progress and honours ``cancel()``: a cancelled action keeps the chunks done
so far (status ``cancelled``) and they can be undone like a completed one.

``undo_bulk_action`` reverts exactly the logged changes, and only where the contact still
shows the value the action set (a contact reassigned since is left alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, delete, insert, select, update

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.models.crm_lists import (
    BulkAction,
    BulkActionItem,
    BulkActionKind,
    BulkActionStatus,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_fields import lifecycle_stage
from ghl_desktop.services.contact_query import ContactSelection, execute, selection_conditions
from ghl_desktop.services.crm_common import check_assignee, chunked
from ghl_desktop.services.crm_events import (
    BulkActionFinished,
    BulkActionUndone,
    ContactDeleted,
    ContactRestored,
    ContactUpdated,
    TagAdded,
    TagRemoved,
)
from ghl_desktop.services.smart_lists.filters import parse_filter
from ghl_desktop.services.tags import resolve_tags
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

CHUNK = 1_000
CONTACTS = cast(Table, Contact.__table__)
LINKS = cast(Table, ContactTag.__table__)
ITEMS = cast(Table, BulkActionItem.__table__)
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

PERMISSION = {
    BulkActionKind.ADD_TAG: "contacts.write",
    BulkActionKind.REMOVE_TAG: "contacts.write",
    BulkActionKind.ASSIGN_USER: "contacts.write",
    BulkActionKind.SET_LIFECYCLE_STAGE: "contacts.write",
    BulkActionKind.DELETE: "contacts.delete",
    BulkActionKind.RESTORE: "contacts.delete",
    BulkActionKind.EXPORT: "contacts.export",
}


@dataclass(frozen=True)
class BulkSelection:
    """Explicit ids, or every contact matching a smart list / filter / search. Restoring
    works on explicit ids of deleted contacts."""

    contact_ids: tuple[str, ...] | None = None
    smart_list_id: str | None = None
    filter: Any = None
    search: str | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class BulkActionInfo:
    id: str
    kind: BulkActionKind
    status: BulkActionStatus
    description: str
    params: dict[str, Any]
    total: int
    processed: int
    changed: int
    user_id: str | None
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None
    error: str | None

    @property
    def can_undo(self) -> bool:
        return self.kind is not BulkActionKind.EXPORT and self.status in (
            BulkActionStatus.COMPLETED, BulkActionStatus.CANCELLED,
        )  # fmt: skip

    @classmethod
    def of(cls, row: BulkAction) -> BulkActionInfo:
        return cls(
            row.id, BulkActionKind(row.kind), BulkActionStatus(row.status), row.description,
            dict(row.params or {}), row.total, row.processed, row.changed, row.user_id,
            row.created_at, row.finished_at, row.undone_at, row.error,
        )  # fmt: skip


# -- selection ------------------------------------------------------------------------------
def _selected_ids(uow: UnitOfWork, kind: BulkActionKind, selection: BulkSelection) -> list[str]:
    from ghl_desktop.services.smart_lists.service import load_visible

    if kind is BulkActionKind.RESTORE:
        if selection.contact_ids is None:
            raise ValidationError("selection", "restoring needs the ids of deleted contacts")
        found: list[str] = []
        for batch in chunked(list(dict.fromkeys(selection.contact_ids)), CHUNK):
            found.extend(
                uow.session.scalars(
                    select(Contact.id)
                    .where(Contact.id.in_(batch), Contact.deleted_at.is_not(None))
                    .execution_options(include_deleted=True)
                )
            )
        return found
    filter_doc = selection.filter
    if selection.smart_list_id is not None:
        filter_doc = load_visible(uow, selection.smart_list_id).filter
    conditions = selection_conditions(
        uow,
        ContactSelection(parse_filter(filter_doc), selection.search, selection.include_archived),
    )
    stmt = select(Contact.id).where(*conditions).order_by(Contact.created_at, Contact.id)
    if selection.contact_ids is None:
        return list(execute(uow, stmt).scalars())
    wanted = list(dict.fromkeys(selection.contact_ids))
    found = []
    for batch in chunked(wanted, CHUNK):
        found.extend(execute(uow, stmt.where(Contact.id.in_(batch))).scalars())
    return found


# -- applying one chunk ---------------------------------------------------------------------
def _record_items(uow: UnitOfWork, action_id: str, items: list[tuple[str, str | None]]) -> None:
    if items:
        uow.session.connection().execute(
            insert(ITEMS),
            [{"bulk_action_id": action_id, "contact_id": cid, "previous_value": prev,
              "sub_account_id": uow.sub_account_id, "created_at": uow.clock.now()}
             for cid, prev in items],
        )  # fmt: skip


def _mine(ids: list[str], uow: UnitOfWork) -> Any:
    return and_(CONTACTS.c.id.in_(ids), CONTACTS.c.sub_account_id == uow.sub_account_id)


def _tag_links(uow: UnitOfWork, tag: Tag, ids: list[str], add: bool) -> list[str]:
    conn = uow.session.connection()
    have = set(
        conn.execute(
            select(LINKS.c.contact_id).where(LINKS.c.tag_id == tag.id, LINKS.c.contact_id.in_(ids))
        ).scalars()
    )
    sub = uow.sub_account_id
    if add:
        changed = [c for c in ids if c not in have]
        if changed:
            now = uow.clock.now()
            conn.execute(insert(LINKS), [{"contact_id": c, "tag_id": tag.id, "sub_account_id": sub,
                                          "created_at": now} for c in changed])  # fmt: skip
            uow.record(*(TagAdded(sub_account_id=sub, contact_id=c, tag_id=tag.id,
                                  tag_name=tag.name) for c in changed))  # fmt: skip
        return changed
    changed = [c for c in ids if c in have]
    if changed:
        conn.execute(delete(LINKS).where(LINKS.c.tag_id == tag.id, LINKS.c.contact_id.in_(changed)))
        uow.record(*(TagRemoved(sub_account_id=sub, contact_id=c, tag_id=tag.id,
                                tag_name=tag.name) for c in changed))  # fmt: skip
    return changed


def _set_column(
    uow: UnitOfWork,
    ids: list[str],
    column: str,
    value: Any,
    *,
    only_if: dict[str, Any] | None = None,
) -> list[tuple[str, str | None]]:
    """Set ``column`` on live contacts whose value differs; returns (id, previous) pairs."""
    conn = uow.session.connection()
    rows = conn.execute(
        select(CONTACTS.c.id, CONTACTS.c[column]).where(
            _mine(ids, uow), CONTACTS.c.deleted_at.is_(None)
        )
    ).all()
    changed = [(r[0], r[1]) for r in rows if r[1] != value]
    if only_if is not None:
        changed = [(cid, prev) for cid, prev in changed if only_if.get(cid, prev) == prev]
    if changed:
        conn.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id.in_([c for c, _ in changed]))
            .values({column: value, "updated_at": uow.clock.now()})
        )
        uow.record(*(ContactUpdated(sub_account_id=uow.sub_account_id, contact_id=c,
                                    changed_fields=(column,)) for c, _ in changed))  # fmt: skip
    return [(c, None if p is None else str(p)) for c, p in changed]


def _set_deleted(uow: UnitOfWork, ids: list[str], deleted: bool) -> list[str]:
    conn = uow.session.connection()
    state = CONTACTS.c.deleted_at.is_(None) if deleted else CONTACTS.c.deleted_at.is_not(None)
    changed = list(conn.execute(select(CONTACTS.c.id).where(_mine(ids, uow), state)).scalars())
    if changed:
        now = uow.clock.now()
        conn.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id.in_(changed))
            .values(deleted_at=now if deleted else None, updated_at=now)
        )
        event = ContactDeleted if deleted else ContactRestored
        uow.record(*(event(sub_account_id=uow.sub_account_id, contact_id=c) for c in changed))
    return changed


def _apply(uow: UnitOfWork, action: BulkAction, ids: list[str]) -> list[tuple[str, str | None]]:
    kind, params = BulkActionKind(action.kind), action.params
    if kind in (BulkActionKind.ADD_TAG, BulkActionKind.REMOVE_TAG):
        tag = uow.session.scalar(select(Tag).where(Tag.id == params["tag_id"]))
        if tag is None:
            raise NotFound("tag", params["tag_id"])
        changed = _tag_links(uow, tag, ids, add=kind is BulkActionKind.ADD_TAG)
        return [(c, None) for c in changed]
    if kind is BulkActionKind.ASSIGN_USER:
        return _set_column(uow, ids, "assigned_user_id", params.get("user_id"))
    if kind is BulkActionKind.SET_LIFECYCLE_STAGE:
        return _set_column(uow, ids, "lifecycle_stage", params["lifecycle_stage"])
    if kind in (BulkActionKind.DELETE, BulkActionKind.RESTORE):
        return [(c, None) for c in _set_deleted(uow, ids, kind is BulkActionKind.DELETE)]
    return []


# -- commands -------------------------------------------------------------------------------
def _params(
    uow: UnitOfWork, kind: BulkActionKind, tag: str | None, user_id: str | None,
    stage: str | None, out_path: Path | None,
) -> tuple[dict[str, Any], str]:  # fmt: skip
    if kind in (BulkActionKind.ADD_TAG, BulkActionKind.REMOVE_TAG):
        if not tag:
            raise ValidationError("tag", "is required")
        (found,) = resolve_tags(uow, [tag], create_missing=kind is BulkActionKind.ADD_TAG)
        verb = "Add tag" if kind is BulkActionKind.ADD_TAG else "Remove tag"
        return {"tag_id": found.id, "tag_name": found.name}, f"{verb} {found.name}"
    if kind is BulkActionKind.ASSIGN_USER:
        check_assignee(uow, user_id, "user_id")
        return {"user_id": user_id}, "Assign to user" if user_id else "Unassign"
    if kind is BulkActionKind.SET_LIFECYCLE_STAGE:
        chosen = lifecycle_stage(stage)
        return {"lifecycle_stage": chosen.value}, f"Set stage to {chosen.value}"
    if kind is BulkActionKind.EXPORT:
        if out_path is None:
            raise ValidationError("out_path", "is required to export")
        return {"path": str(out_path)}, f"Export to {out_path.name}"
    return {}, "Delete contacts" if kind is BulkActionKind.DELETE else "Restore contacts"


def run_bulk_action(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, kind: BulkActionKind | str,
    selection: BulkSelection, *, tag: str | None = None, user_id: str | None = None,
    lifecycle_stage: str | None = None, out_path: Path | None = None,
    columns: Sequence[str] = (), progress: Progress | None = None,
    cancel: Cancel | None = None, chunk_size: int = CHUNK,
) -> BulkActionInfo:  # fmt: skip
    """Run one bulk action (see the module docstring). Returns the logged action."""
    kind = BulkActionKind(kind)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require(PERMISSION[kind])
        params, description = _params(uow, kind, tag, user_id, lifecycle_stage, out_path)
        ids = _selected_ids(uow, kind, selection)
        action = BulkAction(
            kind=kind, user_id=actor.user_id, params=params, description=description,
            selection={"contact_ids": len(selection.contact_ids or ()),
                       "smart_list_id": selection.smart_list_id, "filter": selection.filter,
                       "search": selection.search},
            total=len(ids), created_at=uow.clock.now(),
        )  # fmt: skip
        uow.session.add(action)
        uow.flush()
        action_id = action.id
        uow.commit()
    if kind is BulkActionKind.EXPORT:
        return _finish_export(uows, actor, sub_account_id, action_id, ids, out_path, columns,
                              progress, cancel)  # fmt: skip
    status, error = BulkActionStatus.COMPLETED, None
    processed = 0
    try:
        for batch in chunked(ids, chunk_size):
            if cancel is not None and cancel():
                status = BulkActionStatus.CANCELLED
                break
            with uows.tenant(actor, sub_account_id) as uow:
                action = _load(uow, action_id)
                changed = _apply(uow, action, batch)
                _record_items(uow, action_id, changed)
                processed += len(batch)
                action.processed = processed
                action.changed += len(changed)
                uow.commit()
            if progress is not None:
                progress(processed, len(ids))
    except Exception as exc:
        status, error = BulkActionStatus.FAILED, f"{type(exc).__name__}: {exc}"
        _close(uows, actor, sub_account_id, action_id, status, error)
        raise
    return _close(uows, actor, sub_account_id, action_id, status, error)


def _finish_export(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, action_id: str, ids: list[str],
    out_path: Path | None, columns: Sequence[str], progress: Progress | None,
    cancel: Cancel | None,
) -> BulkActionInfo:  # fmt: skip
    from ghl_desktop.services.contact_export import export_to_file

    assert out_path is not None
    try:
        result = export_to_file(uows, actor, sub_account_id, out_path, contact_ids=ids,
                                columns=columns, progress=progress, cancel=cancel)  # fmt: skip
    except Exception as exc:
        _close(uows, actor, sub_account_id, action_id, BulkActionStatus.FAILED, str(exc))
        raise
    done = BulkActionStatus.COMPLETED if result.rows == len(ids) else BulkActionStatus.CANCELLED
    with uows.tenant(actor, sub_account_id) as uow:
        _load(uow, action_id).processed = result.rows
        uow.commit()
    return _close(uows, actor, sub_account_id, action_id, done, None)


def _load(uow: UnitOfWork, action_id: str) -> BulkAction:
    action = uow.session.scalar(select(BulkAction).where(BulkAction.id == action_id))
    if action is None:
        raise NotFound("bulk action", action_id)
    return action


def _close(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, action_id: str,
    status: BulkActionStatus, error: str | None,
) -> BulkActionInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        action = _load(uow, action_id)
        action.status = status
        action.error = error
        action.finished_at = uow.clock.now()
        uow.record(BulkActionFinished(sub_account_id=sub_account_id, bulk_action_id=action.id,
                                      kind=action.kind.value, status=status.value,
                                      changed=action.changed))  # fmt: skip
        uow.flush()
        uow.commit()
        return BulkActionInfo.of(action)


def list_bulk_actions(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, limit: int = 50
) -> list[BulkActionInfo]:
    """The log, newest first."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        rows = uow.session.scalars(
            select(BulkAction).order_by(BulkAction.created_at.desc(), BulkAction.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [BulkActionInfo.of(r) for r in rows]


def get_bulk_action(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, action_id: str
) -> BulkActionInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        return BulkActionInfo.of(_load(uow, action_id))


def _revert(uow: UnitOfWork, action: BulkAction, items: list[tuple[str, str | None]]) -> int:
    kind, params = BulkActionKind(action.kind), action.params
    ids = [c for c, _ in items]
    if kind in (BulkActionKind.ADD_TAG, BulkActionKind.REMOVE_TAG):
        tag = uow.session.scalar(select(Tag).where(Tag.id == params["tag_id"]))
        if tag is None:
            return 0  # the tag was deleted since: nothing left to put back or take off
        return len(_tag_links(uow, tag, ids, add=kind is BulkActionKind.REMOVE_TAG))
    if kind in (BulkActionKind.ASSIGN_USER, BulkActionKind.SET_LIFECYCLE_STAGE):
        column = "assigned_user_id" if kind is BulkActionKind.ASSIGN_USER else "lifecycle_stage"
        applied = params.get("user_id") if column == "assigned_user_id" else params[column]
        reverted = 0
        by_previous: dict[str | None, list[str]] = {}
        for cid, prev in items:
            by_previous.setdefault(prev, []).append(cid)
        for prev, group in by_previous.items():
            still = dict.fromkeys(group, applied)
            reverted += len(_set_column(uow, group, column, prev, only_if=still))
        return reverted
    if kind is BulkActionKind.DELETE:
        return len(_set_deleted(uow, ids, deleted=False))
    if kind is BulkActionKind.RESTORE:
        return len(_set_deleted(uow, ids, deleted=True))
    raise ValidationError("bulk_action", "an export cannot be undone")


def undo_bulk_action(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, action_id: str, *,
    progress: Progress | None = None,
) -> BulkActionInfo:  # fmt: skip
    """Revert what the action changed (see the module docstring); the action becomes
    ``undone``. One transaction: an undo applies completely or not at all."""
    with uows.tenant(actor, sub_account_id) as uow:
        action = _load(uow, action_id)
        uow.require(PERMISSION[BulkActionKind(action.kind)])
        if not BulkActionInfo.of(action).can_undo:
            raise ValidationError(
                "bulk_action", f"a {action.kind.value} action that is {action.status.value}"
                " cannot be undone",
            )  # fmt: skip
        items = [
            (r.contact_id, r.previous_value)
            for r in uow.session.connection().execute(
                select(ITEMS.c.contact_id, ITEMS.c.previous_value).where(
                    ITEMS.c.bulk_action_id == action.id
                )
            )
        ]
        reverted = 0
        for done, batch in enumerate(chunked(items, CHUNK), start=1):
            reverted += _revert(uow, action, batch)
            if progress is not None:
                progress(min(done * CHUNK, len(items)), len(items))
        action.status = BulkActionStatus.UNDONE
        action.undone_at = uow.clock.now()
        uow.record(BulkActionUndone(sub_account_id=sub_account_id, bulk_action_id=action.id,
                                    reverted=reverted))  # fmt: skip
        uow.flush()
        uow.commit()
        return BulkActionInfo.of(action)
