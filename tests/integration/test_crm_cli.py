"""CRM commands of the CLI: output, --json keys, exit codes and the tenant boundary of every
command (another sub-account's contact or list answers exactly like a missing one)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.db_state import diff
from tests.integration.test_cli_platform import Cli, Installed, _init
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

CSV = (
    "First Name,Last Name,Email,Phone,Company Name,Tags\r\n"
    'Ada,Lovelace,ada@example.com,(415) 555-2671,"Engines, Ltd","VIP, Lead"\r\n'
    "Grace,Hopper,grace@example.com,,Navy,VIP\r\n"
    "Bad,Row,not-an-email,,,\r\n"
)
ROW_KEYS = {
    "id", "first_name", "last_name", "email", "phone", "company", "city", "source",
    "lifecycle_stage", "lead_score", "assigned_user_id", "created_at", "updated_at",
    "is_archived", "tags", "custom_fields",
}  # fmt: skip
VIP = json.dumps({"field": "tags", "operator": "has_any", "value": ["VIP"]})


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


@pytest.fixture
def world(cli: Cli, tmp_path: Path) -> tuple[Installed, dict[str, str]]:
    ids = _init(cli)
    a = cli("sub-accounts", "create", "--name", "Location A", "--json").json()
    b = cli("sub-accounts", "create", "--name", "Location B", "--json").json()
    file = tmp_path / "people.csv"
    file.write_text(CSV, encoding="utf-8-sig")
    cli("contacts", "import", str(file), "--sub-account", a["id"], "--json").json()
    rows = cli("contacts", "list", "--sub-account", a["id"], "--json").json()
    return Installed(ids["agency_id"], a["id"], b["id"]), {r["first_name"]: r["id"] for r in rows}


def test_import_prints_counts_and_every_rejected_row(cli: Cli, world, tmp_path: Path) -> None:
    inst, people = world
    file = tmp_path / "again.csv"
    file.write_text(CSV + "New,Person,new@example.com,,,\r\n", encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    result = cli("contacts", "import", str(file), "--sub-account", inst.sub_a, "--tag", "Fair",
                 "--rejected-out", str(rejected))  # fmt: skip
    assert result.code == 0
    summary, *skipped = result.out.strip().splitlines()
    assert summary == "created 1, updated 0, skipped 2, rejected 1 (of 4 rows)"
    assert skipped == [
        "row 2 skipped: already a contact with email ada@example.com and phone +14155552671"
        f" (contact {people['Ada']})",
        f"row 3 skipped: already a contact with email grace@example.com"
        f" (contact {people['Grace']})",
    ]
    assert result.err.startswith("row 4 column 'Email': is not a valid email address")
    assert list(csv.reader(rejected.open()))[1][:2] == ["4", "Email"]
    data = cli("contacts", "import", str(file), "--sub-account", inst.sub_a,
               "--update-existing", "--json").json()  # fmt: skip
    assert (data["created"], data["updated"], data["skipped"]) == (0, 3, 0)
    assert data["skipped_rows"] == []
    again = cli("contacts", "import", str(file), "--sub-account", inst.sub_a, "--json").json()
    assert again["skipped_rows"][0] == {
        "row": 2, "contact_id": people["Ada"],
        "reason": "already a contact with email ada@example.com and phone +14155552671",
    }  # fmt: skip
    assert data["rejected"] == [
        {"row": 4, "column": "Email", "value": "not-an-email",
         "reason": data["rejected"][0]["reason"]}
    ]  # fmt: skip
    missing = cli("contacts", "import", str(tmp_path / "nope.csv"), "--sub-account", inst.sub_a)
    assert missing.code == 1
    assert missing.err.startswith("error: file: cannot be read")


def test_list_search_get_and_tag(cli: Cli, world) -> None:
    inst, people = world
    rows = cli("contacts", "list", "--sub-account", inst.sub_a, "--limit", "1", "--json").json()
    assert len(rows) == 1
    assert set(rows[0]) == ROW_KEYS
    table = cli("contacts", "list", "--sub-account", inst.sub_a)
    assert table.out.splitlines()[0].split() == ["ID", "NAME", "EMAIL", "PHONE", "COMPANY", "TAGS"]
    found = cli("contacts", "search", "lovelace vip", "--sub-account", inst.sub_a, "--json").json()
    assert [r["id"] for r in found] == [people["Ada"]]
    ada = cli("contacts", "get", people["Ada"], "--sub-account", inst.sub_a, "--json").json()
    assert (ada["email"], ada["phone"], ada["company"]) == (
        "ada@example.com", "+14155552671", "Engines, Ltd",
    )  # fmt: skip
    assert sorted(t["name"] for t in ada["tags"]) == ["Lead", "VIP"]
    tagged = cli("contacts", "tag", "add", "--sub-account", inst.sub_a, "--tag", "Gold",
                 people["Ada"], people["Grace"], "--json").json()  # fmt: skip
    assert tagged == {"changed": 2, "contacts": 2, "tags": ["Gold"]}
    removed = cli("contacts", "tag", "remove", "--sub-account", inst.sub_a, "--tag", "Gold",
                  people["Ada"], "--json").json()  # fmt: skip
    assert removed["changed"] == 1


def test_smart_lists_create_list_count_and_export(cli: Cli, world, tmp_path: Path) -> None:
    inst, _people = world
    created = cli("smart-lists", "create", "--sub-account", inst.sub_a, "--name", "VIPs",
                  "--filter-json", VIP, "--shared", "--json").json()  # fmt: skip
    assert created["is_shared"] is True
    listed = cli("smart-lists", "list", "--sub-account", inst.sub_a, "--json").json()
    assert [(x["name"], x["count"]) for x in listed] == [("VIPs", 2)]
    by_id = cli("smart-lists", "count", "--sub-account", inst.sub_a, "--id", created["id"])
    assert by_id.out.strip() == "2"
    navy = '{"field": "company", "operator": "contains", "value": "navy"}'
    by_filter = cli(
        "smart-lists", "count", "--sub-account", inst.sub_a, "--filter-json", navy, "--json"
    )
    assert by_filter.json() == {"count": 1}
    bad = cli("smart-lists", "count", "--sub-account", inst.sub_a, "--filter-json", "{nope")
    assert (bad.code, bad.err.split(":")[:2]) == (1, ["error", " filter-json"])
    unknown = cli("smart-lists", "count", "--sub-account", inst.sub_a, "--filter-json",
                  '{"field": "shoe_size", "operator": "eq", "value": 9}')  # fmt: skip
    assert unknown.code == 1
    assert "unknown field 'shoe_size'" in unknown.err
    out = tmp_path / "vips.csv"
    exported = cli("contacts", "export", "--sub-account", inst.sub_a, "--smart-list",
                   created["id"], "--columns", "first_name,email,tags", "--out", str(out),
                   "--json").json()  # fmt: skip
    assert exported == {"rows": 2, "columns": ["first_name", "email", "tags"], "file": str(out)}
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "First Name,Email,Tags"
    everyone = cli("contacts", "export", "--sub-account", inst.sub_a, "--out", str(out))
    assert everyone.out.strip() == f"exported 2 contacts to {out}"


def test_every_command_keeps_to_its_sub_account(cli: Cli, world, tmp_path: Path) -> None:
    inst, people = world
    ada, b = people["Ada"], inst.sub_b
    saved = cli("smart-lists", "create", "--sub-account", inst.sub_a, "--name", "VIPs",
                "--filter-json", VIP, "--shared", "--json").json()  # fmt: skip

    def not_found(*args: str, entity: str, key: str) -> None:
        result = cli(*args)
        assert result.code == 1, args
        assert result.err.strip() == f"error: {entity} not found: {key}", args

    # Another sub-account's ids answer exactly like ids that do not exist.
    for key in (ada, "00000000-0000-0000-0000-000000000000"):
        not_found("contacts", "get", key, "--sub-account", b, entity="contact", key=key)
        not_found("contacts", "tag", "add", "--sub-account", b, "--tag", "X", key,
                  entity="contact", key=key)  # fmt: skip
        not_found("contacts", "tag", "remove", "--sub-account", b, "--tag", "VIP", key,
                  entity="contact", key=key)  # fmt: skip
    not_found("smart-lists", "count", "--sub-account", b, "--id", saved["id"],
              entity="smart list", key=saved["id"])  # fmt: skip
    not_found("contacts", "export", "--sub-account", b, "--smart-list", saved["id"],
              "--out", str(tmp_path / "x.csv"), entity="smart list", key=saved["id"])  # fmt: skip
    assert not (tmp_path / "x.csv").exists()
    # Lists, searches, counts and exports of B never show A's contacts.
    assert cli("contacts", "list", "--sub-account", b, "--json").json() == []
    assert cli("contacts", "search", "ada", "--sub-account", b, "--json").json() == []
    assert cli("smart-lists", "list", "--sub-account", b, "--json").json() == []
    assert cli("smart-lists", "count", "--sub-account", b, "--filter-json",
               '{"op": "and", "conditions": []}', "--json").json() == {"count": 0}  # fmt: skip
    out = tmp_path / "b.csv"
    assert (
        cli("contacts", "export", "--sub-account", b, "--out", str(out), "--json").json()["rows"]
        == 0
    )
    # Importing the same people into B creates them there: A's contacts are not duplicates.
    file = tmp_path / "people.csv"
    file.write_text(CSV, encoding="utf-8")
    assert cli("contacts", "import", str(file), "--sub-account", b, "--json").json()["created"] == 2
    # A sub-account the user cannot open does not exist for them.
    cli(
        "users", "create", "--email", "staff@acme-agency.com", "--password-stdin", "--role",
        "staff", "--sub-account", inst.sub_a, "--json", stdin=TEST_PASSWORD + "\n",
    ).json()  # fmt: skip
    staff = {"as_user": "staff@acme-agency.com", "password": TEST_PASSWORD}
    assert cli("contacts", "list", "--sub-account", inst.sub_a, "--json", **staff).code == 0
    for args in (
        ("contacts", "list", "--sub-account", b),
        ("contacts", "search", "ada", "--sub-account", b),
        ("contacts", "get", ada, "--sub-account", b),
        ("contacts", "tag", "add", "--sub-account", b, "--tag", "X", ada),
        ("contacts", "import", str(file), "--sub-account", b),
        ("contacts", "export", "--sub-account", b, "--out", str(out)),
        ("smart-lists", "list", "--sub-account", b),
        ("smart-lists", "create", "--sub-account", b, "--name", "N", "--filter-json", VIP),
        ("smart-lists", "count", "--sub-account", b, "--filter-json", VIP),
    ):
        result = cli(*args, **staff)
        assert (result.code, result.err.strip()) == (1, f"error: sub-account not found: {b}"), args


def test_a_list_saved_by_the_local_administrator_is_shared(cli: Cli, world) -> None:
    """Without --as the command runs as no user: a private list would belong to no one and
    stay invisible to every user of the sub-account."""
    inst, _people = world
    saved = cli("smart-lists", "create", "--sub-account", inst.sub_a, "--name", "VIPs",
                "--filter-json", VIP, "--json").json()  # fmt: skip
    assert saved["is_shared"] is True
    cli(
        "users", "create", "--email", "staff@acme-agency.com", "--password-stdin",
        "--sub-account", inst.sub_a, "--json", stdin=TEST_PASSWORD + "\n",
    ).json()  # fmt: skip
    staff = {"as_user": "staff@acme-agency.com", "password": TEST_PASSWORD}
    seen = cli("smart-lists", "list", "--sub-account", inst.sub_a, "--json", **staff).json()
    assert [(x["name"], x["count"]) for x in seen] == [("VIPs", 2)]
    # A user's own list stays theirs unless --shared.
    own = cli("smart-lists", "create", "--sub-account", inst.sub_a, "--name", "Mine",
              "--filter-json", VIP, "--json", **staff).json()  # fmt: skip
    assert own["is_shared"] is False


def test_a_blank_tag_is_refused(cli: Cli, world) -> None:
    inst, people = world
    before = cli.state()
    result = cli("contacts", "tag", "add", "--sub-account", inst.sub_a, "--tag", "Gold",
                 "--tag", "  ", people["Ada"])  # fmt: skip
    assert (result.code, result.err.strip()) == (1, "error: tag: must not be blank")
    assert diff(before, cli.state()) == {}


def test_export_to_a_missing_folder_names_the_option(cli: Cli, world, tmp_path: Path) -> None:
    inst, _people = world
    target = tmp_path / "no-such-folder" / "out.csv"
    result = cli("contacts", "export", "--sub-account", inst.sub_a, "--out", str(target))
    assert result.code == 1
    assert result.err.strip() == f"error: out: the folder {target.parent.resolve()} does not exist"
