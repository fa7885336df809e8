"""Inbox commands of the CLI: output, --json keys, errors and the tenant boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.contacts import update_contact
from tests.conftest import TEST_PASSWORD
from tests.integration.test_cli_platform import Cli, Installed, _init
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


@pytest.fixture
def world(cli: Cli, tmp_path: Path) -> tuple[Installed, str]:
    ids = _init(cli)
    a = cli("sub-accounts", "create", "--name", "Location A", "--json").json()
    b = cli("sub-accounts", "create", "--name", "Location B", "--json").json()
    file = tmp_path / "ann.csv"
    file.write_text("First Name,Email,Phone\r\nAnn,ann@example.com,+14155550100\r\n")
    cli("contacts", "import", str(file), "--sub-account", a["id"], "--json").json()
    ann = cli("contacts", "list", "--sub-account", a["id"], "--json").json()[0]["id"]
    return Installed(ids["agency_id"], a["id"], b["id"]), ann


def test_send_then_list_conversations_and_messages(cli: Cli, world) -> None:
    inst, ann = world
    body = "Your appointment is tomorrow"
    sent = cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
               "--channel", "sms", "--body", body, "--json").json()  # fmt: skip
    assert set(sent) == {"message_id", "status"}
    assert sent["status"] == "queued"
    plain = cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
                "--channel", "email", "--subject", "Hi", "--body", "See you")  # fmt: skip
    assert plain.code == 0
    assert plain.out.startswith("queued message ")
    rows = cli("conversations", "list", "--sub-account", inst.sub_a, "--json").json()
    assert {r["channel"] for r in rows} == {"sms", "email"}
    assert set(rows[0]) == {"id", "contact_id", "contact_name", "channel", "status",
                            "assigned_user_id", "unread_count", "is_starred",
                            "last_message_at", "preview"}  # fmt: skip
    assert cli("conversations", "list", "--sub-account", inst.sub_a, "--status", "resolved",
               "--json").json() == []  # fmt: skip
    sms = next(r for r in rows if r["channel"] == "sms")
    messages = cli("messages", "list", "--conversation", sms["id"], "--json").json()
    assert [(m["direction"], m["status"], m["body"]) for m in messages] == [
        ("outbound", "queued", body)
    ]
    table = cli("conversations", "list", "--sub-account", inst.sub_a)
    assert table.out.splitlines()[0].split()[:4] == ["ID", "CONTACT", "CHANNEL", "STATUS"]


def test_errors_are_clear(cli: Cli, world) -> None:
    inst, ann = world
    runtime = build_runtime(cli.data_dir)
    try:
        update_contact(runtime.uows, SYSTEM, inst.sub_a, ann, {"dnd_sms": True})
    finally:
        runtime.close()
    refused = cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
                  "--channel", "sms", "--body", "hi")  # fmt: skip
    assert refused.code == 1
    assert "Do Not Disturb" in refused.err
    no_subject = cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
                     "--channel", "email", "--body", "hi")  # fmt: skip
    assert (no_subject.code, no_subject.err.strip()) == (
        1, "error: subject: an email needs a subject",
    )  # fmt: skip
    assert cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
               "--channel", "fax", "--body", "x").code == 2  # fmt: skip


def test_tenant_boundary(cli: Cli, world) -> None:
    inst, ann = world
    b = inst.sub_b
    sent = cli("messages", "send", "--sub-account", inst.sub_a, "--contact", ann,
               "--channel", "sandbox", "--body", "hello", "--json").json()  # fmt: skip
    assert sent["status"] == "queued"
    conv = cli("conversations", "list", "--sub-account", inst.sub_a, "--json").json()[0]["id"]
    # Another sub-account's contact and conversation answer like ids that do not exist.
    wrong = cli("messages", "send", "--sub-account", b, "--contact", ann, "--channel", "sms",
                "--body", "x")  # fmt: skip
    assert (wrong.code, wrong.err.strip()) == (1, f"error: contact not found: {ann}")
    other = cli("messages", "list", "--conversation", conv, "--sub-account", b)
    assert (other.code, other.err.strip()) == (1, f"error: conversation not found: {conv}")
    assert cli("conversations", "list", "--sub-account", b, "--json").json() == []
    cli(
        "users", "create", "--email", "staff@acme-agency.com", "--password-stdin", "--role",
        "staff", "--sub-account", b, "--json", stdin=TEST_PASSWORD + "\n",
    ).json()  # fmt: skip
    staff = {"as_user": "staff@acme-agency.com", "password": TEST_PASSWORD}
    a = inst.sub_a
    for args in (
        ("conversations", "list", "--sub-account", a),
        ("messages", "send", "--sub-account", a, "--contact", ann, "--channel", "sms",
         "--body", "x"),
    ):  # fmt: skip
        result = cli(*args, **staff)
        assert (result.code, result.err.strip()) == (1, f"error: sub-account not found: {a}")
    hidden = cli("messages", "list", "--conversation", conv, **staff)
    assert (hidden.code, hidden.err.strip()) == (1, f"error: conversation not found: {conv}")
    assert cli("conversations", "list", "--sub-account", b, "--json", **staff).json() == []
