"""Calendar commands of the CLI: --json output, booking refused when taken, and the tenant
boundary (another sub-account's calendar answers exactly like a missing one)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services import contacts
from tests.conftest import TEST_PASSWORD, make_tenant
from tests.integration.calendar_kit import build
from tests.integration.test_cli_platform import OWNER, Cli
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _next_tuesday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=3)
    return day + timedelta(days=(1 - day.weekday()) % 7)


@pytest.fixture
def world(tmp_path: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[Cli, dict[str, str]]:  # fmt: skip
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    data_dir = tmp_path / "data"
    rt = build_runtime(data_dir, secrets=EncryptedFileSecretStore(data_dir / "secrets.enc"))
    try:
        t = make_tenant(rt, "Acme Agency", OWNER)
        kit = build(rt, t, staff=1)
        values = {"first_name": "Ada", "email": "ada@example.com"}
        ada = contacts.create_contact(rt.uows, t.owner, t.sub_account_id, values)
    finally:
        rt.close()
    ids = {"a": t.sub_account_id, "b": t.other_sub_account_id, "calendar": kit.calendar_id,
           "team": kit.team_id, "contact": ada.id}  # fmt: skip
    return Cli(capsys, monkeypatch, data_dir), ids


def test_list_slots_book_and_list(world: tuple[Cli, dict[str, str]]) -> None:
    cli, ids = world
    calendars = cli("calendars", "list", "--sub-account", ids["a"], "--json").json()
    assert sorted(c["kind"] for c in calendars) == ["team", "user"]
    owner = next(c for c in calendars if c["id"] == ids["calendar"])
    assert owner["booking_path"] == f"/_book/{ids['a']}/owner"
    assert owner["timezone"] == "America/New_York"
    day = _next_tuesday().isoformat()
    slots = cli("calendars", "slots", "--calendar", ids["calendar"], "--from", day, "--to", day,
                "--tz", "Asia/Kolkata", "--json").json()  # fmt: skip
    assert len(slots) == 16
    assert slots[0]["start"].endswith("+05:30")
    table = cli("calendars", "slots", "--calendar", ids["calendar"], "--from", day, "--to", day)
    assert table.code == 0
    assert "START" in table.out
    booked = cli("appointments", "book", "--calendar", ids["calendar"], "--contact",
                 ids["contact"], "--start", slots[0]["start"], "--json").json()  # fmt: skip
    assert booked["status"] == "scheduled"
    assert booked["booked_via"] == "cli"
    again = cli("appointments", "book", "--calendar", ids["calendar"], "--contact",
                ids["contact"], "--start", slots[0]["start"], "--json")  # fmt: skip
    assert again.code == 1
    assert "start_at: this time is no longer available" in again.err
    # Kolkata's Tuesday starts on Monday afternoon in New York (UTC days in the listing).
    monday = (_next_tuesday() - timedelta(days=1)).isoformat()
    listed = cli("appointments", "list", "--sub-account", ids["a"], "--from", monday, "--to",
                 day, "--json").json()  # fmt: skip
    assert [a["id"] for a in listed] == [booked["id"]]
    done = cli("appointments", "status", booked["id"], "confirmed", "--sub-account", ids["a"],
               "--json").json()  # fmt: skip
    assert done["status"] == "confirmed"
    cancelled = cli("appointments", "cancel", booked["id"], "--sub-account", ids["a"],
                    "--reason", "moved away", "--json").json()  # fmt: skip
    assert cancelled["cancellation_reason"] == "moved away"
    bad = cli("appointments", "book", "--calendar", ids["calendar"], "--contact",
              ids["contact"], "--start", "2026-01-06T09:00", "--json")  # fmt: skip
    assert bad.code == 1
    assert "start: give the offset too" in bad.err
    bad_zone = cli("calendars", "slots", "--calendar", ids["calendar"], "--from", day, "--to",
                   day, "--tz", "Mars/Olympus")  # fmt: skip
    assert "timezone: unknown IANA time zone" in bad_zone.err


def test_tenant_boundary(world: tuple[Cli, dict[str, str]]) -> None:
    cli, ids = world
    assert cli("appointments", "list", "--sub-account", ids["b"], "--json").json() == []
    assert cli("calendars", "list", "--sub-account", ids["b"], "--json").json() == []
    day = _next_tuesday().isoformat()
    start = f"{day}T09:00:00-05:00"
    foreign = cli("appointments", "book", "--calendar", ids["calendar"], "--contact",
                  ids["contact"], "--start", start, "--sub-account", ids["b"])  # fmt: skip
    assert foreign.code == 1
    assert "calendar not found" in foreign.err
    # A staff member of sub-account A only: B does not exist for them.
    staff = "staff0@acme-agency.com"
    hidden = cli("calendars", "list", "--sub-account", ids["b"], as_user=staff,
                 password=TEST_PASSWORD)  # fmt: skip
    assert hidden.code == 1
    assert "sub-account not found" in hidden.err
    own = cli("calendars", "list", "--sub-account", ids["a"], "--json", as_user=staff,
              password=TEST_PASSWORD).json()  # fmt: skip
    assert len(own) == 2
