"""``outbox list/retry/cancel/dispatch`` and ``scheduler run --once / status`` end to end."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.cli import main
from ghl_desktop.scheduler.jobs import default_jobs
from ghl_desktop.services.outbox import enqueue
from tests.conftest import Tenant


@pytest.fixture(autouse=True)
def _file_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")


def cli(rt: Runtime, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(rt.data_dir), *args])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


def _queue(rt: Runtime, tenant: Tenant, key: str, payload: dict[str, Any]) -> str:
    with rt.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        row_id = enqueue(uow, channel="email", payload=payload, idempotency_key=key)
        uow.commit()
    return row_id


def test_outbox_commands(
    runtime: Runtime, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = tenant.sub_account_id
    good = _queue(runtime, tenant, "good", {"to": "ann@example.com", "subject": "Hi", "body": "B"})
    bad = _queue(runtime, tenant, "bad", {"subject": "No recipient", "body": "B"})
    code, summary, _ = cli(runtime, capsys, "outbox", "dispatch", "--json")
    assert code == 0
    assert summary == {"claimed": 2, "sent": 1, "failed": 0, "dead": 1, "deferred": 0}

    code, sandbox, _ = cli(runtime, capsys, "outbox", "list", "--sub-account", sub, "--sandbox",
                           "--json")  # fmt: skip
    assert [(m["id"], m["recipient"], m["subject"]) for m in sandbox] == [
        (good, "ann@example.com", "Hi")
    ]
    code, dead, _ = cli(runtime, capsys, "outbox", "list", "--sub-account", sub, "--status",
                        "dead", "--json")  # fmt: skip
    assert [m["id"] for m in dead] == [bad]
    assert dead[0]["last_error"] == "payload.to: a recipient is required"

    code, retried, _ = cli(runtime, capsys, "outbox", "retry", bad, "--json")
    assert (code, retried["status"], retried["attempts"]) == (0, "queued", 0)
    code, out, _ = cli(runtime, capsys, "outbox", "cancel", bad)
    assert (code, out.strip()) == (0, f"{bad}: cancelled")
    code, _, err = cli(runtime, capsys, "outbox", "cancel", bad)
    assert code == 1
    assert "a cancelled message cannot be cancelled" in err
    code, _, err = cli(runtime, capsys, "outbox", "list", "--sub-account", sub, "--status", "x")
    assert code == 1
    assert err.startswith("error: status: must be one of")
    code, _, err = cli(runtime, capsys, "outbox", "retry", "nope")
    assert (code, err.strip()) == (1, "error: outbox message not found: nope")
    code, table, _ = cli(runtime, capsys, "outbox", "list", "--sub-account", sub)
    assert "ann@example.com" in table
    assert "cancelled" in table


def test_scheduler_once_and_status(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(runtime, capsys, "scheduler", "status")
    assert "Lease holder: none" in out
    code, out, _ = cli(runtime, capsys, "scheduler", "run", "--once")
    every = [spec.id for spec in default_jobs()]
    assert (code, out.strip()) == (0, f"Ran {', '.join(every)}.")
    code, status, _ = cli(runtime, capsys, "scheduler", "status", "--json")
    assert code == 0
    assert status["holder"] is None  # a clean stop gives the lease back
    jobs = {j["job_id"]: j for j in status["jobs"]}
    assert set(jobs) == set(every)
    for mine in ("events.redispatch", "outbox.dispatch", "maintenance"):
        assert (jobs[mine]["run_count"], jobs[mine]["last_error"]) == (1, None)
