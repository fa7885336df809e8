"""Due waits end set-wise, picked and finished in one transaction (``wait_resume``): the rows
are those ``run_step`` + ``advance`` would write, paused and finished runs do not resume, a
step missing from its version fails its run only, a process killed mid-batch leaves nothing
half done, and two processes never end a wait twice - on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.models.workflows import WorkflowActionExecution as Step
from ghl_desktop.models.workflows import WorkflowExecution as Run
from ghl_desktop.services import contacts
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.executor import LEASE
from ghl_desktop.services.workflows.engine.steps import PAUSE_ENV
from tests.conftest import make_tenant, runtime_on
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish

ROOT = Path(__file__).resolve().parents[2]
DAY = {"mode": "duration", "amount": 1, "unit": "days"}


def _people(rt: Runtime, sub: str, owner: Any, n: int) -> list[str]:
    return [
        contacts.create_contact(rt.uows, owner, sub, {"first_name": f"P{i}",
                                                      "email": f"p{i}@example.com"}).id
        for i in range(n)
    ]  # fmt: skip


def _steps(rt: Runtime, run_id: str) -> list[Step]:
    with rt.uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(Step).where(Step.workflow_execution_id == run_id).order_by(Step.created_at)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def _run(rt: Runtime, run_id: str) -> Run:
    with rt.uows.system(read_only=True) as uow:
        run = uow.session.get(Run, run_id)
        assert run is not None
        uow.session.expunge(run)
        return run


def _set(rt: Runtime, model: Any, row_id: str, **values: Any) -> None:
    with rt.uows.system() as uow:
        uow.session.execute(update(model).where(model.id == row_id).values(**values))
        uow.commit()


def _enrolled(rt: Runtime, root: Node, n: int) -> tuple[Any, list[str], list[str]]:
    t = make_tenant(rt)
    d = publish(rt, t.sub_account_id, "Waits", root, [("manual", {})])
    people = _people(rt, t.sub_account_id, t.owner, n)
    report = control.enrol_contacts(rt.uows, t.owner, t.sub_account_id, d.workflow_id, people)
    run_due(rt.uows)  # the first waits are scheduled
    return t, people, list(report.execution_ids)


def test_waits_end_with_the_rows_a_step_would_write(any_runtime, clock) -> None:
    rt = any_runtime
    first = Node("wait", DAY, "Wait a day")
    second = Node("wait", {"mode": "duration", "amount": 2, "unit": "hours"}, "Two hours")
    email = Node("send_email", {"subject": "Hi {{contact.first_name}}", "body": "."})
    _t, _p, runs = _enrolled(rt, chain(first, second, email), 3)
    start = clock.now()
    clock.advance(timedelta(days=1, minutes=5))  # a late tick
    summary = run_due(rt.uows)
    assert (summary.claimed, summary.completed, summary.lost) == (3, 3, 0)
    for run_id in runs:
        ended, nxt = _steps(rt, run_id)
        assert (ended.status, ended.attempts) == ("completed", 1)
        assert ended.started_at == ended.completed_at == ended.updated_at == clock.now()
        assert ended.result["ended_by"] == "time"
        assert ended.result["waited_until"] == clock.now().isoformat()
        assert ended.result["wait"]["mode"] == "duration"  # kept, merged into
        # The next wait counts from this one's due time, not from the late tick.
        due = start + timedelta(days=1, hours=2)
        assert (nxt.status, nxt.scheduled_for, nxt.attempts) == ("pending", due, 0)
        assert nxt.result == {"wait": {"mode": "duration", "due": due.isoformat()}}
        assert nxt.idempotency_key == f"{run_id}:{second.id}"
        assert (nxt.action_type, nxt.workflow_action_id) == ("wait", second.id)
        assert nxt.created_at == clock.now()
        run = _run(rt, run_id)
        assert (run.status, run.current_action_id, run.finished_at) == ("waiting", second.id, None)
    clock.advance(timedelta(hours=2))
    assert run_due(rt.uows).completed == 6  # the second waits, then the emails
    assert sorted(r.payload["subject"] for r in outbox_rows(rt)) == ["Hi P0", "Hi P1", "Hi P2"]
    for run_id in runs:
        _first, _second, sent = _steps(rt, run_id)
        assert sent.scheduled_for == start + timedelta(days=1, hours=2)  # the wait's due time
        assert _run(rt, run_id).status == "completed"


def test_a_wait_at_the_end_completes_the_run(any_runtime, clock) -> None:
    rt = any_runtime
    _t, _p, [run_id] = _enrolled(rt, Node("wait", DAY), 1)
    clock.advance(timedelta(days=1))
    assert run_due(rt.uows).completed == 1
    run = _run(rt, run_id)
    assert (run.status, run.current_action_id, run.finished_at) == (
        "completed", None, clock.now()
    )  # fmt: skip


def test_paused_and_finished_runs_do_not_resume(any_runtime, clock) -> None:
    rt = any_runtime
    t, _p, (paused, cancelled, _going) = _enrolled(
        rt, chain(Node("wait", DAY), Node("send_email", {"subject": "Later", "body": "."})), 3
    )
    due = clock.now() + timedelta(days=1)
    # Status changes that reached the run but not its waiting step (a pause or a cancel
    # racing the pick, or written by an older build).
    _set(rt, Run, paused, status="paused")
    _set(rt, Run, cancelled, status="cancelled")
    clock.advance(timedelta(days=2))
    summary = run_due(rt.uows)
    assert summary.as_dict() == {"claimed": 4, "lost": 0, "cancelled": 1, "completed": 2,
                                 "parked": 1}  # fmt: skip
    [parked] = _steps(rt, paused)
    assert (parked.status, parked.scheduled_for) == ("pending", None)
    assert parked.result["paused_due"] == due.isoformat()
    [dropped] = _steps(rt, cancelled)
    assert (dropped.status, dropped.completed_at) == ("cancelled", clock.now())
    assert dropped.result["cancelled"] == "execution cancelled"
    assert [r.payload["subject"] for r in outbox_rows(rt)] == ["Later"]
    assert _run(rt, paused).status == "paused"
    assert control.resume_execution(rt.uows, t.owner, t.sub_account_id, paused) == "running"
    assert run_due(rt.uows).completed == 2
    assert len(outbox_rows(rt)) == 2
    assert _steps(rt, paused)[0].result["ended_by"] == "time"


def test_a_step_missing_from_its_version_fails_only_its_run(any_runtime, clock) -> None:
    rt = any_runtime
    _t, _p, (broken, fine) = _enrolled(rt, chain(Node("wait", DAY), Node("end")), 2)
    [step] = _steps(rt, broken)
    _set(rt, Step, step.id, workflow_action_id="gone")
    clock.advance(timedelta(days=1))
    summary = run_due(rt.uows)
    assert (summary.outcomes["failed"], summary.completed) == (1, 2)  # the wait + the end
    [failed] = _steps(rt, broken)
    assert (failed.status, failed.error) == ("failed", "action gone is not in version 1")
    run = _run(rt, broken)
    assert (run.status, run.error, run.finished_at) == ("failed", failed.error, clock.now())
    assert _run(rt, fine).status == "completed"


def test_a_claim_left_by_an_older_build_is_taken_over_after_the_lease(any_runtime, clock) -> None:
    rt = any_runtime
    _t, _p, [run_id] = _enrolled(rt, chain(Node("wait", DAY), Node("end")), 1)
    clock.advance(timedelta(days=1))
    [step] = _steps(rt, run_id)
    _set(rt, Step, step.id, status="running", started_at=clock.now(), attempts=1)
    assert run_due(rt.uows).claimed == 0  # its process may still be alive
    clock.advance(LEASE + timedelta(seconds=1))
    assert run_due(rt.uows).completed == 2
    assert [(s.status, s.attempts) for s in _steps(rt, run_id)] == [
        ("completed", 2), ("completed", 1)
    ]  # fmt: skip


# -- other processes ---------------------------------------------------------------------------
def _worker(rt: Runtime, now: Any, *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    url = "-" if rt.database.is_sqlite else rt.database.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.workflow_worker", str(rt.data_dir), url,
         now.isoformat(), "15"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _every_step_once(rt: Runtime, steps: int, sent: int) -> None:
    assert len(outbox_rows(rt)) == sent
    with rt.uows.system(read_only=True) as uow:
        assert set(uow.session.scalars(select(Step.attempts))) == {1}
        keys = uow.session.scalar(select(func.count(func.distinct(Step.idempotency_key))))
        assert keys == uow.session.scalar(select(func.count(Step.id))) == steps


def test_a_process_killed_mid_batch_leaves_the_waits_due(runtime, clock, tmp_path) -> None:
    _t, _p, runs = _enrolled(
        runtime, chain(Node("wait", DAY), Node("send_email", {"subject": "S", "body": "."})), 4
    )
    clock.advance(timedelta(days=1))
    marker = tmp_path / "paused"
    child = _worker(runtime, clock.now(), env={PAUSE_ENV: f"waits_ended:{marker}"})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the worker never reached the crash point"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)  # the waits were written, not committed
    finally:
        child.wait(30)
    assert all(_steps(runtime, r)[0].status == "pending" for r in runs)
    assert run_due(runtime.uows).completed == 8  # at once: there was no lease to expire
    _every_step_once(runtime, 8, 4)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_two_processes_end_each_wait_once(backend, tmp_path) -> None:
    clock = FixedClock()
    rt = runtime_on(backend, tmp_path / "data", clock)
    try:
        email = Node("send_email", {"subject": "After", "body": "."})
        _enrolled(rt, chain(Node("wait", DAY), Node("wait", DAY), email), 60)
        clock.advance(timedelta(days=2))  # both waits due: the second counts from the first
        workers = [_worker(rt, clock.now()) for _ in range(2)]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        assert sum(r["claimed"] for r in results) == 180, results
        assert sum(r.get("parked", 0) + r.get("cancelled", 0) for r in results) == 0
        _every_step_once(rt, 180, 60)
    finally:
        rt.close()
