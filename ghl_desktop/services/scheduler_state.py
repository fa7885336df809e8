"""The scheduler's state in the database: the lease that makes one scheduler per database
active, and each job's latest run (for the GUI's Jobs tab and ``scheduler status``).

SQLite: a row in ``scheduler_leases``, taken in a ``BEGIN IMMEDIATE`` transaction when it is
free or expired, renewed by the holder's heartbeat. PostgreSQL: ``pg_try_advisory_lock`` on a
dedicated connection (released by the server when that connection dies); the row is still
written so status screens can name the holder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, text

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.db import Database
from ghl_desktop.models.scheduler import SchedulerJobRun, SchedulerLease
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# pg_try_advisory_lock takes a bigint: a fixed key for "the scheduler of this database".
ADVISORY_LOCK_KEY = 0x6768_6C5F_7363_6864  # "ghl_schd"
MAX_ERROR_LENGTH = 4000


class SchedulerLock:
    """One host's claim on the scheduler lease. ``acquire_or_renew`` is its heartbeat."""

    def __init__(
        self, database: Database, uows: UnitOfWorkFactory, clock: Clock, holder: str,
        ttl: timedelta,
    ) -> None:  # fmt: skip
        self._database = database
        self._uows = uows
        self._clock = clock
        self.holder = holder
        self.ttl = ttl
        self._connection: Connection | None = None
        self.valid_until: datetime | None = None

    def acquire_or_renew(self) -> bool:
        """Hold the lease for another ``ttl``; False when another host holds it."""
        try:
            held = self._pg_lock() if not self._database.is_sqlite else True
            held = held and self._write_row(force=not self._database.is_sqlite)
        except Exception:
            log.exception("scheduler lease heartbeat failed")
            held = False
        self.valid_until = self._clock.now() + self.ttl if held else None
        return held

    def holds(self) -> bool:
        return self.valid_until is not None and self._clock.now() < self.valid_until

    def release(self) -> None:
        self.valid_until = None
        try:
            with self._uows.system() as uow:
                row = uow.session.get(SchedulerLease, LEASE_NAME)
                if row is not None and row.holder == self.holder:
                    uow.session.delete(row)
                uow.commit()
        except Exception:
            log.exception("could not release the scheduler lease row")
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            except Exception:
                log.debug("advisory unlock failed (connection gone)", exc_info=True)
            self._drop_connection()

    # -- PostgreSQL ----------------------------------------------------------------------
    def _pg_lock(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True  # the session lock lives as long as this connection
            except Exception:
                log.warning("scheduler lock connection lost; trying to take the lock again")
                self._drop_connection()
        conn = self._database.writer.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(
            conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
        )
        if got:
            self._connection = conn
        else:
            conn.close()
        return got

    def _drop_connection(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)

    # -- the lease row -------------------------------------------------------------------
    def _write_row(self, *, force: bool) -> bool:
        """Take or renew the row. ``force``: the advisory lock already decided (PostgreSQL)."""
        now = self._clock.now()
        with self._uows.system() as uow:
            row = uow.session.get(SchedulerLease, LEASE_NAME)
            if row is None:
                uow.session.add(
                    SchedulerLease(
                        name=LEASE_NAME,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.ttl,
                    )
                )
            elif force or row.holder == self.holder or row.expires_at <= now:
                if row.holder != self.holder:
                    log.info("scheduler lease taken over from %s", row.holder)
                    row.acquired_at = now
                row.holder = self.holder
                row.expires_at = now + self.ttl
            else:
                return False
            uow.commit()
        return True


# -- job runs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobRunView:
    job_id: str
    holder: str | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None
    next_run_at: datetime | None
    run_count: int
    error_count: int

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "job_id": self.job_id, "holder": self.holder,
            "last_started_at": iso(self.last_started_at),
            "last_finished_at": iso(self.last_finished_at), "last_error": self.last_error,
            "next_run_at": iso(self.next_run_at), "run_count": self.run_count,
            "error_count": self.error_count,
        }  # fmt: skip


@dataclass(frozen=True)
class SchedulerStatus:
    holder: str | None
    lease_expires_at: datetime | None
    is_lease_live: bool
    jobs: list[JobRunView]

    def as_json(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "lease_expires_at": self.lease_expires_at.isoformat()
            if self.lease_expires_at
            else None,
            "lease_live": self.is_lease_live,
            "jobs": [j.as_json() for j in self.jobs],
        }


def _run_row(uow: UnitOfWork, job_id: str) -> SchedulerJobRun:
    row = uow.session.get(SchedulerJobRun, job_id)
    if row is None:
        row = SchedulerJobRun(job_id=job_id, run_count=0, error_count=0)
        uow.session.add(row)
    return row


def record_schedule(
    uows: UnitOfWorkFactory, holder: str, next_runs: dict[str, datetime | None]
) -> None:
    """The active host announces its jobs and when each runs next."""
    with uows.system() as uow:
        for job_id, next_run in next_runs.items():
            row = _run_row(uow, job_id)
            row.holder = holder
            row.next_run_at = next_run
        uow.commit()


def record_start(uows: UnitOfWorkFactory, job_id: str, holder: str) -> None:
    with uows.system() as uow:
        row = _run_row(uow, job_id)
        row.holder = holder
        row.last_started_at = uows.clock.now()
        uow.commit()


def record_finish(
    uows: UnitOfWorkFactory, job_id: str, holder: str, error: str | None,
    next_run_at: datetime | None,
) -> None:  # fmt: skip
    with uows.system() as uow:
        row = _run_row(uow, job_id)
        row.holder = holder
        row.last_finished_at = uows.clock.now()
        row.last_error = error[:MAX_ERROR_LENGTH] if error else None
        row.run_count = (row.run_count or 0) + 1
        row.error_count = (row.error_count or 0) + (1 if error else 0)
        row.next_run_at = next_run_at
        uow.commit()


def scheduler_status(uows: UnitOfWorkFactory) -> SchedulerStatus:
    """Installation-wide and free of customer data, so any signed-in user may read it."""
    now = uows.clock.now()
    with uows.system(read_only=True) as uow:
        lease = uow.session.get(SchedulerLease, LEASE_NAME)
        runs = uow.session.scalars(select(SchedulerJobRun).order_by(SchedulerJobRun.job_id)).all()
        jobs = [
            JobRunView(
                r.job_id,
                r.holder,
                r.last_started_at,
                r.last_finished_at,
                r.last_error,
                r.next_run_at,
                r.run_count or 0,
                r.error_count or 0,
            )
            for r in runs
        ]
        if lease is None:
            return SchedulerStatus(None, None, False, jobs)
        return SchedulerStatus(lease.holder, lease.expires_at, lease.expires_at > now, jobs)
