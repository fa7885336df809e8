"""Pipeline commands of the CLI: --json keys, moves by opportunity id alone, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.models.pipelines import StageKind
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.pipelines.structure import StageInput, create_pipeline
from tests.conftest import TEST_PASSWORD
from tests.integration.test_cli_platform import Cli, _init
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

ROW_KEYS = {
    "id", "name", "pipeline_id", "stage_id", "stage_name", "contact_id", "contact_name",
    "value_minor", "currency", "owner_user_id", "owner_name", "source", "status", "lost_reason",
    "custom_fields", "follow_up_task_id", "stage_entered_at", "closed_at", "created_at",
    "updated_at",
}  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


def test_list_create_move_status_get_and_analytics(cli: Cli, tmp_path: Path) -> None:
    _init(cli)
    sub = cli("sub-accounts", "create", "--name", "Location A", "--json").json()["id"]
    other = cli("sub-accounts", "create", "--name", "Location B", "--json").json()["id"]
    people = tmp_path / "people.csv"
    people.write_text("First Name,Email\nAda,ada@example.com\n", encoding="utf-8")
    cli("contacts", "import", str(people), "--sub-account", sub, "--json")
    contact = cli("contacts", "list", "--sub-account", sub, "--json").json()[0]["id"]
    runtime = build_runtime(cli.data_dir, None)
    try:
        create_pipeline(runtime.uows, SYSTEM, sub, "Sales", [
            StageInput("New", 10), StageInput("Won", 100, StageKind.WON),
            StageInput("Lost", 0, StageKind.LOST),
        ])  # fmt: skip
    finally:
        runtime.close()
    pipelines = cli("pipelines", "list", "--sub-account", sub, "--json").json()
    stages = {s["name"]: s["id"] for s in pipelines[0]["stages"]}
    assert pipelines[0]["is_default"] is True
    created = cli(
        "opportunities", "create", "--sub-account", sub, "--contact", contact, "--name", "Deal",
        "--value", "1,234.50", "--json",
    ).json()  # fmt: skip
    assert set(created) == ROW_KEYS
    assert (created["value_minor"], created["stage_name"]) == (123_450, "New")
    listed = cli("opportunities", "list", "--sub-account", sub, "--json").json()
    assert [o["id"] for o in listed] == [created["id"]]
    moved = cli("opportunities", "move", created["id"], "--stage", stages["Won"], "--json").json()
    assert (moved["status"], moved["stage_name"]) == ("won", "Won")
    table = cli("opportunities", "list", "--sub-account", sub, "--pipeline", pipelines[0]["id"])
    assert "Deal" in table.out
    assert "$1,234.50" in table.out
    got = cli("opportunities", "get", created["id"], "--json").json()
    assert [h["to_stage_name"] for h in got["history"]] == ["New", "Won"]
    lost = cli("opportunities", "status", created["id"], "--status", "lost", "--lost-reason",
               "Price", "--json").json()  # fmt: skip
    assert (lost["status"], lost["lost_reason"]) == ("lost", "Price")
    stats = cli("pipelines", "analytics", "--sub-account", sub, "--json").json()
    assert (stats["won_count"], stats["lost_count"]) == (0, 1)
    assert stats["stages"][1]["count"] == 1
    # Another sub-account's id answers like a missing one; bad input names the field.
    missing = cli("opportunities", "move", created["id"], "--stage", stages["New"],
                  "--sub-account", other)  # fmt: skip
    assert missing.code == 1
    assert "not found" in missing.err
    bad = cli("opportunities", "create", "--sub-account", sub, "--contact", contact,
              "--name", "X", "--value", "abc")  # fmt: skip
    assert bad.code == 1
    assert "value" in bad.err
    assert json.loads(cli("opportunities", "list", "--sub-account", other, "--json").out) == []
    # A user of the other sub-account only, given the id alone: "opportunity not found",
    # without naming the sub-account it lives in.
    cli("users", "create", "--email", "b@acme.example", "--password-stdin", "--role", "staff",
        "--sub-account", other, stdin=TEST_PASSWORD + "\n")  # fmt: skip
    stranger = cli("opportunities", "move", created["id"], "--stage", stages["New"],
                   as_user="b@acme.example", password=TEST_PASSWORD)  # fmt: skip
    assert stranger.code == 1
    assert f"opportunity not found: {created['id']}" in stranger.err
    assert sub not in stranger.err
