"""Scheduler state: who may run jobs (a lease per database) and how each job last went.

These are installation-wide system tables: jobs work across every sub-account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import Base


class SchedulerLease(Base):
    """One row per lease name: the holder runs jobs until ``expires_at`` unless it renews.

    Used on SQLite; PostgreSQL holds an advisory lock instead but still writes the holder here
    so status screens can name it."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class SchedulerJobRun(Base):
    """The latest run of one fixed-id job (the GUI's Jobs tab and ``scheduler status``)."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200), default=None)
    last_started_at: Mapped[datetime | None] = mapped_column(default=None)
    last_finished_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
