"""Workflow step throughput and wait resumption on SQLite, each beside a raw-SQL baseline
measured in the same run.

1. **Steps per second**: 10,000 contacts enrolled in a 5-step workflow (send email ->
   if/else on a custom field -> outbound webhook -> send SMS -> end; every contact takes 5
   steps whichever branch) and ``run_due`` run until nothing is due. Baseline: a hand-written
   loop on a plain sqlean connection over a copy of the same database doing the same reads
   and writes per step (claim the batch; read the step, its execution and contact; queue the
   outbox row; complete the step; insert the next one; move the execution; commit per batch
   of 500). Target: >= 1,000 steps/s.
2. **100,000 runs parked in a wait** (1,000 contacts x 100 runs; wait 1 day -> wait 1 day)
   all falling due at one instant: the time ``run_due`` takes from the due time until every
   wait has ended and its next step is scheduled. Baseline: the same three set-wise
   statements written by hand. Target: within 5 s of the due time.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlean

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.workflows import WorkflowStatus
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.workflows.definition import (
    ActionDef,
    ReentryPolicy,
    TriggerDef,
    WorkflowDefinition,
)
from ghl_desktop.services.workflows.engine import control, run_due

CONTACTS = int(__import__("os").environ.get("BENCH_WF_CONTACTS", "10000"))
STEPS_PER_CONTACT = 5
WAIT_CONTACTS, WAIT_RUNS_EACH = (
    int(__import__("os").environ.get("BENCH_WF_WAIT_CONTACTS", "1000")),
    100,
)
TARGET_STEPS = 1_000.0
TARGET_RESUME_S = 5.0
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BATCH = 500


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _setup(folder: Path) -> tuple[Runtime, Actor, str, FixedClock]:
    clock = FixedClock(NOW)
    rt = build_runtime(folder / "data", clock=clock,
                       secrets=EncryptedFileSecretStore(folder / "secrets.enc"))  # fmt: skip
    inst = agencies.init_installation(rt.uows, "Bench", "owner@bench.example", "bench-pass-123")
    owner = Actor(user_id=inst.owner_user_id, label="owner")
    sub = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Bench A").id
    return rt, owner, sub, clock


def _contacts(rt: Runtime, sub: str, count: int) -> list[str]:
    ids = [new_id() for _ in range(count)]
    with rt.database.writer.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO contacts (id, sub_account_id, first_name, last_name, email, phone,"
            " company, address1, city, state, postal_code, source, lifecycle_stage, lead_score,"
            " dnd_sms, dnd_email, dnd_whatsapp, dnd_calls, custom_fields, created_at, updated_at)"
            " VALUES (?, ?, ?, '', ?, ?, '', '', '', '', '', 'bench', 'lead', 0, 0, 0, 0, 0, ?,"
            " ?, ?)",
            [(cid, sub, f"P{i}", f"p{i}@bench.example", f"+1415{i:07d}",
              json.dumps({"plan": "pro" if i % 2 else "free"}), _ts(NOW), _ts(NOW))
             for i, cid in enumerate(ids)],
        )  # fmt: skip
    return ids


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy (WAL included) for the baseline to work on."""
    src, dst = sqlean.connect(str(source)), sqlean.connect(str(target))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _publish(rt: Runtime, sub: str, actions: list[ActionDef], name: str) -> str:
    from ghl_desktop.models.workflows import Workflow, WorkflowVersion
    from ghl_desktop.services.actor import SYSTEM

    workflow_id = new_id()
    definition = WorkflowDefinition(
        workflow_id, 1, name, (TriggerDef(new_id(), "manual"),), tuple(actions),
        ReentryPolicy(allow_reentry=True, max_enrolments=1000, window_minutes=1),
    )  # fmt: skip
    with rt.uows.tenant(SYSTEM, sub) as uow:
        uow.session.add(Workflow(id=workflow_id, name=name, status=WorkflowStatus.PUBLISHED,
                                 version=1, published_version=1, allow_reentry=True,
                                 max_enrolments=1000, enrolment_window_minutes=1))  # fmt: skip
        uow.flush()
        uow.session.add(
            WorkflowVersion(workflow_id=workflow_id, version=1, definition=definition.to_json(),
                            published_at=NOW)
        )  # fmt: skip
        uow.commit()
    return workflow_id


