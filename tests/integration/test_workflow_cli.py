"""Workflow commands of the CLI: list, enroll, run-due, executions (with the path), pause /
resume / cancel, dry-run; --json keys; another sub-account's workflow or contact answers
"not found"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.clock import SystemClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from tests.integration.test_cli_platform import Cli, _init
from tests.integration.workflow_kit import Node, chain, outbox_rows, publish
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


@pytest.fixture
def world(cli: Cli, tmp_path: Path):
    _init(cli)
    a = cli("sub-accounts", "create", "--name", "Location A", "--json").json()["id"]
    b = cli("sub-accounts", "create", "--name", "Location B", "--json").json()["id"]
    rt = build_runtime(
        cli.data_dir, clock=SystemClock(),
        secrets=EncryptedFileSecretStore(tmp_path / "s" / "secrets.enc"),
    )  # fmt: skip
    try:
        from ghl_desktop.services import contacts
        from ghl_desktop.services.actor import SYSTEM

        ada = contacts.create_contact(
            rt.uows, SYSTEM, a, {"first_name": "Ada", "email": "ada@example.com"}
        ).id
        bob = contacts.create_contact(
            rt.uows, SYSTEM, b, {"first_name": "Bob", "email": "bob@example.com"}
        ).id
        root = chain(
            Node("send_email", {"subject": "Hi {{contact.first_name}}", "body": "Hello"}, "Hi"),
            Node("wait", {"mode": "duration", "amount": 2, "unit": "days"}, "Wait 2 days"),
            Node("add_tag", {"tag": "Nudged"}),  # unnamed: shown by its type's label
        )
        wf = publish(rt, a, "Nudge", root, [("manual", {})]).workflow_id
        other = publish(rt, b, "Elsewhere", Node("end"), [("manual", {})]).workflow_id
        yield {"a": a, "b": b, "ada": ada, "bob": bob, "wf": wf, "other": other, "rt": rt}
    finally:
        rt.close()


def test_list_enroll_run_due_and_history(cli: Cli, world) -> None:
    w = world
    listed = cli("workflows", "list", "--sub-account", w["a"], "--json").json()
    assert [(x["name"], x["status"], x["published_version"]) for x in listed] == [
        ("Nudge", "published", 1)
    ]
    assert set(listed[0]) == {"id", "name", "folder", "status", "published_version",
                              "live_executions", "total_executions"}  # fmt: skip
    enrolled = cli("workflows", "enroll", w["wf"], w["ada"], "--sub-account", w["a"],
                   "--json").json()  # fmt: skip
    assert enrolled["enrolled"] is True
    assert enrolled["execution_id"]
    again = cli("workflows", "enroll", w["wf"], w["ada"], "--sub-account", w["a"])
    assert again.code == 0  # a refusal is an answer, not an error
    assert again.out.splitlines()[1].split() == ["enrolled", "no"]
    ran = cli("workflows", "run-due", "--json").json()
    assert ran["completed"] == 1
    assert ran["claimed"] == 1
    # Every documented key is there even when nothing ended that way.
    assert {k: ran[k] for k in ("skipped", "failed", "retry", "parked", "cancelled", "lost")} == (
        dict.fromkeys(("skipped", "failed", "retry", "parked", "cancelled", "lost"), 0)
    )
    idle = cli("workflows", "run-due", "--json").json()
    assert set(idle) == {"date_reminder_enrolments", "claimed", "lost", "completed", "skipped",
                         "failed", "retry", "parked", "cancelled"}  # fmt: skip
    assert [r.payload["subject"] for r in outbox_rows(w["rt"])] == ["Hi Ada"]

    history = cli("workflows", "executions", "--contact", w["ada"], "--sub-account", w["a"],
                  "--json").json()  # fmt: skip
    assert len(history) == 1
    run = history[0]
    assert run["status"] == "waiting"
    assert len(run["path"]) == 2
    assert [s["action_type"] for s in run["steps"]] == ["send_email", "wait"]
    text = cli("workflows", "executions", "--contact", w["ada"], "--sub-account", w["a"]).out
    assert "Nudge" in text
    assert "Hi > Wait 2 days" in text

    paused = cli("workflows", "pause", run["id"], "--sub-account", w["a"], "--json").json()
    assert paused["status"] == "paused"
    assert cli("workflows", "resume", run["id"], "--sub-account", w["a"]).code == 0
    cancelled = cli("workflows", "cancel", run["id"], "--sub-account", w["a"], "--json").json()
    assert cancelled["status"] == "cancelled"
    log = cli("workflows", "executions", "--workflow", w["wf"], "--sub-account", w["a"],
              "--json").json()  # fmt: skip
    assert [r["status"] for r in log] == ["cancelled"]


def test_dry_run_prints_the_timeline_and_writes_nothing(cli: Cli, world) -> None:
    w = world
    out = cli("workflows", "dry-run", w["wf"], w["ada"], "--sub-account", w["a"], "--json").json()
    assert [e["action_type"] for e in out["entries"]] == ["send_email", "wait", "add_tag"]
    assert [e["name"] for e in out["entries"]] == ["Hi", "Wait 2 days", "Add tag"]
    assert out["entries"][0]["sends"][0]["subject"] == "Hi Ada"
    assert out["outcome"] == "completed"
    assert outbox_rows(w["rt"]) == []
    text = cli("workflows", "dry-run", w["wf"], w["ada"], "--sub-account", w["a"]).out
    assert "email to ada@example.com: Hi Ada" in text
    assert "outcome: completed" in text
    # The wait reads as a day and time, not an ISO timestamp.
    (wait,) = [e for e in out["entries"] if e["action_type"] == "wait"]
    assert re.fullmatch(r"waits until \w{3} \d{2} \w{3} \d{4} \d{2}:\d{2} UTC", wait["why"])


@pytest.mark.parametrize(
    "args",
    [
        ("workflows", "enroll", "{other}", "{ada}", "--sub-account", "{a}"),
        ("workflows", "enroll", "{wf}", "{bob}", "--sub-account", "{a}"),
        ("workflows", "executions", "--contact", "{bob}", "--sub-account", "{a}"),
        ("workflows", "executions", "--workflow", "{other}", "--sub-account", "{a}"),
        ("workflows", "dry-run", "{other}", "{ada}", "--sub-account", "{a}"),
        ("workflows", "cancel", "{wf}", "--sub-account", "{a}"),
    ],
)
def test_other_sub_account_answers_not_found(cli: Cli, world, args) -> None:
    argv = [a.format(**{k: v for k, v in world.items() if isinstance(v, str)}) for a in args]
    result = cli(*argv)
    assert result.code == 1
    assert "not found" in result.err


def test_run_due_as_a_user_needs_workflows_manage_agency_wide(cli: Cli, world) -> None:
    """run-due works on every sub-account: a Manager of one may not run them all."""
    from tests.conftest import TEST_PASSWORD
    from tests.integration.test_cli_platform import OWNER

    w = world
    cli("users", "create", "--email", "m@acme-agency.com", "--role", "manager", "--sub-account",
        w["a"], "--password-stdin", "--json", stdin=TEST_PASSWORD + "\n").json()  # fmt: skip
    refused = cli("workflows", "run-due", as_user="m@acme-agency.com", password=TEST_PASSWORD)
    assert (refused.code, refused.err.strip()) == (
        1, "error: permission denied: workflows.manage is required",
    )  # fmt: skip
    owner = cli("workflows", "run-due", "--json", as_user=OWNER, password=TEST_PASSWORD)
    assert owner.json()["claimed"] == 0
