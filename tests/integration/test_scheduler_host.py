"""The scheduler host: one active scheduler per database (lease row on SQLite, advisory lock on
PostgreSQL), takeover after the holder dies, job runs recorded for the GUI and the CLI."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock, SystemClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.scheduler.host import HostState, SchedulerHost
from ghl_desktop.scheduler.jobs import JobSpec, default_jobs
from ghl_desktop.services.scheduler_state import scheduler_status
from tests.conftest import fresh_sqlite_data_dir

TTL = timedelta(seconds=30)


class Ledger:
    """Counts job runs per host, thread-safely."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.lock = threading.Lock()

    def job(self, host: str, fail: bool = False, every: float = 0.05) -> JobSpec:
        def run(_rt: Runtime) -> None:
            with self.lock:
                self.runs[host] += 1
            if fail:
                raise RuntimeError("disk full")

        return JobSpec("test.count", every, run)


def _second_runtime(first: Runtime, clock: object) -> Runtime:
    url = first.database.url.render_as_string(hide_password=False)
    secrets = EncryptedFileSecretStore(first.data_dir / "secrets" / "second.enc")
    return build_runtime(first.data_dir, url, clock=clock, secrets=secrets)  # type: ignore[arg-type]


@pytest.fixture
def pair(any_runtime: Runtime) -> Iterator[tuple[Runtime, Runtime]]:
    second = _second_runtime(any_runtime, any_runtime.clock)
    yield any_runtime, second
    second.close()


def _hosts(pair: tuple[Runtime, Runtime], ledger: Ledger, **kw: object) -> list[SchedulerHost]:
    return [
        SchedulerHost(rt, [ledger.job(name)], holder=name, lease_ttl=TTL, heartbeat_seconds=5, **kw)  # type: ignore[arg-type]
        for rt, name in zip(pair, ("a", "b"), strict=True)
    ]


def test_only_the_lease_holder_runs_jobs(pair: tuple[Runtime, Runtime]) -> None:
    ledger = Ledger()
    a, b = _hosts(pair, ledger)
    assert a.heartbeat() is True
    assert b.heartbeat() is False
    assert (a.state, b.state) == (HostState.ACTIVE, HostState.STANDBY)
    assert a.run_all_now() == ["test.count"]
    assert b.run_all_now() == []
    assert ledger.runs == Counter({"a": 1})
    status = scheduler_status(pair[0].uows)
    assert status.holder == "a"
    assert status.is_lease_live
    [job] = status.jobs
    assert (job.job_id, job.holder, job.run_count, job.last_error) == ("test.count", "a", 1, None)
    assert job.last_started_at is not None
    assert job.last_finished_at is not None


def test_a_dead_holder_is_taken_over_after_expiry(runtime: Runtime) -> None:
    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    second = _second_runtime(runtime, clock)
    try:
        ledger = Ledger()
        a, b = _hosts((runtime, second), ledger)
        assert a.heartbeat()
        clock.advance(TTL / 2)
        assert a.heartbeat()  # renewed
        clock.advance(TTL / 2 + timedelta(seconds=1))
        assert b.heartbeat() is False  # the renewal moved the expiry on
        # a dies: no more heartbeats. Its own guard stops it once its lease lapsed...
        clock.advance(TTL)
        assert a.run_all_now() == []
        # ...and b takes over.
        assert b.heartbeat() is True
        assert b.run_all_now() == ["test.count"]
        assert scheduler_status(runtime.uows).holder == "b"
        # If a comes back, it finds the lease taken and stands by.
        assert a.heartbeat() is False
        assert a.state is HostState.STANDBY
    finally:
        second.close()


