"""Setting a calendar up from the CLI alone: a calendar, its hours, a service it offers, then
open slots; errors name the command's options; another sub-account's calendar is not found."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.db_state import diff
from tests.integration.test_cli_platform import OWNER, Cli, Installed, _init
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


@pytest.fixture
def installed(cli: Cli) -> Installed:
    ids = _init(cli)
    a = cli("sub-accounts", "create", "--name", "Location A", "--currency", "EUR",
            "--json").json()  # fmt: skip
    b = cli("sub-accounts", "create", "--name", "Location B", "--json").json()
    return Installed(ids["agency_id"], a["id"], b["id"])


def _next_monday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=3)
    return day + timedelta(days=(0 - day.weekday()) % 7)


def test_a_calendar_set_up_from_the_cli_offers_slots(cli: Cli, installed: Installed) -> None:
    a = installed.sub_a
    calendar = cli("calendars", "create", "--sub-account", a, "--name", "Olivia", "--slug",
                   "olivia", "--owner", OWNER, "--timezone", "Europe/Berlin",
                   "--json").json()  # fmt: skip
    assert (calendar["kind"], calendar["timezone"]) == ("user", "Europe/Berlin")
    assert calendar["booking_path"] == f"/_book/{a}/olivia"
    hours = cli("calendars", "hours", calendar["id"], "--sub-account", a, "--weekly",
                "mon=09:00-12:00", "--weekly", "Tuesday 9:00-17:00", "--closed", "2030-12-25",
                "--json").json()  # fmt: skip
    assert sorted((h["kind"], h["day_of_week"], h["start_time"]) for h in hours) == [
        ("override", None, None), ("weekly", 1, "09:00:00"), ("weekly", 2, "09:00:00"),
    ]  # fmt: skip
    service = cli("services", "create", "--sub-account", a, "--name", "Consultation",
                  "--minutes", "60", "--price", "49.50", "--json").json()  # fmt: skip
    assert (service["duration_minutes"], service["price_minor"], service["currency"]) == (
        60, 4950, "EUR",
    )  # fmt: skip
    offered = cli("calendars", "offer", calendar["id"], "--sub-account", a, "--service",
                  service["id"], "--json").json()  # fmt: skip
    assert offered == {"calendar_id": calendar["id"], "service_ids": [service["id"]]}
    listed = cli("services", "list", "--sub-account", a)
    assert "Consultation" in listed.out
    assert "€49.50" in listed.out
    monday = _next_monday().isoformat()
    slots = cli("calendars", "slots", "--calendar", calendar["id"], "--from", monday, "--to",
                monday, "--tz", "Europe/Berlin", "--json").json()  # fmt: skip
    assert [s["start"][11:16] for s in slots] == ["09:00", "09:30", "10:00", "10:30", "11:00"]


BAD = {
    "an unknown owner": (
        ["calendars", "create", "--name", "C", "--slug", "c", "--owner", "ghost@x.example"],
        "error: user not found: ghost@x.example",
    ),
    "bad slug": (
        ["calendars", "create", "--name", "C", "--slug", "Not OK", "--team"], "error: slug: ",
    ),
    "bad weekly hours": (
        ["calendars", "hours", "{calendar}", "--weekly", "someday=09:00-10:00"],
        "error: weekly: 'someday=09:00-10:00' is not like mon=09:00-17:00",
    ),
    "hours that end before they start": (
        ["calendars", "hours", "{calendar}", "--weekly", "mon=17:00-09:00"],
        "error: weekly: must be after the start time",
    ),
    "a bad closed day": (
        ["calendars", "hours", "{calendar}", "--weekly", "mon=09:00-10:00", "--closed", "soon"],
        "error: closed: 'soon' is not a date",
    ),
    "no hours at all": (["calendars", "hours", "{calendar}"], "error: weekly: give at least"),
    "a service of no length": (
        ["services", "create", "--name", "S", "--minutes", "0"], "error: minutes: must be",
    ),
    "a price with too many decimals": (
        ["services", "create", "--name", "S", "--price", "1.234"], "error: price: ",
    ),
    "an unknown service offered": (
        ["calendars", "offer", "{calendar}", "--service", "nope"],
        "error: service: no service nope",
    ),
}  # fmt: skip


def test_bad_input_names_the_option_and_changes_nothing(cli: Cli, installed: Installed) -> None:
    a = installed.sub_a
    calendar = cli("calendars", "create", "--sub-account", a, "--name", "Team", "--slug",
                   "team", "--team", "--json").json()  # fmt: skip
    for case, (args, expected) in BAD.items():
        before = cli.state()
        result = cli(*(x.format(calendar=calendar["id"]) for x in args), "--sub-account", a)
        assert result.code == 1, case
        assert result.err.startswith(expected), (case, result.err)
        assert diff(before, cli.state()) == {}, case


def test_another_sub_accounts_calendar_is_not_found(cli: Cli, installed: Installed) -> None:
    calendar = cli("calendars", "create", "--sub-account", installed.sub_a, "--name", "Team",
                   "--slug", "team", "--team", "--json").json()  # fmt: skip
    b = installed.sub_b
    for args in (
        ("calendars", "hours", calendar["id"], "--weekly", "mon=09:00-10:00"),
        ("calendars", "offer", calendar["id"]),
    ):
        result = cli(*args, "--sub-account", b)
        assert (result.code, result.err.strip()) == (
            1,
            f"error: calendar not found: {calendar['id']}",
        )
