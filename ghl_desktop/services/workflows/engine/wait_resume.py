"""Ending due waits set-wise, picked and finished in one transaction: the path that lets
100,000 parked runs resume within seconds.

A wait step has no effect of its own: when it is due it completes and the next step is
scheduled - the same rows and rules as ``steps.run_step`` + ``steps.advance`` (``new_step``
builds the next row for both). Nothing leaves the app in between, so there is no lease to hold:
one transaction picks a batch of due waits, ends them and moves their runs on. A crash before
the commit leaves them pending and due for the next tick; after it, they are done. Two processes
never end a wait twice: on SQLite the writer's ``BEGIN IMMEDIATE`` serialises the transactions;
on PostgreSQL the pick locks the waits and their runs (``FOR UPDATE ... SKIP LOCKED``) until the
commit - another process skips them, and a pause or cancel of such a run waits for the commit
(the pick skips runs that one holds).

Python works once per *plan*, not per row. A plan is what happens to every wait sharing a
sub-account, workflow version, step, run status, how the wait ended, and - only when it matters
(a paused run, or a wait after this one) - the wait's due time. The rows go to two temporary
tables (the batch: one row per wait with its run, its plan and the id of its next step; the
plans), and three set-wise statements write everything: the waits (completed; parked for a
paused run; cancelled for a finished one; failed when the version lacks the step), the next
steps, and the runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.schema import CreateTable

from ghl_desktop.core.errors import NotFound
from ghl_desktop.core.ids import new_ids
from ghl_desktop.models.base import JSONType, UTCDateTime
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.models.workflows import ActionExecutionStatus as StepStatus
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.steps import FINISHED, new_step, test_pause

Step = cast(Table, WorkflowActionExecution.__table__)
Run = cast(Table, WorkflowExecution.__table__)

# Scratch tables of one transaction (their own metadata: not part of the schema).
_scratch = MetaData()
Batch = Table(
    "wf_wait_batch", _scratch,
    Column("step_id", String(36), primary_key=True),
    Column("run_id", String(36), nullable=False),
    Column("sub_account_id", String(36), nullable=False),
    Column("new_id", String(36), nullable=False),  # the next step's id, if it gets one
    Column("plan_no", Integer, nullable=False),
    Column("base", UTCDateTime()),  # the wait's due time: what the next step is due at
    prefixes=["TEMPORARY"], postgresql_on_commit="DELETE ROWS",
)  # fmt: skip
Plan = Table(
    "wf_wait_plans", _scratch,
    Column("plan_no", Integer, primary_key=True),
    # The wait: its new status, completion, error and what its result gains.
    Column("status", String(20), nullable=False),
    Column("completed_at", UTCDateTime()),
    Column("error", Text),
    Column("patch", JSONType, nullable=False),
    # The next step (none when next_action_id is NULL); due at the wait's due time when
    # next_at_base is 1, else at next_due.
    Column("next_action_id", String(36)),
    Column("next_type", String(100)),
    Column("next_status", String(20)),
    Column("next_at_base", Integer, nullable=False),
    Column("next_due", UTCDateTime()),
    Column("next_result", JSONType),
    Column("next_error", Text),
    Column("next_completed_at", UTCDateTime()),
    # The run: untouched when run_status is NULL; its status rewritten only when it changes
    # (run_restatus 1) - an unchanged status would still cost an index update per run.
    Column("run_status", String(20)),
    Column("run_restatus", Integer),
    Column("run_action_id", String(36)),
    Column("run_finished_at", UTCDateTime()),
    Column("run_error", Text),
    prefixes=["TEMPORARY"], postgresql_on_commit="DELETE ROWS",
)  # fmt: skip
OUTCOMES = {
    StepStatus.COMPLETED: "completed",
    StepStatus.PENDING: "parked",
    StepStatus.CANCELLED: "cancelled",
    StepStatus.FAILED: "failed",
}


def resume_due_waits(
    uows: UnitOfWorkFactory, now: datetime, limit: int, lease: timedelta,
    sub_account_id: str | None = None,
) -> dict[str, int]:  # fmt: skip
    """End up to ``limit`` wait steps due at ``now`` (and waits an older build claimed whose
    lease expired); returns how many were taken (``claimed``) and their outcomes."""
    with uows.system() as uow:
        conn = uow.session.connection()
        rows = _pick(conn, now, limit, lease, sub_account_id)
        if not rows:
            return {"claimed": 0}
        planner = _Planner(uow, now)
        plan_for = planner.plan_for
        # row = (step id, run id, *kind): sub-account, workflow, version, step, run status,
        # how the wait ended, its due time.
        batch = [
            (row[0], row[1], row[2], next_id, plan_for(row[2:]), row[8])
            for row, next_id in zip(rows, new_ids(len(rows)), strict=True)
        ]
        _fill(conn, batch, planner.plans)
        _write(conn, now)
        test_pause("waits_ended")
        uow.commit()
    counts = Counter({"claimed": len(batch)})
    for plan_no, size in Counter(row[4] for row in batch).items():
        counts[OUTCOMES[planner.plans[plan_no]["status"]]] += size
    return dict(counts)


def _pick(
    conn: Connection, now: datetime, limit: int, lease: timedelta, sub_account_id: str | None
) -> list[Any]:
    resumed = Step.c.result["resumed_by"].as_string()
    ended = case(
        (func.coalesce(resumed, "") != "", "event"),
        (Step.c.result[("wait", "mode")].as_string() == "until_event", "timeout"),
        else_="time",
    )  # what wait() records as ended_by
    columns = (
        Step.c.id, Step.c.workflow_execution_id, Step.c.sub_account_id, Run.c.workflow_id,
        Run.c.workflow_version, Step.c.workflow_action_id, Run.c.status, ended,
        Step.c.scheduled_for,
    )  # fmt: skip
    waits = (
        select(*columns)
        .join(Run, Run.c.id == Step.c.workflow_execution_id)
        .where(Step.c.action_type == "wait")
    )
    if sub_account_id is not None:
        waits = waits.where(Step.c.sub_account_id == sub_account_id)
    # Two picks, each walking the due index in order: claims an older build left behind
    # (their process died), then due pending waits.
    expired = waits.where(Step.c.status == StepStatus.RUNNING, Step.c.started_at < now - lease)
    pending = waits.where(
        Step.c.status == StepStatus.PENDING, Step.c.scheduled_for <= now
    ).order_by(Step.c.scheduled_for)
    postgres = conn.dialect.name == "postgresql"
    rows: list[Any] = []
    for pick in (expired, pending):
        pick = pick.limit(limit - len(rows))
        if postgres:
            pick = pick.with_for_update(of=(Step, Run), skip_locked=True)
        # The driver's raw tuples (no Row objects, no type processing): the batch copies the
        # values back as they are, and the planner parses each distinct due time once.
        result = conn.execute(pick)
        rows.extend(result.cursor.fetchall())
        result.close()
        if len(rows) >= limit:
            break
    return rows


class _Planner:
    """Works out, once per distinct kind of wait in the batch, what happens to it, its next
    step and its run - the decisions of ``run_step`` + ``advance`` for a wait."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self.uow, self.now = uow, now
        self.plans: list[dict[str, Any]] = []
        self._seen: dict[tuple[Any, ...], int] = {}  # by kind, due time included
        self._index: dict[tuple[Any, ...], int] = {}  # by what the plan depends on
        self._dated: dict[tuple[Any, ...], bool] = {}
        self._zones: dict[str, str] = {}
        self._definitions: dict[tuple[str, int], WorkflowDefinition | None] = {}

    def plan_for(self, kind: tuple[Any, ...]) -> int:
        """The plan number of a wait of ``kind`` (sub-account, workflow, version, step, run
        status, ended by, due time) - a dict hit for every wait but the first of its kind."""
        plan_no = self._seen.get(kind)
        if plan_no is None:
            plan_no = self._seen[kind] = self._plan_no(*kind)
        return plan_no

    def _plan_no(
        self, sub: str, workflow_id: str, version: int, action_id: str | None, run_status: str,
        ended: str, base: Any,
    ) -> int:  # fmt: skip
        shape = (workflow_id, version, action_id, run_status)
        dated = self._dated.get(shape)
        if dated is None:
            dated = self._dated[shape] = self._needs_due(*shape)
        key = (sub, *shape, ended, base if dated else None)
        plan_no = self._index.get(key)
        if plan_no is None:
            due = _as_datetime(base) if dated and base is not None else self.now
            plan = self._plan(sub, workflow_id, version, action_id, run_status, ended, due)
            plan_no = self._index[key] = len(self.plans)
            self.plans.append({**plan, "plan_no": plan_no})
        return plan_no

    def _definition(self, workflow_id: str, version: int) -> WorkflowDefinition | None:
        key = (workflow_id, version)
        if key not in self._definitions:
            try:
                self._definitions[key] = definition_of(self.uow, workflow_id, version)
            except NotFound:
                self._definitions[key] = None
        return self._definitions[key]

    def _needs_due(
        self, workflow_id: str, version: int, action_id: str | None, status: str
    ) -> bool:
        """Whether the plan depends on the wait's due time: a paused run keeps it, a wait
        after this one counts from it."""
        if status == ExecutionStatus.PAUSED:
            return True
        definition = self._definition(workflow_id, version)
        if status in FINISHED or definition is None or not definition.has_action(action_id or ""):
            return False
        following = definition.next_step(action_id or "", None)
        return following is not None and following.type == "wait"

    def _zone(self, sub: str) -> str:
        if sub not in self._zones:
            tz = self.uow.session.scalar(select(SubAccount.timezone).where(SubAccount.id == sub))
            self._zones[sub] = str(tz or "UTC")
        return self._zones[sub]

    def _plan(
        self, sub: str, workflow_id: str, version: int, action_id: str | None, run_status: str,
        ended: str, due: datetime,
    ) -> dict[str, Any]:  # fmt: skip
        now = self.now
        if run_status in FINISHED:
            return _plan(StepStatus.CANCELLED, now, {"cancelled": f"execution {run_status}"})
        if run_status == ExecutionStatus.PAUSED:
            # Paused: park the wait again until the run is resumed (release_paused).
            return _plan(StepStatus.PENDING, None, {"paused_due": due.isoformat()})
        definition = self._definition(workflow_id, version)
        if definition is None or not definition.has_action(action_id or ""):
            error = f"action {action_id} is not in version {version}"
            return _plan(StepStatus.FAILED, now, {}, error=error, run_status=ExecutionStatus.FAILED,
                         run_restatus=1, run_action_id=action_id, run_finished_at=now,
                         run_error=error)  # fmt: skip
        done = {"ended_by": ended, "waited_until": now.isoformat()}
        following = definition.next_step(action_id or "", None)
        if following is None:
            return _plan(StepStatus.COMPLETED, now, done, run_status=ExecutionStatus.COMPLETED,
                         run_restatus=1, run_finished_at=now)  # fmt: skip
        zone = self._zone(sub) if following.type == "wait" else None
        made = new_step(sub, "", following, due, now, zone)
        row = made.values
        moved_to = (
            ExecutionStatus.FAILED
            if made.error
            else ExecutionStatus.WAITING
            if made.waits
            else ExecutionStatus.RUNNING
        )
        # Not a wait: due when this wait was (the batch row's base), or never (a goal).
        at_base = following.type != "wait" and row["scheduled_for"] is not None
        return _plan(
            StepStatus.COMPLETED, now, done, next_action_id=following.id,
            next_type=following.type, next_status=row["status"], next_at_base=int(at_base),
            next_due=None if at_base else row["scheduled_for"], next_result=row["result"],
            next_error=row["error"], next_completed_at=row["completed_at"], run_status=moved_to,
            run_restatus=int(moved_to != run_status),
            run_action_id=following.id, run_finished_at=now if made.error else None,
            run_error=f"step {following.label}: {made.error}"[:4000] if made.error else None,
        )  # fmt: skip


