"""``run_due``: claim due steps with a lease and run them, on SQLite and PostgreSQL alike.

1. Claim (system scope, one short transaction): up to ``batch_size`` steps that are pending
   and due, or running with an expired lease (their process died), are set to running with
   ``started_at`` = now and ``attempts + 1``. The update re-checks the status in its WHERE,
   so of two processes claiming the same row only one gets it back from RETURNING; PostgreSQL
   also skips rows another claimer has locked.
2. Run (one tenant transaction per sub-account group): each step first re-asserts its claim
   (status running with the attempt number it was claimed with - a process whose lease
   expired and was taken over loses here and writes nothing), then runs in a savepoint. Its
   effects, the outbox rows it queued and its completion commit together: a crash anywhere
   before the commit leaves no trace and the step runs again after the lease expires; a
   crash after it leaves a completed step. So each step runs at least once and each
   external effect is queued exactly once (its idempotency key backs that up).

Waits are the exception: they have no effect of their own, so ``wait_resume`` picks due waits
and ends them in one transaction, set-wise, without a claim in between.

Bounded work per call (``max_steps``) keeps a backlog - the app closed for a week - from
turning into a storm: the rest waits for the next tick.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ghl_desktop.core.clock import Clock
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import ActionExecutionStatus as StepStatus
from ghl_desktop.models.workflows import WorkflowActionExecution as Step
from ghl_desktop.models.workflows import WorkflowExecution
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.batch_writes import batch_writes, write_changes
from ghl_desktop.services.workflows.engine.runtime import BATCH_KEY, TAGS_KEY, load_tag_names
from ghl_desktop.services.workflows.engine.steps import run_step
from ghl_desktop.services.workflows.engine.wait_resume import resume_due_waits

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH_SIZE = 500
WAIT_BATCH = 10_000  # waits end set-wise, one transaction each (wait_resume): ~0.3 s of writer
MAX_STEPS_PER_RUN = 20_000


@dataclass
class RunSummary:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    lost: int = 0  # claims another process took over (lease expired)

    @property
    def completed(self) -> int:
        return self.outcomes["completed"] + self.outcomes["skipped"]

    def as_dict(self) -> dict[str, int]:
        return {"claimed": self.claimed, "lost": self.lost, **dict(sorted(self.outcomes.items()))}


@dataclass(frozen=True)
class Claim:
    """A claimed step: ``claimed_at`` (its ``started_at``) is the claim's token - a process
    that took the step over after the lease expired claimed it at another instant."""

    step_id: str
    sub_account_id: str
    claimed_at: datetime


def _due(now: datetime, lease: timedelta) -> object:
    return or_(
        (Step.status == StepStatus.PENDING) & (Step.scheduled_for <= now),
        (Step.status == StepStatus.RUNNING) & (Step.started_at < now - lease),
    )


def claim(
    uows: UnitOfWorkFactory, now: datetime, batch_size: int, lease: timedelta,
    sub_account_id: str | None = None,
) -> list[Claim]:  # fmt: skip
    """Claim due steps other than waits (``wait_resume`` picks and ends those in one go)."""
    with uows.system() as uow:
        # Two picks, each walking its index in order (one OR'd query would sort every due
        # row to take the first batch): steps whose claim expired, then due pending ones.
        kind = Step.action_type != "wait"
        expired = select(Step.id).where(
            Step.status == StepStatus.RUNNING, Step.started_at < now - lease, kind
        )
        pending = select(Step.id).where(
            Step.status == StepStatus.PENDING, Step.scheduled_for <= now, kind
        )
        if sub_account_id is not None:
            expired = expired.where(Step.sub_account_id == sub_account_id)
            pending = pending.where(Step.sub_account_id == sub_account_id)
        pending = pending.order_by(Step.scheduled_for)
        postgres = uow.session.get_bind().dialect.name == "postgresql"
        ids: list[str] = []
        for pick in (expired, pending):
            pick = pick.limit(batch_size - len(ids))
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids.extend(uow.session.scalars(pick))
            if len(ids) >= batch_size:
                break
        if not ids:
            return []
        rows = uow.session.execute(
            update(Step)
            .where(Step.id.in_(ids), _due(now, lease))  # type: ignore[arg-type]
            .values(status=StepStatus.RUNNING, started_at=now, attempts=Step.attempts + 1,
                    updated_at=now)
            .returning(Step.id, Step.sub_account_id)
            .execution_options(synchronize_session=False)
        ).all()  # fmt: skip
        uow.commit()
    return [Claim(r[0], r[1], now) for r in rows]


def _still_ours(uow: UnitOfWork, group: list[Claim]) -> list[Step]:
    """Re-assert the claims (and lock the rows on PostgreSQL) before running the steps; load
    them with their executions and contacts in three statements instead of three per step."""
    claimed_at = group[0].claimed_at
    ids = [c.step_id for c in group]
    # The re-assertion returns the rows themselves: no second read of the steps.
    steps = {
        s.id: s
        for s in uow.session.scalars(
            update(Step)
            .where(
                Step.id.in_(ids), Step.status == StepStatus.RUNNING, Step.started_at == claimed_at
            )
            .values(status=StepStatus.RUNNING)
            .returning(Step)
            .execution_options(synchronize_session=False)
        )
    }
    if not steps:
        return []
    runs = list(
        uow.session.scalars(
            select(WorkflowExecution).where(
                WorkflowExecution.id.in_({s.workflow_execution_id for s in steps.values()})
            )
        )
    )
    people = list(
        uow.session.scalars(select(Contact).where(Contact.id.in_({r.contact_id for r in runs})))
    )
    # The identity map holds objects weakly: keep the preloaded rows alive for the batch.
    uow.session.info[BATCH_KEY] = {
        **{(WorkflowExecution, r.id): r for r in runs},
        **{(Contact, p.id): p for p in people},
    }
    uow.session.info[TAGS_KEY] = load_tag_names(uow, [p.id for p in people])
    return [steps[i] for i in ids if i in steps]


def runs_of(uow: UnitOfWork) -> list[WorkflowExecution]:
    """The runs preloaded for the batch."""
    preloaded = uow.session.info.get(BATCH_KEY) or {}
    return [row for (model, _id), row in preloaded.items() if model is WorkflowExecution]


def run_claims(uows: UnitOfWorkFactory, claims: Iterable[Claim], summary: RunSummary) -> None:
    groups: dict[tuple[str, datetime], list[Claim]] = defaultdict(list)
    for c in claims:
        groups[(c.sub_account_id, c.claimed_at)].append(c)
    for (sub_account_id, _at), group in groups.items():
        try:
            _run_group(uows, sub_account_id, group, summary, batched=True)
        except _BatchFailed as failed:
            log.info("workflow batch fell back to one step at a time: %s", failed.__cause__)
            _run_group(uows, sub_account_id, group, summary, batched=False)


class _BatchFailed(Exception):
    """A step of a batch run without savepoints failed: the batch was rolled back."""


def _run_group(
    uows: UnitOfWorkFactory, sub_account_id: str, group: list[Claim], summary: RunSummary,
    *, batched: bool,
) -> None:  # fmt: skip
    """Run one sub-account's claimed steps in one transaction. Batched: without a savepoint
    (and its two flushes) per step, the group's rows written set-wise at the end
    (``batch_writes``: the steps and runs updated, the next steps and the outbox messages
    inserted, one statement each) - any failure rolls it all back and raises ``_BatchFailed``
    so the caller reruns it one savepoint per step, where a failing step is recorded
    (retry / failed) and the others commit."""
    outcomes: Counter[str] = Counter()
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        steps = _still_ours(uow, group)
        if batched:
            try:
                with batch_writes(uow) as writes:
                    for step in steps:
                        outcomes[run_step(uow, step, savepoint=False)] += 1
                    write_changes(uow, [*steps, *runs_of(uow)])
                    uow.flush()
                    writes.write()  # the flush wrote them, unless it had nothing to flush
            except Exception as exc:
                uow.rollback()
                raise _BatchFailed from exc
        else:
            for step in steps:
                outcomes[run_step(uow, step)] += 1
        uow.session.info.pop(BATCH_KEY, None)
        uow.session.info.pop(TAGS_KEY, None)
        uow.commit()
    summary.lost += len(group) - len(steps)
    summary.outcomes.update(outcomes)


def run_due(
    uows: UnitOfWorkFactory, clock: Clock | None = None, *, batch_size: int = BATCH_SIZE,
    max_steps: int = MAX_STEPS_PER_RUN, lease: timedelta = LEASE,
    sub_account_id: str | None = None, wait_batch: int = WAIT_BATCH,
) -> RunSummary:  # fmt: skip
    """Run every step due now (at most ``max_steps``); steps that become due while running
    (the step after a completed one) are picked up in the same call."""
    clock = clock or uows.clock
    summary = RunSummary()
    # Waits are checked first, then again only after other steps ran (they may have reached
    # a wait already due) - not before every batch of other steps, which would walk the
    # due index once more each time for nothing.
    check_waits, stepped = True, False
    while summary.claimed < max_steps:
        now = clock.now()
        if check_waits:
            room = min(wait_batch, max_steps - summary.claimed)
            ended = resume_due_waits(uows, now, room, lease, sub_account_id)
            taken = ended.pop("claimed")
            summary.claimed += taken
            summary.outcomes.update({k: v for k, v in ended.items() if v})
            check_waits, stepped = taken == room, False  # a full batch: more may be due
            continue
        size = min(batch_size, max_steps - summary.claimed)
        claims = claim(uows, now, size, lease, sub_account_id)
        if not claims:
            if not stepped:
                break
            check_waits = True
            continue
        summary.claimed += len(claims)
        stepped = True
        run_claims(uows, claims, summary)
    if summary.claimed:
        log.info("workflow steps: %s", summary.as_dict())
    return summary
