"""The rows a batch of steps adds - the steps the runs reach next and the outbox messages the
steps queue - written together instead of one statement or ORM object each.

In the executor's batched pass (no savepoint per step) every completed step schedules the
next one, and most steps queue a message. Building an ORM object per new step row, or running
one INSERT per message, cost more than the step's own work; here the rows stay plain values
and go to the database in one statement per table when the session flushes (``after_flush``:
in the same transaction, after the ORM's own writes, so a run created in the batch exists
before its steps). A query that autoflushes sees them like pending ORM rows, and a rollback of
the batch drops them with the rest.

Exactly once: a message whose idempotency key is queued already is not written again by the
unique index; the batch then fails (``MessageAlreadyQueued``) and the executor reruns it one
step at a time through ``outbox.enqueue``, which returns the existing row to the step.

Only the batched pass uses this; any other caller (enrolment, signals, dry runs, the one-
savepoint-per-step pass) adds ORM objects and calls ``outbox.enqueue`` as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.base import NO_VALUE

from ghl_desktop.core.errors import TenantViolation
from ghl_desktop.models.workflows import WorkflowActionExecution, WorkflowExecution
from ghl_desktop.services.outbox.queue import enqueue_rows
from ghl_desktop.services.uow import UnitOfWork

KEY = "workflow_batch_writes"
_STEPS = cast(Table, WorkflowActionExecution.__table__)
_INSERT_STEPS = insert(_STEPS)


class RowsChanged(Exception):
    """A step or run of the batch was not where it was read (deleted meanwhile)."""


class MessageAlreadyQueued(Exception):
    """A buffered message's idempotency key was queued already: rerun without the buffer."""


class BatchWrites:
    """Pending new step rows (by execution) and outbox rows of one batch."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.sub_account_id = uow.sub_account_id
        self._steps: list[dict[str, Any]] = []
        self._steps_by_run: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._messages: list[dict[str, Any]] = []

    def add_step(self, values: dict[str, Any]) -> None:
        if values["sub_account_id"] != self.sub_account_id:
            raise TenantViolation("a step belongs to another sub-account than this batch")
        self._steps.append(values)
        self._steps_by_run[values["workflow_execution_id"]].append(values)

    def steps_of(self, execution_id: str) -> list[dict[str, Any]]:
        """Step rows not yet written for ``execution_id`` (written ones are in the database)."""
        return list(self._steps_by_run.get(execution_id, ()))

    def add_message(self, row: dict[str, Any]) -> str:
        """Queue an outbox row made by ``outbox.queue.message_row``; returns its id."""
        self._messages.append(row)
        return str(row["id"])

    def write(self) -> None:
        steps, self._steps = self._steps, []
        messages, self._messages = self._messages, []
        self._steps_by_run.clear()
        if steps:
            self.uow.session.connection().execute(_INSERT_STEPS, steps)
        if messages:
            queued = enqueue_rows(self.uow, messages)
            if len(queued) != len(messages):
                raise MessageAlreadyQueued(
                    f"{len(messages) - len(queued)} of the batch's messages were queued already"
                )

    def discard(self) -> None:
        self._steps.clear()
        self._steps_by_run.clear()
        self._messages.clear()


def _columns(model: type[Any]) -> dict[str, str]:
    """Attribute -> column name of what a step may change on the batch's steps and runs (not
    the key, the tenant or the creation time: a change to those is left to the ORM's checks)."""
    fixed = {"id", "sub_account_id", "created_at"}
    return {
        prop.key: prop.columns[0].name
        for prop in inspect(model).column_attrs
        if prop.key not in fixed
    }


_CHANGEABLE: dict[type[Any], dict[str, str]] = {
    WorkflowActionExecution: _columns(WorkflowActionExecution),
    WorkflowExecution: _columns(WorkflowExecution),
}


def write_changes(uow: UnitOfWork, objects: Iterable[Any]) -> None:
    """Write the changed attributes of the batch's steps and runs with one executemany per
    table and set of changed columns, and mark them stored - the ORM's flush (a history
    comparison and an UPDATE parameter set built per object) cost more than the step's own
    work. An object whose changes include anything else is left to the ORM."""
    session = uow.session
    groups: defaultdict[tuple[type[Any], frozenset[str]], list[dict[str, Any]]] = defaultdict(list)
    written = []
    for obj in objects:
        columns = _CHANGEABLE.get(type(obj))
        state = instance_state(obj)
        if columns is None or state.session_id != session.hash_key or not state.persistent:
            continue
        if not state.committed_state or not state.committed_state.keys() <= columns.keys():
            continue
        # Only what really changed, as the ORM's flush does: ``schedule_step`` assigns
        # status = running to a run that is running already, and writing it anyway would undo
        # a pause or cancel another transaction committed meanwhile (PostgreSQL reads the
        # run without a lock).
        changed = frozenset(
            key
            for key, before in state.committed_state.items()
            if before is NO_VALUE or before != state.dict.get(key)
        )
        written.append(state)
        if not changed:
            continue
        values = {columns[key]: state.dict[key] for key in changed}
        values["_id"] = obj.id
        groups[(type(obj), changed)].append(values)
    connection = session.connection()
    for (model, changed), rows in groups.items():
        table = cast(Table, model.__table__)
        names = [_CHANGEABLE[model][key] for key in changed]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.sub_account_id == uow.sub_account_id)
            .values({name: bindparam(name) for name in names})
        )
        if connection.execute(stmt, rows).rowcount != len(rows):
            # What the ORM's flush would raise as stale data; the batch is rerun one step at
            # a time.
            raise RowsChanged(f"{model.__tablename__}: a row of the batch is gone")
    identity_map = session.identity_map
    for state in written:
        # What a flush does after its UPDATE: the values are the stored ones now, and the
        # object is no longer among the session's modified ones.
        state._commit_all(state.dict, identity_map)


def writes_of(session: Session) -> BatchWrites | None:
    found = session.info.get(KEY)
    return found if isinstance(found, BatchWrites) else None


@contextmanager
def batch_writes(uow: UnitOfWork) -> Iterator[BatchWrites]:
    """Inside the block, ``steps.schedule_step`` and the send executors buffer their rows;
    each flush of the session writes them. Leaving the block drops what was not written (the
    caller flushes and calls ``write`` before it commits)."""
    writes = BatchWrites(uow)
    session = uow.session

    def write(_flushed: Session, _ctx: Any) -> None:
        writes.write()

    session.info[KEY] = writes
    event.listen(session, "after_flush", write)
    try:
        yield writes
    finally:
        event.remove(session, "after_flush", write)
        session.info.pop(KEY, None)
        writes.discard()