def _plan(
    status: StepStatus, completed_at: datetime | None, patch: dict[str, Any], **rest: Any
) -> dict[str, Any]:
    plan: dict[str, Any] = {c.key: None for c in Plan.columns}
    plan.update(next_at_base=0, status=status, completed_at=completed_at, patch=patch)
    plan.update(rest)
    # Plain strings for the drivers (the statuses are StrEnums).
    return {k: v.value if isinstance(v, StrEnum) else v for k, v in plan.items()}


def _as_datetime(raw: Any) -> datetime:
    if isinstance(raw, datetime):  # PostgreSQL's driver parses; SQLite gives the stored text
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)


def _fill(conn: Connection, batch: list[tuple[Any, ...]], plans: list[dict[str, Any]]) -> None:
    for table in (Batch, Plan):
        conn.execute(CreateTable(table, if_not_exists=True))
        conn.execute(delete(table))  # SQLite keeps temporary rows until the connection closes
    conn.execute(insert(Plan), plans)
    # The batch's values are the driver's already (raw ids, the due times as stored): straight
    # to the driver, without SQLAlchemy's per-row parameter processing.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(c.key for c in Batch.columns)
    marks = ", ".join([mark] * len(Batch.columns))
    conn.exec_driver_sql(f"INSERT INTO {Batch.name} ({names}) VALUES ({marks})", batch)