def five_steps() -> list[ActionDef]:
    email = ActionDef(
        "a-email",
        None,
        None,
        "send_email",
        "Welcome",
        {"subject": "Hi {{contact.first_name}}", "body": "Welcome aboard"},
        0,
    )
    branch = ActionDef(
        "a-if",
        "a-email",
        None,
        "if_else",
        "Pro?",
        {"conditions": [{"field": "custom_fields.plan", "operator": "equals", "value": "pro"}]},
        0,
    )
    actions = [email, branch]
    for label in ("yes", "no"):
        hook = ActionDef(
            f"a-hook-{label}",
            "a-if",
            label,
            "webhook",
            "Notify CRM",
            {"url": "https://hooks.example.com/in", "body": ""},
            0,
        )
        sms = ActionDef(
            f"a-sms-{label}",
            hook.id,
            None,
            "send_sms",
            "Text",
            {"body": "Thanks {{contact.first_name}}"},
            0,
        )
        end = ActionDef(f"a-end-{label}", sms.id, None, "end", "End", {}, 0)
        actions += [hook, sms, end]
    return actions  # fmt: skip


# -- 1. steps per second ------------------------------------------------------------------------
NEXT = {"a-email": None, "a-hook-yes": "a-sms-yes", "a-hook-no": "a-sms-no",
        "a-sms-yes": "a-end-yes", "a-sms-no": "a-end-no"}  # fmt: skip


