"""Crashes, restarts, a week offline and two processes: every step runs once, every send is
queued once.

* SIGKILL after the send was handed to the outbox but before the step was marked done: the
  enqueue and the completion share one transaction, so the kill leaves neither; after the
  lease expires the step runs again - one email in the outbox, and the run goes on.
* A restart across a wait's due time runs the step once.
* The app closed for 7 days: each due step runs once, waits count from their due time, and a
  bounded ``max_steps`` spreads the backlog over ticks.
* Two processes on one database (SQLite file and PostgreSQL): each step once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.models.workflows import WorkflowActionExecution
from ghl_desktop.services import contacts
from ghl_desktop.services.workflows.engine import control, run_due
from ghl_desktop.services.workflows.engine.executor import LEASE
from ghl_desktop.services.workflows.engine.queries import contact_executions
from ghl_desktop.services.workflows.engine.steps import PAUSE_ENV
from tests.conftest import _runtime, make_tenant, runtime_on
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish

ROOT = Path(__file__).resolve().parents[2]


def _worker(rt: Runtime, now, *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    url = "-" if rt.database.is_sqlite else rt.database.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.workflow_worker", str(rt.data_dir), url,
         now.isoformat(), "20"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _people(rt: Runtime, t, n: int) -> list[str]:
    return [
        contacts.create_contact(rt.uows, t.owner, t.sub_account_id,
                                {"first_name": f"P{i}", "email": f"p{i}@example.com"}).id
        for i in range(n)
    ]  # fmt: skip


def _attempts(rt: Runtime) -> list[int]:
    with rt.uows.system(read_only=True) as uow:
        return list(uow.session.scalars(select(WorkflowActionExecution.attempts)))


def test_sigkill_between_enqueue_and_completion_sends_once(runtime, clock, tmp_path) -> None:
    t = make_tenant(runtime)
    d = publish(runtime, t.sub_account_id, "Welcome", chain(
        Node("send_email", {"subject": "Hello {{contact.first_name}}", "body": "Hi"}),
        Node("add_tag", {"tag": "Greeted"})), [("manual", {})])  # fmt: skip
    [ann] = _people(runtime, t, 1)
    control.enrol_contacts(runtime.uows, t.owner, t.sub_account_id, d.workflow_id, [ann])
    marker = tmp_path / "paused"
    child = _worker(runtime, clock.now(), env={PAUSE_ENV: f"step_effects_done:{marker}"})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the worker never reached the crash point"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    assert outbox_rows(runtime) == []  # the send died with its transaction
    # Restart: before the lease runs out the step stays claimed by the dead process...
    assert run_due(runtime.uows).claimed == 0
    clock.advance(LEASE + timedelta(seconds=1))
    run_due(runtime.uows)
    sent = outbox_rows(runtime)
    assert [r.payload["subject"] for r in sent] == ["Hello P0"]
    [run] = contact_executions(runtime.uows, t.owner, t.sub_account_id, ann)
    assert run.summary.status == "completed"
    assert [(s.action_type, s.attempts) for s in run.steps] == [("send_email", 2), ("add_tag", 1)]
    assert run_due(runtime.uows).claimed == 0
    assert len(outbox_rows(runtime)) == 1


def test_restart_across_a_wait_runs_the_step_once(tmp_path, clock) -> None:
    from tests.conftest import fresh_sqlite_data_dir

    data = fresh_sqlite_data_dir(tmp_path / "data")
    first = _runtime(data, None, clock)
    t = make_tenant(first)
    d = publish(first, t.sub_account_id, "Later", chain(
        Node("wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
        Node("send_email", {"subject": "Later", "body": "Hi"})), [("manual", {})])  # fmt: skip
    people = _people(first, t, 3)
    control.enrol_contacts(first.uows, t.owner, t.sub_account_id, d.workflow_id, people)
    run_due(first.uows)
    first.close()
    clock.advance(timedelta(hours=2))
    for _ in range(2):  # two restarts after the due time
        again = _runtime(data, None, clock)
        run_due(again.uows)
        again.close()
    final = _runtime(data, None, clock)
    try:
        assert len(outbox_rows(final)) == 3
        assert _attempts(final) == [1] * 6
    finally:
        final.close()


def test_a_week_closed_runs_each_due_step_once_without_a_storm(runtime, clock) -> None:
    t = make_tenant(runtime)
    d = publish(runtime, t.sub_account_id, "Drip", chain(
        Node("send_email", {"subject": "Day 0", "body": "."}),
        Node("wait", {"mode": "duration", "amount": 1, "unit": "days"}),
        Node("send_email", {"subject": "Day 1", "body": "."}),
        Node("wait", {"mode": "duration", "amount": 2, "unit": "days"}),
        Node("add_tag", {"tag": "Dripped"})), [("manual", {})])  # fmt: skip
    people = _people(runtime, t, 20)
    start = clock.now()
    control.enrol_contacts(runtime.uows, t.owner, t.sub_account_id, d.workflow_id, people)
    run_due(runtime.uows)
    assert len(outbox_rows(runtime)) == 20
    clock.advance(timedelta(days=7))  # the app was closed for a week
    first_tick = run_due(runtime.uows, max_steps=40)
    assert first_tick.claimed == 40  # bounded: the rest waits for the next tick
    ticks = 1
    while run_due(runtime.uows, max_steps=40).claimed:
        ticks += 1
    assert ticks == 2  # 4 more steps per contact: 80 steps in two bounded ticks
    assert (
        sorted(r.payload["subject"] for r in outbox_rows(runtime))
        == ["Day 0"] * 20 + ["Day 1"] * 20
    )
    assert set(_attempts(runtime)) == {1}
    run = contact_executions(runtime.uows, t.owner, t.sub_account_id, people[0])[0]
    waits = [s for s in run.steps if s.action_type == "wait"]
    # Waits count from the due time of the step before them, not from the late tick.
    assert [w.scheduled_for for w in waits] == [
        start + timedelta(days=1),
        start + timedelta(days=3),
    ]
    assert run.summary.status == "completed"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_two_processes_run_each_step_once(backend, tmp_path) -> None:
    clock = FixedClock()
    rt = runtime_on(backend, tmp_path / "data", clock)
    try:
        t = make_tenant(rt)
        d = publish(rt, t.sub_account_id, "Pair", chain(
            Node("send_email", {"subject": "One", "body": "."}),
            Node("add_tag", {"tag": "Two"}),
            Node("send_email", {"subject": "Three", "body": "."})), [("manual", {})])  # fmt: skip
        people = _people(rt, t, 60)
        # The tag exists: two first-time creations racing on PostgreSQL would make one step
        # retry a minute later (correct, but slower than this test waits).
        from ghl_desktop.services import tags

        tags.create_tag(rt.uows, t.owner, t.sub_account_id, "Two")
        control.enrol_contacts(rt.uows, t.owner, t.sub_account_id, d.workflow_id, people)
        workers = [_worker(rt, clock.now()) for _ in range(2)]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        assert sum(r["claimed"] for r in results) == 180, results
        assert sum(r["lost"] for r in results) == 0
        assert len(outbox_rows(rt)) == 120
        assert set(_attempts(rt)) == {1}
        with rt.uows.system(read_only=True) as uow:
            keys = uow.session.scalar(
                select(func.count(func.distinct(WorkflowActionExecution.idempotency_key)))
            )
        assert keys == 180
    finally:
        rt.close()
