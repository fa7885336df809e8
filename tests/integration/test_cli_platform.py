"""The platform CLI: init, users, sub-accounts, grants, --json keys; bad input exits non-zero
naming the field and changes nothing; PostgreSQL via --database; an idempotent demo."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ghl_desktop import __version__
from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.cli import main
from ghl_desktop.core.db import Database, open_database, sqlite_url
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from tests.conftest import TEST_PASSWORD, make_tenant, pg_url_or_skip
from tests.db_state import diff, row_counts, snapshot
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

REPO = Path(__file__).resolve().parents[2]
OWNER = "owner@acme-agency.com"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


class Cli:
    """Runs ``ghl-desktop`` in-process against one data directory (or database URL)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                 data_dir: Path, database: str | None = None) -> None:  # fmt: skip
        self._capsys, self._monkeypatch = capsys, monkeypatch
        self.data_dir, self.database_url = data_dir, database

    def __call__(self, *args: str, stdin: str = "", as_user: str | None = None,
                 password: str | None = None) -> Result:  # fmt: skip
        argv = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            argv += ["--database", self.database_url]
        if as_user:
            argv += ["--as", as_user]
        if password is None:
            self._monkeypatch.delenv("GHL_DESKTOP_PASSWORD", raising=False)
        else:
            self._monkeypatch.setenv("GHL_DESKTOP_PASSWORD", password)
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self._capsys.readouterr()
        try:
            code = main([*argv, *args])
        except SystemExit as exc:  # argparse usage errors and --version
            code = int(exc.code or 0)
        out, err = self._capsys.readouterr()
        return Result(code, out, err)

    def database(self) -> Database:
        return open_database(self.database_url or sqlite_url(self.data_dir / "ghl_desktop.db"))

    def state(self) -> dict[str, Any]:
        db = self.database()
        try:
            return snapshot(db)
        finally:
            db.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    return Cli(capsys, monkeypatch, tmp_path / "data")


def _init(cli: Cli) -> dict[str, str]:
    result = cli(
        "init", "--agency", "Acme Agency", "--owner-email", OWNER, "--owner-name", "Olivia",
        "--owner-password-stdin", "--json", stdin=TEST_PASSWORD + "\n",
    )  # fmt: skip
    data: dict[str, str] = result.json()
    return data


@dataclass
class Installed:
    agency_id: str
    sub_a: str
    sub_b: str


@pytest.fixture
def installed(cli: Cli) -> Installed:
    ids = _init(cli)
    a = cli("sub-accounts", "create", "--name", "Location A", "--json").json()
    b = cli("sub-accounts", "create", "--name", "Location B", "--timezone", "America/Chicago",
            "--currency", "eur", "--json").json()  # fmt: skip
    return Installed(ids["agency_id"], a["id"], b["id"])


SUB_ACCOUNT_KEYS = {
    "id", "agency_id", "name", "timezone", "country", "currency", "is_archived", "created_at",
}  # fmt: skip
USER_KEYS = {"id", "email", "full_name", "is_active", "last_login_at", "memberships"}
MEMBERSHIP_KEYS = {"scope", "target_id", "target_name", "role_key", "role_name"}


# -- happy paths ---------------------------------------------------------------------------------
def test_version(cli: Cli) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ghl_desktop", "--version"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"ghl-desktop {__version__}"
    # The parser's own --version (e.g. after other options) says the same.
    result = cli("--version")
    assert (result.code, result.out.strip()) == (0, f"ghl-desktop {__version__}")


HEAVY_MODULES = (
    "sqlalchemy", "alembic", "PySide6", "argon2", "cryptography", "keyring", "psycopg",
    "ghl_desktop.services", "ghl_desktop.models", "ghl_desktop.bootstrap",
)  # fmt: skip