def raw_loop(db_path: Path) -> int:
    """The same reads and writes as the executor, by hand: no ORM, no tenant scope."""
    db = sqlean.connect(str(db_path), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    done = 0
    now = _ts(NOW)
    while True:
        db.execute("BEGIN IMMEDIATE")
        ids = [r[0] for r in db.execute(
            "SELECT id FROM workflow_action_executions WHERE status = 'pending' AND"
            " scheduled_for <= ? ORDER BY scheduled_for, id LIMIT ?", (now, BATCH))]  # fmt: skip
        if not ids:
            db.execute("COMMIT")
            break
        marks = ",".join("?" * len(ids))
        db.execute(f"UPDATE workflow_action_executions SET status = 'running', started_at = ?,"
                   f" attempts = attempts + 1 WHERE id IN ({marks})", (now, *ids))  # fmt: skip
        db.execute("COMMIT")
        db.execute("BEGIN IMMEDIATE")
        for step_id in ids:
            _raw_step(db, step_id, now)
            done += 1
        db.execute("COMMIT")
    db.close()
    return done


def _raw_step(db: Any, step_id: str, now: str) -> None:
    sid, run_id, action, scheduled, sub = db.execute(
        "SELECT id, workflow_execution_id, workflow_action_id, scheduled_for, sub_account_id"
        " FROM workflow_action_executions WHERE id = ?", (step_id,)).fetchone()  # fmt: skip
    contact_id, _context = db.execute(
        "SELECT contact_id, context FROM workflow_executions WHERE id = ?", (run_id,)
    ).fetchone()
    first, email, phone, custom = db.execute(
        "SELECT first_name, email, phone, custom_fields FROM contacts WHERE id = ?", (contact_id,)
    ).fetchone()
    result: dict[str, Any] = {}
    following = NEXT.get(action)
    key = f"wf:{run_id}:{action}"
    if action == "a-email":
        message = {"to": email, "subject": f"Hi {first}", "body": "Welcome aboard"}
        _raw_outbox(db, sub, "email", message, key, contact_id, sid, now)
        following = "a-if"
    elif action == "a-if":
        yes = json.loads(custom).get("plan") == "pro"
        result = {"branch": "yes" if yes else "no"}
        following = "a-hook-yes" if yes else "a-hook-no"
    elif action.startswith("a-hook"):
        _raw_outbox(db, sub, "webhook", {"url": "https://hooks.example.com/in",
                                         "body": {"contact": contact_id}}, key, contact_id, sid,
                    now)  # fmt: skip
    elif action.startswith("a-sms"):
        _raw_outbox(db, sub, "sms", {"to": phone, "body": f"Thanks {first}"}, key, contact_id,
                    sid, now)  # fmt: skip
    db.execute("UPDATE workflow_action_executions SET status = 'completed', completed_at = ?,"
               " result = ? WHERE id = ?", (now, json.dumps(result), sid))  # fmt: skip
    if following is None:
        db.execute("UPDATE workflow_executions SET status = 'completed', finished_at = ?,"
                   " current_action_id = NULL WHERE id = ?", (now, run_id))  # fmt: skip
        return
    db.execute(
        "INSERT INTO workflow_action_executions (id, sub_account_id, workflow_execution_id,"
        " workflow_action_id, action_type, status, scheduled_for, attempts, idempotency_key,"
        " result, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, '{}', ?, ?)",
        (new_id(), sub, run_id, following, "x", scheduled, f"{run_id}:{following}", now, now),
    )
    db.execute("UPDATE workflow_executions SET current_action_id = ?, updated_at = ? WHERE id = ?",
               (following, now, run_id))  # fmt: skip


def _raw_outbox(db: Any, sub: str, channel: str, payload: dict[str, Any], key: str,
                contact_id: str, source_ref: str, now: str) -> None:  # fmt: skip
    if db.execute("SELECT id FROM outbox_messages WHERE sub_account_id = ? AND"
                  " idempotency_key = ?", (sub, key)).fetchone():  # fmt: skip
        return
    db.execute(
        "INSERT INTO outbox_messages (id, sub_account_id, channel, status, payload,"
        " idempotency_key, attempts, max_attempts, next_attempt_at, provider_detail, contact_id,"
        " source, source_ref, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, 0, 8, ?,"
        " '{}', ?, 'workflow', ?, ?, ?)",
        (new_id(), sub, channel, json.dumps(payload), key, now, contact_id, source_ref, now, now),
    )


def bench_steps(folder: Path) -> tuple[float, float]:
    rt, owner, sub, _clock = _setup(folder)
    try:
        people = _contacts(rt, sub, CONTACTS)
        workflow_id = _publish(rt, sub, five_steps(), "Five steps")
        start = time.perf_counter()
        control.enrol_contacts(rt.uows, owner, sub, workflow_id, people)
        enrol_s = time.perf_counter() - start
        print(f"enrolment: {CONTACTS:,} contacts in {enrol_s:.2f} s "
              f"({CONTACTS / enrol_s:,.0f}/s, first steps scheduled)")  # fmt: skip
        copy = folder / "raw.db"
        _snapshot(folder / "data" / "ghl_desktop.db", copy)
        start = time.perf_counter()
        summary = run_due(rt.uows, batch_size=BATCH, max_steps=10**9)
        ours_s = time.perf_counter() - start
        expected = CONTACTS * STEPS_PER_CONTACT
        assert summary.completed == expected, summary.as_dict()
    finally:
        rt.close()
    start = time.perf_counter()
    raw_done = raw_loop(copy)
    raw_s = time.perf_counter() - start
    assert raw_done == expected, raw_done
    return expected / ours_s, expected / raw_s


# -- 2. 100,000 waits -----------------------------------------------------------------------------
def _park(rt: Runtime, sub: str, workflow_id: str, people: list[str], due: datetime) -> int:
    runs, steps = [], []
    for cid in people:
        for _ in range(WAIT_RUNS_EACH):
            run_id = new_id()
            runs.append((run_id, sub, workflow_id, cid, _ts(NOW)))
            steps.append((new_id(), sub, run_id, _ts(due), f"{run_id}:w1",
                          json.dumps({"wait": {"mode": "duration", "due": due.isoformat()}}),
                          _ts(NOW)))  # fmt: skip
    with rt.database.writer.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO workflow_executions (id, sub_account_id, workflow_id, workflow_version,"
            " contact_id, enrolled_via, chain_depth, status, current_action_id, context,"
            " started_at, created_at, updated_at) VALUES (?, ?, ?, 1, ?, 'manual', 0, 'waiting',"
            " 'w1', '{}', ?, ?, ?)", [(*r, r[4], r[4]) for r in runs])  # fmt: skip
        conn.exec_driver_sql(
            "INSERT INTO workflow_action_executions (id, sub_account_id, workflow_execution_id,"
            " workflow_action_id, action_type, status, scheduled_for, attempts, idempotency_key,"
            " result, created_at, updated_at) VALUES (?, ?, ?, 'w1', 'wait', 'pending', ?, 0, ?,"
            " ?, ?, ?)", [(*s, s[6]) for s in steps])  # fmt: skip
    return len(runs)


RAW_RESUME = [
    "UPDATE workflow_action_executions SET status = 'completed', completed_at = :now,"
    " updated_at = :now WHERE action_type = 'wait' AND status = 'pending'"
    " AND scheduled_for <= :now",
    "INSERT INTO workflow_action_executions (id, sub_account_id, workflow_execution_id,"
    " workflow_action_id, action_type, status, scheduled_for, attempts, idempotency_key, result,"
    " created_at, updated_at) SELECT lower(hex(randomblob(16))), sub_account_id,"
    " workflow_execution_id, 'w2', 'wait', 'pending', :later, 0, workflow_execution_id || ':w2',"
    " '{}', :now, :now FROM workflow_action_executions WHERE workflow_action_id = 'w1'",
    "UPDATE workflow_executions SET current_action_id = 'w2', updated_at = :now"
    " WHERE current_action_id = 'w1'",
]


def bench_waits(folder: Path) -> tuple[float, float, int]:
    rt, _owner, sub, clock = _setup(folder)
    due = NOW + timedelta(days=1)
    try:
        people = _contacts(rt, sub, WAIT_CONTACTS)
        actions = [ActionDef("w1", None, None, "wait", "Wait",
                             {"mode": "duration", "amount": 1, "unit": "days"}, 0),
                   ActionDef("w2", "w1", None, "wait", "Wait again",
                             {"mode": "duration", "amount": 1, "unit": "days"}, 0)]  # fmt: skip
        workflow_id = _publish(rt, sub, actions, "Parked")
        parked = _park(rt, sub, workflow_id, people, due)
        _snapshot(folder / "data" / "ghl_desktop.db", folder / "raw.db")
        clock.set(due)
        start = time.perf_counter()
        summary = run_due(rt.uows, max_steps=10**9)
        ours_s = time.perf_counter() - start
        assert summary.completed == parked, summary.as_dict()
    finally:
        rt.close()
    db = sqlean.connect(str(folder / "raw.db"), isolation_level=None)
    params = {"now": _ts(due), "later": _ts(due + timedelta(days=1))}
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for sql in RAW_RESUME:
        db.execute(sql, params)
    db.execute("COMMIT")
    raw_s = time.perf_counter() - start
    db.close()
    return ours_s, raw_s, parked


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ghl-bench-wf-") as tmp:
        ours, raw = bench_steps(Path(tmp) / "steps")
        print(f"steps/s, {STEPS_PER_CONTACT}-step workflow x {CONTACTS:,} contacts: "
              f"ours {ours:,.0f}/s   raw-SQL loop {raw:,.0f}/s   ratio {ours / raw:.2f}   "
              f"target >= {TARGET_STEPS:,.0f}/s: "
              f"{'met' if ours >= TARGET_STEPS else 'NOT met'}")  # fmt: skip
        ours_s, raw_s, parked = bench_waits(Path(tmp) / "waits")
        print(f"{parked:,} parked waits resumed after their due time: ours {ours_s:.2f} s   "
              f"raw SQL {raw_s:.2f} s   target <= {TARGET_RESUME_S:.0f} s: "
              f"{'met' if ours_s <= TARGET_RESUME_S else 'NOT met'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
