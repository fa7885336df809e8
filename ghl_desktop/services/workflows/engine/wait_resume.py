"""Ending due waits in bulk: the path that lets 100,000 parked runs resume within seconds.

A wait step has no effect of its own: when it is due it completes and the next step is
scheduled. Doing that one ORM step at a time costs milliseconds per run; here a batch of
claimed wait steps is ended with three set-wise statements (complete the waits, insert the
next steps, move the executions) in one transaction - the same rows and the same rules as
``steps.run_step`` + ``steps.advance`` (``new_step`` builds the next row for both).

Claims are re-asserted in the UPDATE itself (status running and ``started_at`` = the claim's
instant), so a wait taken over by another process after a lease expiry is ended once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, insert, select, update

from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.models.workflows import ActionExecutionStatus as StepStatus
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.steps import FINISHED, new_step

Step = cast(Table, WorkflowActionExecution.__table__)
Run = cast(Table, WorkflowExecution.__table__)


def _ended_by(result: dict[str, Any]) -> str:
    if result.get("resumed_by"):
        return "event"
    return "timeout" if (result.get("wait") or {}).get("mode") == "until_event" else "time"


def resume_waits(
    uows: UnitOfWorkFactory, step_ids: Sequence[str], claimed_at: datetime
) -> dict[str, int]:
    """End the claimed wait steps ``step_ids``; returns counts by outcome."""
    counts = {"completed": 0, "parked": 0, "cancelled": 0, "lost": 0}
    with uows.system() as uow:
        rows = _load(uow, step_ids, claimed_at)
        counts["lost"] = len(step_ids) - len(rows)
        zones = _zones(uow, {r.sub_account_id for r in rows})
        now = uow.clock.now()
        done: list[dict[str, Any]] = []
        parked: list[dict[str, Any]] = []
        cancelled: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        moved: list[dict[str, Any]] = []
        for r in rows:
            result = dict(r.result or {})
            if r.run_status in FINISHED:
                cancelled.append({"b_id": r.id, "b_result": {**result, "cancelled": "finished"}})
                continue
            if r.run_status == ExecutionStatus.PAUSED:
                due = (r.scheduled_for or now).isoformat()
                parked.append({"b_id": r.id, "b_result": {**result, "paused_due": due}})
                continue
            result.update(ended_by=_ended_by(result), waited_until=now.isoformat())
            done.append({"b_id": r.id, "b_result": result})
            definition = definition_of(uow, r.workflow_id, r.workflow_version)
            following = definition.next_step(r.workflow_action_id, None)
            base = r.scheduled_for or now
            if following is None:
                moved.append(_run_values(r.run_id, None, ExecutionStatus.COMPLETED, now, now))
                continue
            made = new_step(
                r.sub_account_id, r.run_id, following, base, now, zones.get(r.sub_account_id)
            )
            new_rows.append(made.values)
            status = (
                ExecutionStatus.FAILED
                if made.error
                else ExecutionStatus.WAITING
                if made.waits
                else ExecutionStatus.RUNNING
            )
            finished = now if made.error else None
            moved.append(_run_values(r.run_id, following.id, status, now, finished, made.error))
        _write(uow, now, done, parked, cancelled, new_rows, moved)
        uow.commit()
    counts.update(completed=len(done), parked=len(parked), cancelled=len(cancelled))
    return counts


def _run_values(
    run_id: str, action_id: str | None, status: ExecutionStatus, now: datetime,
    finished_at: datetime | None, error: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {"b_id": run_id, "b_action": action_id, "b_status": status, "b_now": now,
            "b_finished": finished_at, "b_error": error}  # fmt: skip


def _load(uow: UnitOfWork, step_ids: Sequence[str], claimed_at: datetime) -> list[Any]:
    stmt = (
        select(
            Step.c.id, Step.c.sub_account_id, Step.c.workflow_action_id, Step.c.scheduled_for,
            Step.c.result, Run.c.id.label("run_id"), Run.c.workflow_id, Run.c.workflow_version,
            Run.c.status.label("run_status"),
        )
        .join(Run, Run.c.id == Step.c.workflow_execution_id)
        .where(
            Step.c.id.in_(list(step_ids)), Step.c.status == StepStatus.RUNNING,
            Step.c.started_at == claimed_at,
        )
    )  # fmt: skip
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Step)
    return list(uow.session.connection().execute(stmt))


def _zones(uow: UnitOfWork, sub_account_ids: set[str]) -> dict[str, str]:
    rows = uow.session.execute(
        select(SubAccount.id, SubAccount.timezone).where(SubAccount.id.in_(sub_account_ids))
    )
    return {str(sid): str(tz) for sid, tz in rows}


def _write(
    uow: UnitOfWork, now: datetime, done: list[dict[str, Any]], parked: list[dict[str, Any]],
    cancelled: list[dict[str, Any]], new_rows: list[dict[str, Any]],
    moved: list[dict[str, Any]],
) -> None:  # fmt: skip
    conn = uow.session.connection()

    def run(stmt: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            executemany(conn, stmt, rows)

    by_id = Step.c.id == bindparam("b_id")
    run(
        update(Step)
        .where(by_id)
        .values(
            status=StepStatus.COMPLETED,
            completed_at=now,
            updated_at=now,
            result=bindparam("b_result"),
        ),
        done,
    )
    run(
        update(Step)
        .where(by_id)
        .values(
            status=StepStatus.PENDING,
            scheduled_for=None,
            updated_at=now,
            result=bindparam("b_result"),
        ),
        parked,
    )
    run(
        update(Step)
        .where(by_id)
        .values(
            status=StepStatus.CANCELLED,
            completed_at=now,
            updated_at=now,
            result=bindparam("b_result"),
        ),
        cancelled,
    )
    run(insert(Step), new_rows)
    run(update(Run).where(Run.c.id == bindparam("b_id"))
        .values(current_action_id=bindparam("b_action"), status=bindparam("b_status"),
                updated_at=bindparam("b_now"), finished_at=bindparam("b_finished"),
                error=bindparam("b_error")), moved)  # fmt: skip


def executemany(conn: Any, stmt: Any, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(stmt, rows)``, but on SQLite the statement is compiled once and each
    row's values go through the column types' bind processors straight to the driver:
    SQLAlchemy's generic per-row parameter building costs more than the writes themselves at
    100,000 rows. PostgreSQL takes the ordinary path."""
    if conn.dialect.name != "sqlite":
        conn.execute(stmt, rows)
        return
    if isinstance(stmt, Insert):
        stmt = stmt.values({key: bindparam(key) for key in rows[0]})
    compiled = stmt.compile(dialect=conn.dialect)
    names = compiled.positiontup or []
    processors = compiled._bind_processors
    fixed = {name: compiled.binds[name].effective_value for name in names}
    params = []
    # Rows share a handful of instants (now, the due times): convert each once.
    seen: dict[tuple[str, datetime], Any] = {}
    for row in rows:
        values = []
        for name in names:
            value = row[name] if name in row else fixed[name]
            processor = processors.get(name)
            if processor is None:
                values.append(value)
            elif isinstance(value, datetime):
                key = (name, value)
                if key not in seen:
                    seen[key] = processor(value)
                values.append(seen[key])
            else:
                values.append(processor(value))
        params.append(tuple(values))
    conn.exec_driver_sql(str(compiled), params)