def _merged(conn: Connection, result: Any, patch: Any) -> Any:
    """``{**result, **patch}`` in SQL (the patch's values are never null or objects)."""
    if conn.dialect.name == "postgresql":
        return result.op("||")(patch)  # jsonb
    return func.json_patch(result, patch)


def _write(conn: Connection, now: datetime) -> None:
    at = literal(now, UTCDateTime())
    planned = Batch.c.plan_no == Plan.c.plan_no
    next_steps = (
        select(
            Batch.c.new_id, Batch.c.sub_account_id, Batch.c.run_id, Plan.c.next_action_id,
            Plan.c.next_type, Plan.c.next_status,
            case((Plan.c.next_at_base == 1, func.coalesce(Batch.c.base, at)),
                 else_=Plan.c.next_due),
            literal(0), Batch.c.run_id + ":" + Plan.c.next_action_id, Plan.c.next_result,
            Plan.c.next_error, at, at, Plan.c.next_completed_at,
        )
        .join_from(Batch, Plan, planned)
        .where(Plan.c.next_action_id.is_not(None))
    )  # fmt: skip
    conn.execute(
        insert(Step).from_select(
            ["id", "sub_account_id", "workflow_execution_id", "workflow_action_id",
             "action_type", "status", "scheduled_for", "attempts", "idempotency_key", "result",
             "error", "created_at", "updated_at", "completed_at"],
            next_steps,
        )
    )  # fmt: skip
    ends = or_(
        Plan.c.status == StepStatus.COMPLETED.value, Plan.c.status == StepStatus.FAILED.value
    )
    conn.execute(
        update(Step)
        .where(Step.c.id == Batch.c.step_id, planned)
        .values(
            status=Plan.c.status, started_at=at, attempts=Step.c.attempts + 1, updated_at=at,
            completed_at=Plan.c.completed_at,
            # Parked (pending again): no due time until the run is resumed.
            scheduled_for=case((Plan.c.status == StepStatus.PENDING.value, None),
                               else_=Step.c.scheduled_for),
            result=_merged(conn, Step.c.result, Plan.c.patch),
            error=case((ends, Plan.c.error), else_=Step.c.error),
        )
    )  # fmt: skip
    runs = update(Run).where(Run.c.id == Batch.c.run_id, planned)
    conn.execute(
        runs.where(Plan.c.run_restatus == 0)
        .values(current_action_id=Plan.c.run_action_id, updated_at=at)
    )  # fmt: skip
    conn.execute(
        runs.where(Plan.c.run_restatus == 1)
        .values(
            status=Plan.c.run_status, current_action_id=Plan.c.run_action_id, updated_at=at,
            finished_at=func.coalesce(Plan.c.run_finished_at, Run.c.finished_at),
            error=func.coalesce(Plan.c.run_error, Run.c.error),
        )
    )  # fmt: skip