def test_postgresql_advisory_lock_is_released_when_the_holder_dies(pg_runtime: Runtime) -> None:
    second = _second_runtime(pg_runtime, pg_runtime.clock)
    try:
        ledger = Ledger()
        a, b = _hosts((pg_runtime, second), ledger)
        assert a.heartbeat() is True
        assert b.heartbeat() is False
        assert b.run_all_now() == []
        # The holder's process dies: its lock connection goes away, and the server frees the lock.
        a._lock._drop_connection()
        assert b.heartbeat() is True
        assert b.run_all_now() == ["test.count"]
        assert a.heartbeat() is False
        assert scheduler_status(pg_runtime.uows).holder == "b"
        b.stop()
        assert a.heartbeat() is True  # a clean stop hands over at once
        a.stop()
    finally:
        second.close()


def test_a_failing_job_records_its_error_and_keeps_its_schedule(runtime: Runtime) -> None:
    ledger = Ledger()
    host = SchedulerHost(runtime, [ledger.job("a", fail=True)], holder="a", lease_ttl=TTL,
                         heartbeat_seconds=5)  # fmt: skip
    host.heartbeat()
    assert host.run_all_now() == ["test.count"]
    assert host.run_all_now() == ["test.count"]
    [job] = scheduler_status(runtime.uows).jobs
    assert job.last_error == "RuntimeError: disk full"
    assert (job.run_count, job.error_count) == (2, 2)


def _wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_two_started_hosts_with_real_time(tmp_path: Path) -> None:
    """APScheduler for real: two hosts on one SQLite file, the holder crashes, the other
    takes over within the lease time."""
    data = fresh_sqlite_data_dir(tmp_path / "data")
    secrets = EncryptedFileSecretStore(data / "secrets" / "s.enc")
    rt_a = build_runtime(data, None, clock=SystemClock(), secrets=secrets)
    rt_b = build_runtime(data, None, clock=SystemClock(), secrets=secrets)
    ledger = Ledger()
    # Generous timings: the suite runs on loaded machines, and a heartbeat that is late by more
    # than the lease would (rightly) let the other host take over.
    ttl = timedelta(seconds=4)
    a = SchedulerHost(rt_a, [ledger.job("a", every=0.25)], holder="a", lease_ttl=ttl,
                      heartbeat_seconds=0.5)  # fmt: skip
    b = SchedulerHost(rt_b, [ledger.job("b", every=0.25)], holder="b", lease_ttl=ttl,
                      heartbeat_seconds=0.5)  # fmt: skip
    try:
        a.start()
        assert _wait_for(lambda: ledger.runs["a"] >= 2, timeout=20)
        b.start()
        time.sleep(1.5)  # three of b's heartbeats: each finds the lease held
        assert ledger.runs["b"] == 0
        assert b.state is HostState.STANDBY
        # a crashes: its scheduler thread stops without releasing anything.
        assert a._scheduler is not None
        a._scheduler.shutdown(wait=True)
        assert _wait_for(lambda: ledger.runs["b"] >= 2, timeout=30)
        assert b.is_active
    finally:
        b.stop()
        a._scheduler = None
        a.stop()
        rt_a.close()
        rt_b.close()


def test_default_jobs_run(runtime: Runtime) -> None:
    host = SchedulerHost(runtime, default_jobs(), holder="only", lease_ttl=TTL,
                         heartbeat_seconds=5)  # fmt: skip
    host.heartbeat()
    ran = host.run_all_now()
    assert ran[:3] == ["events.redispatch", "outbox.dispatch", "maintenance"]
    assert ran == [spec.id for spec in default_jobs()]
    runs = {j.job_id: j for j in scheduler_status(runtime.uows).jobs}
    assert all(runs[job_id].last_error is None for job_id in ran[:3])


def test_settings_are_checked(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="heartbeat_seconds"):
        SchedulerHost(runtime, [], lease_ttl=timedelta(seconds=10), heartbeat_seconds=6)
    with pytest.raises(ValueError, match="interval_seconds"):
        JobSpec("x", 0, lambda _rt: None)
    with pytest.raises(ValueError, match="unique"):
        SchedulerHost(runtime, [default_jobs()[0], default_jobs()[0]])