def test_version_imports_nothing_heavy() -> None:
    """Cold start of ``--version`` stays cheap however many command modules are added."""
    probe = (
        "import sys\n"
        "from ghl_desktop.launcher import main\n"
        "main(['--version'])\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY_MODULES!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_init_and_the_lists(cli: Cli, installed: Installed) -> None:
    agencies = cli("agencies", "list", "--json").json()
    assert [set(a) for a in agencies] == [{"id", "name", "created_at", "sub_account_count"}]
    assert agencies[0]["sub_account_count"] == 2

    subs = cli("sub-accounts", "list", "--json").json()
    assert [set(s) for s in subs] == [SUB_ACCOUNT_KEYS] * 2
    assert [(s["name"], s["timezone"], s["currency"]) for s in subs] == [
        ("Location A", "UTC", "USD"),
        ("Location B", "America/Chicago", "EUR"),
    ]

    (owner,) = cli("users", "list", "--json").json()
    assert set(owner) == USER_KEYS
    assert owner["email"] == OWNER
    assert owner["full_name"] == "Olivia"
    assert [set(m) for m in owner["memberships"]] == [MEMBERSHIP_KEYS]
    assert owner["memberships"][0]["role_key"] == "agency_owner"

    roles = cli("roles", "list", "--json").json()
    assert {"agency_owner", "staff"} <= {r["key"] for r in roles}
    assert set(roles[0]) == {
        "id", "key", "name", "scope", "is_builtin", "description", "permissions",
    }  # fmt: skip

    table = cli("sub-accounts", "list")
    assert table.code == 0
    assert "Location A" in table.out
    assert table.out.splitlines()[0].split()[:2] == ["ID", "NAME"]


def test_users_grants_and_revokes(cli: Cli, installed: Installed) -> None:
    created = cli(
        "users", "create", "--email", "Jane@Acme-Agency.com", "--name", "Jane", "--role", "staff",
        "--sub-account", installed.sub_a, "--password-stdin", "--json",
        stdin=TEST_PASSWORD + "\n",
    ).json()  # fmt: skip
    assert set(created) == USER_KEYS
    assert created["email"] == "jane@acme-agency.com"
    assert [(m["target_id"], m["role_key"]) for m in created["memberships"]] == [
        (installed.sub_a, "staff")
    ]
    granted = cli("users", "grant", "--email", "jane@acme-agency.com", "--role", "Manager",
                  "--sub-account", installed.sub_b, "--json").json()  # fmt: skip
    assert sorted(m["role_key"] for m in granted["memberships"]) == ["manager", "staff"]
    revoked = cli("users", "revoke", "--email", "jane@acme-agency.com",
                  "--sub-account", installed.sub_a, "--json").json()  # fmt: skip
    assert [m["target_id"] for m in revoked["memberships"]] == [installed.sub_b]
    off = cli("users", "deactivate", "--email", "jane@acme-agency.com", "--json").json()
    assert off["is_active"] is False
    assert cli("users", "activate", "--email", "jane@acme-agency.com", "--json").json()["is_active"]


def test_a_user_created_on_a_sub_account_without_a_role_is_staff_there(
    cli: Cli, installed: Installed
) -> None:
    created = cli(
        "users", "create", "--email", "sam@acme-agency.com", "--sub-account", installed.sub_b,
        "--password-stdin", "--json", stdin=TEST_PASSWORD + "\n",
    ).json()  # fmt: skip
    assert [(m["scope"], m["target_id"], m["role_key"]) for m in created["memberships"]] == [
        ("sub_account", installed.sub_b, "staff")
    ]
    listed = {u["email"] for u in cli("users", "list", "--json").json()}
    assert "sam@acme-agency.com" in listed


def test_archive_and_unarchive(cli: Cli, installed: Installed) -> None:
    archived = cli("sub-accounts", "archive", installed.sub_a, "--json").json()
    assert set(archived) == SUB_ACCOUNT_KEYS
    assert archived["is_archived"] is True
    assert [s["name"] for s in cli("sub-accounts", "list", "--json").json()] == ["Location B"]
    every = cli("sub-accounts", "list", "--include-archived", "--json").json()
    assert [s["is_archived"] for s in every] == [True, False]
    assert (
        cli("sub-accounts", "unarchive", installed.sub_a, "--json").json()["is_archived"] is False
    )


def test_acting_as_a_user(cli: Cli, installed: Installed) -> None:
    _add_staff(cli, installed)
    mine = cli("sub-accounts", "list", "--json", as_user="staff@acme-agency.com",
               password=TEST_PASSWORD).json()  # fmt: skip
    assert [s["id"] for s in mine] == [installed.sub_a]
    owner_view = cli("sub-accounts", "list", "--json", as_user=OWNER, password=TEST_PASSWORD)
    assert len(owner_view.json()) == 2


def _add_staff(cli: Cli, installed: Installed) -> None:
    created = cli(
        "users", "create", "--email", "staff@acme-agency.com", "--role", "staff",
        "--sub-account", installed.sub_a, "--password-stdin", stdin=TEST_PASSWORD + "\n",
    )  # fmt: skip
    assert created.code == 0, created.err


# -- bad input: a clear message naming the field, exit 1, nothing changed ---------------------
BAD_INPUT: dict[str, tuple[list[str], str, str]] = {
    # name: (arguments, stdin, what stderr must say)
    "duplicate email": (
        ["users", "create", "--email", OWNER, "--sub-account", "{sub_a}", "--password-stdin"],
        TEST_PASSWORD, "email: ",
    ),
    "invalid email": (
        ["users", "create", "--email", "not-an-address", "--sub-account", "{sub_a}",
         "--password-stdin"], TEST_PASSWORD, "email: is not a valid email address",
    ),
    "weak password": (
        ["users", "create", "--email", "new@acme-agency.com", "--sub-account", "{sub_a}",
         "--password-stdin"], "short", "password: must be at least 10 characters",
    ),
    "unknown role": (
        ["users", "create", "--email", "new@acme-agency.com", "--role", "overlord",
         "--sub-account", "{sub_a}", "--password-stdin"], TEST_PASSWORD,
        "role: unknown role 'overlord'",
    ),
    "sub-account role without a sub-account": (
        ["users", "create", "--email", "new@acme-agency.com", "--role", "staff",
         "--password-stdin"], TEST_PASSWORD, "role: ",
    ),
    "unknown sub-account on create": (
        ["users", "create", "--email", "new@acme-agency.com", "--role", "staff",
         "--sub-account", "no-such-sub", "--password-stdin"], TEST_PASSWORD,
        "sub-account not found: no-such-sub",
    ),
    "unknown sub-account on grant": (
        ["users", "grant", "--email", OWNER, "--role", "staff", "--sub-account", "no-such-sub"],
        "", "sub-account not found: no-such-sub",
    ),
    "unknown user on grant": (
        ["users", "grant", "--email", "ghost@acme-agency.com", "--role", "staff"], "",
        "user not found: ghost@acme-agency.com",
    ),
    "archive an unknown sub-account": (
        ["sub-accounts", "archive", "no-such-sub"], "", "sub-account not found: no-such-sub",
    ),
    "duplicate sub-account name": (
        ["sub-accounts", "create", "--name", "location a"], "", "name: the agency already has",
    ),
    "unknown timezone": (
        ["sub-accounts", "create", "--name", "C", "--timezone", "Mars/Olympus"], "",
        "timezone: unknown IANA time zone",
    ),
    "bad currency": (
        ["sub-accounts", "create", "--name", "C", "--currency", "dollars"], "", "currency: ",
    ),
    "revoke the last owner": (["users", "revoke", "--email", OWNER], "", "user: "),
    "unknown agency": (
        ["sub-accounts", "list", "--agency", "no-such-agency"], "",
        "agency not found: no-such-agency",
    ),
    "second init": (
        ["init", "--agency", "Acme Agency", "--owner-email", "x@acme-agency.com",
         "--owner-password-stdin"], TEST_PASSWORD, "agency: ",
    ),
    "missing password line": (
        ["users", "create", "--email", "new@acme-agency.com", "--sub-account", "{sub_a}",
         "--password-stdin"], "", "password: expected on standard input",
    ),
    "a new user without any access": (
        ["users", "create", "--email", "new@acme-agency.com", "--password-stdin"],
        TEST_PASSWORD, "role: a new user needs access: give --sub-account ID",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def shared_install(tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None) -> Path:
    """One installation for the tests that must leave it unchanged anyway."""
    data_dir = tmp_path_factory.mktemp("cli-shared")
    rt = build_runtime(data_dir, secrets=EncryptedFileSecretStore(data_dir / "secrets.enc"))
    try:
        make_tenant(rt, "Acme Agency", OWNER)
    finally:
        rt.close()
    return data_dir


@pytest.fixture
def shared_cli(
    shared_install: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, Installed]:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.delenv("GHL_DESKTOP_DATABASE", raising=False)
    cli = Cli(capsys, monkeypatch, shared_install)
    subs = cli("sub-accounts", "list", "--json").json()
    return cli, Installed(subs[0]["agency_id"], subs[0]["id"], subs[1]["id"])


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_names_the_field_and_changes_nothing(
    shared_cli: tuple[Cli, Installed], case: str
) -> None:
    cli, installed = shared_cli
    args, stdin, expected = BAD_INPUT[case]
    args = [a.format(sub_a=installed.sub_a) for a in args]
    before = cli.state()
    result = cli(*args, "--json", stdin=stdin + "\n" if stdin else "")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert expected in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert diff(before, cli.state()) == {}


def test_wrong_password_changes_nothing_but_the_lockout_counter(
    cli: Cli, installed: Installed
) -> None:
    before = cli.state()
    result = cli("sub-accounts", "create", "--name", "Sneaky", as_user=OWNER,
                 password="wrong-password-123")  # fmt: skip
    assert result.code == 1
    assert "wrong email or password" in result.err
    changed = diff(before, cli.state())
    # The failed attempt is counted (that is what locks out guessing) and audited - no more.
    assert set(changed) == {"users", "activity_logs"}
    assert len(changed["users"]["added"]) == len(changed["users"]["removed"]) == 1
    (log,) = changed["activity_logs"]["added"]
    assert "failed_login_count" in " ".join(log)
    assert not changed["activity_logs"]["removed"]


@pytest.mark.parametrize(
    ("password", "expected"),
    [(None, "password: set GHL_DESKTOP_PASSWORD"), (TEST_PASSWORD, "permission denied")],
)
def test_acting_as_refusals(
    cli: Cli, installed: Installed, password: str | None, expected: str
) -> None:
    _add_staff(cli, installed)
    before = cli.state()
    result = cli("sub-accounts", "create", "--name", "C", as_user="staff@acme-agency.com",
                 password=password)  # fmt: skip
    assert result.code == 1
    assert expected in result.err
    assert diff(before, cli.state()) == {}


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("sub-accounts", "create").code == 2  # --name is required
    assert cli("no-such-command").code == 2
    assert cli().code == 2


def test_a_bad_database_url_is_an_error(cli: Cli) -> None:
    result = cli("--database", "mysql://u@h/db", "agencies", "list")
    assert result.code in (1, 2)
    result = Cli(cli._capsys, cli._monkeypatch, cli.data_dir, "mysql://u@h/db")("agencies", "list")
    assert result.code == 1
    assert "unsupported database URL scheme" in result.err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--database", "postgresql://postgres@127.0.0.1:1/nowhere"], "error: database: "),
        (["--database", "sqlite:////proc/no-such-dir/app.db"], "error: /proc/no-such-dir: "),
        (["--data-dir", "/proc/no-such-dir"], "error: /proc/no-such-dir: "),
    ],
)
def test_an_unusable_database_is_a_clear_error(cli: Cli, options: list[str], expected: str) -> None:
    result = cli(*options, "agencies", "list")
    assert result.code == 1
    assert result.err.startswith(expected), result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_the_cli_runs_as_a_module_without_tracebacks(tmp_path: Path) -> None:
    env = {"GHL_DESKTOP_SECRETS": "file", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "ghl_desktop", "--data-dir", str(tmp_path), "sub-accounts",
         "archive", "nope"],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "error: sub-account not found: nope"


# -- PostgreSQL --------------------------------------------------------------------------------
@pytest.mark.postgres
def test_postgresql_via_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    url = pg_url_or_skip().replace("postgresql+psycopg://", "postgresql://")
    pg = Cli(capsys, monkeypatch, tmp_path / "pg-data", url)
    _init(pg)
    created = pg("sub-accounts", "create", "--name", "Team Location", "--json").json()
    listed = pg("sub-accounts", "list", "--json").json()
    assert [s["id"] for s in listed] == [created["id"]]
    migrated = pg("migrate", "--json").json()
    assert migrated["backup"] is None
    assert not (tmp_path / "pg-data" / "ghl_desktop.db").exists()  # no SQLite file involved
    before = pg.state()
    assert pg("users", "create", "--email", OWNER, "--password-stdin",
              stdin=TEST_PASSWORD + "\n").code == 1  # fmt: skip
    assert diff(before, pg.state()) == {}


# -- demo ----------------------------------------------------------------------------------------
def test_demo_is_idempotent(cli: Cli) -> None:
    first = cli("demo", "--json").json()
    assert first["created"] is True
    assert set(first) == {
        "created", "agency_id", "agency_name", "owner_email", "password", "sub_accounts",
    }  # fmt: skip
    db = cli.database()
    try:
        counts = row_counts(db)
    finally:
        db.dispose()
    before = cli.state()
    second = cli("demo", "--json").json()
    assert second["created"] is False
    assert second["agency_id"] == first["agency_id"]
    assert second["sub_accounts"] == first["sub_accounts"]
    db = cli.database()
    try:
        assert row_counts(db) == counts
    finally:
        db.dispose()
    assert diff(before, cli.state()) == {}
    text = cli("demo")
    assert "already present" in text.out
