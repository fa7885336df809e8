"""Hosts the scheduler in a process: a heartbeat keeps (or tries to take) the database's
scheduler lease; while held, the fixed-id jobs are registered with APScheduler and run, each
run recorded in ``scheduler_job_runs``. A host that loses the lease removes its jobs and keeps
trying; a job never starts unless the lease is still valid."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.ids import new_id
from ghl_desktop.scheduler.jobs import JobSpec, default_jobs
from ghl_desktop.services import scheduler_state
from ghl_desktop.services.scheduler_state import SchedulerLock

if TYPE_CHECKING:
    from ghl_desktop.bootstrap import Runtime

log = logging.getLogger(__name__)

HEARTBEAT_JOB_ID = "scheduler.heartbeat"
DEFAULT_LEASE_TTL = timedelta(seconds=60)
DEFAULT_HEARTBEAT_SECONDS = 15.0


class HostState(StrEnum):
    STOPPED = "stopped"
    STANDBY = "standby"  # another host holds the lease; this one keeps trying
    ACTIVE = "active"


@dataclass(frozen=True)
class HostReport:
    state: HostState
    holder: str
    text: str


def default_holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id()[-6:]}"


class SchedulerHost:
    def __init__(
        self,
        runtime: Runtime,
        jobs: Sequence[JobSpec] | None = None,
        *,
        holder: str | None = None,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
        heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS,
        clock: Clock | None = None,
        on_report: Callable[[HostReport], None] | None = None,
        max_workers: int = 4,
    ) -> None:
        if heartbeat_seconds * 2 > lease_ttl.total_seconds():
            raise ValueError("heartbeat_seconds: renew at least twice per lease_ttl")
        self.runtime = runtime
        self.jobs = list(default_jobs() if jobs is None else jobs)
        ids = [j.id for j in self.jobs]
        if len(set(ids)) != len(ids) or HEARTBEAT_JOB_ID in ids:
            raise ValueError(f"jobs: ids must be unique and not {HEARTBEAT_JOB_ID!r}")
        self.holder = holder or default_holder_name()
        self.heartbeat_seconds = heartbeat_seconds
        self._lock = SchedulerLock(
            runtime.database, runtime.uows, clock or runtime.clock, self.holder, lease_ttl
        )
        self._on_report = on_report
        self._max_workers = max_workers
        self._state_lock = threading.RLock()
        self._scheduler: BackgroundScheduler | None = None
        self.state = HostState.STOPPED

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start APScheduler with the heartbeat; the first heartbeat runs at once."""
        with self._state_lock:
            if self._scheduler is not None:
                return
            scheduler = BackgroundScheduler(
                timezone=UTC,
                # The heartbeat has a thread of its own: long jobs must not delay the renewal.
                executors={
                    "default": ThreadPoolExecutor(max_workers=self._max_workers),
                    "heartbeat": ThreadPoolExecutor(max_workers=1),
                },
                job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            )
            scheduler.add_job(
                self.heartbeat, "interval", seconds=self.heartbeat_seconds, id=HEARTBEAT_JOB_ID,
                replace_existing=True, coalesce=True, misfire_grace_time=None,
                next_run_time=datetime.now(UTC), executor="heartbeat",
            )  # fmt: skip
            self._scheduler = scheduler
            self.state = HostState.STANDBY
            scheduler.start()

    def stop(self) -> None:
        """Stop waking jobs, wait for running ones, and give the lease up for the next host."""
        with self._state_lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        with self._state_lock:
            was_active = self.state is HostState.ACTIVE
            self.state = HostState.STOPPED
        if was_active:
            self._lock.release()
        self._report("stopped")

    # -- the heartbeat ---------------------------------------------------------------------
    def heartbeat(self) -> bool:
        """Take or renew the lease and start or stop the jobs to match. True while active."""
        held = self._lock.acquire_or_renew()
        with self._state_lock:
            if held and self.state is not HostState.ACTIVE:
                self.state = HostState.ACTIVE
                self._register_jobs()
                log.info("scheduler %s is now active", self.holder)
            elif not held and self.state is HostState.ACTIVE:
                self.state = HostState.STANDBY
                self._unregister_jobs()
                log.warning("scheduler %s lost the lease; standing by", self.holder)
            elif not held and self.state is HostState.STOPPED:
                self.state = HostState.STANDBY
        if held:
            self._report("running jobs")
        else:
            self._report("standing by: another process runs the jobs")
        return held

    def _register_jobs(self) -> None:
        now = datetime.now(UTC)
        if self._scheduler is not None:
            for spec in self.jobs:
                self._scheduler.add_job(
                    self.run_job, "interval", seconds=spec.interval_seconds, id=spec.id,
                    args=[spec], replace_existing=True, coalesce=True, misfire_grace_time=None,
                    max_instances=1, next_run_time=now,
                )  # fmt: skip
        self._safely(
            scheduler_state.record_schedule, self.runtime.uows, self.holder,
            {spec.id: self._next_run(spec.id) or now for spec in self.jobs},
        )  # fmt: skip

    def _unregister_jobs(self) -> None:
        if self._scheduler is None:
            return
        for spec in self.jobs:
            if self._scheduler.get_job(spec.id) is not None:
                self._scheduler.remove_job(spec.id)

    def _next_run(self, job_id: str) -> datetime | None:
        scheduler = self._scheduler
        job = scheduler.get_job(job_id) if scheduler is not None else None
        next_run = getattr(job, "next_run_time", None)
        return next_run if isinstance(next_run, datetime) else None

    # -- running jobs ----------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.state is HostState.ACTIVE and self._lock.holds()

    def run_job(self, spec: JobSpec) -> bool:
        """Run one job now if this host holds a valid lease. Returns whether it ran."""
        if not self.is_active:
            return False
        uows = self.runtime.uows
        self._safely(scheduler_state.record_start, uows, spec.id, self.holder)
        error: str | None = None
        try:
            spec.run(self.runtime)
        except Exception as exc:
            log.exception("scheduler job %s failed", spec.id)
            error = f"{type(exc).__name__}: {exc}"
        self._safely(
            scheduler_state.record_finish, uows, spec.id, self.holder, error,
            self._next_run(spec.id),
        )  # fmt: skip
        return True

    def run_all_now(self) -> list[str]:
        """Run every job once, in order (``serve --once``, tests). Returns the ids run."""
        return [spec.id for spec in self.jobs if self.run_job(spec)]

    # -- helpers ---------------------------------------------------------------------------
    def _report(self, text: str) -> None:
        if self._on_report is not None:
            try:
                self._on_report(HostReport(self.state, self.holder, text))
            except Exception:
                log.exception("scheduler status report failed")

    @staticmethod
    def _safely(fn: Callable[..., object], *args: object) -> None:
        # Bookkeeping must never stop the jobs themselves (the database may be busy a moment).
        try:
            fn(*args)
        except Exception:
            log.exception("could not record scheduler state (%s)", getattr(fn, "__name__", fn))
