"""THE crash test: a process commits a change with its event and is SIGKILLed before it can
dispatch it. The next start (build_runtime redispatches) delivers the event exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from ghl_desktop import bootstrap
from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.agencies import SubAccountCreated
from tests.conftest import make_tenant
from tests.probes import CountingSubscriber, create_delivery_table, deliveries

REPO = Path(__file__).resolve().parents[2]

# The child: a normal start with the probe subscriber wired in, then a command whose dispatch
# kills the process - after the commit, before any subscriber ran.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ghl_desktop import bootstrap
    from ghl_desktop.core.secrets import EncryptedFileSecretStore
    from ghl_desktop.services import agencies
    from ghl_desktop.services.actor import Actor
    from tests.integration.test_events_crash import with_probe_subscriber

    data_dir, agency_id, owner_id = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    bootstrap.register_subscribers = with_probe_subscriber(bootstrap.register_subscribers)
    runtime = bootstrap.build_runtime(
        data_dir, secrets=EncryptedFileSecretStore(data_dir / "secrets.enc")
    )
    runtime.bus.dispatch = lambda events: os.kill(os.getpid(), signal.SIGKILL)
    agencies.create_sub_account(
        runtime.uows, Actor(user_id=owner_id, label="owner"), agency_id, "Crash Location"
    )
    print("dispatch did not run", flush=True)
    """
)


def with_probe_subscriber(original: Callable[[Runtime], None]) -> Callable[[Runtime], None]:
    """``register_subscribers`` plus a counting subscriber of sub-account creations."""

    def register(runtime: Runtime) -> None:
        original(runtime)
        runtime.bus.subscribe("crash-probe", CountingSubscriber("crash-probe"), [SubAccountCreated])

    return register


def _start(data_dir: Path) -> Runtime:
    return build_runtime(data_dir, secrets=EncryptedFileSecretStore(data_dir / "secrets.enc"))


def _crash_event(rt: Runtime) -> DomainEventRecord | None:
    with rt.uows.system(read_only=True) as uow:
        sub_id = uow.session.scalar(
            select(SubAccount.id).where(SubAccount.name == "Crash Location")
        )
        record = uow.session.scalar(
            select(DomainEventRecord).where(
                DomainEventRecord.name == "sub_account.created",
                DomainEventRecord.sub_account_id == sub_id,
            )
        )
        if record is not None:
            uow.session.expunge(record)
        return record


def test_an_event_committed_before_a_crash_is_delivered_exactly_once_after_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    rt = _start(data_dir)
    tenant = make_tenant(rt)
    create_delivery_table(rt.database)
    rt.close()

    env = {**os.environ, "PYTHONPATH": str(REPO), "GHL_DESKTOP_SECRETS": "file"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), tenant.agency_id, tenant.owner.user_id or ""],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "dispatch did not run" not in child.stdout

    # The crash left the change and its event committed, and nothing delivered.
    monkeypatch.setattr(
        bootstrap, "register_subscribers", with_probe_subscriber(bootstrap.register_subscribers)
    )
    inspect_rt = build_runtime(
        data_dir, migrate=False, secrets=EncryptedFileSecretStore(data_dir / "secrets.enc")
    )
    try:
        record = _crash_event(inspect_rt)
        assert record is not None, "the committed sub-account and its event must survive"
        assert record.dispatched_at is None
        assert deliveries(inspect_rt.database, record.id) == []
    finally:
        inspect_rt.close()

    # Restart: build_runtime redispatches what was never delivered.
    restarted = _start(data_dir)
    try:
        delivered = _crash_event(restarted)
        assert delivered is not None
        assert delivered.dispatched_at is not None
        assert deliveries(restarted.database, record.id) == [(record.id, "crash-probe")]
        assert restarted.bus.redispatch_pending() == 0
    finally:
        restarted.close()

    # And a second restart delivers nothing again.
    again = _start(data_dir)
    try:
        assert deliveries(again.database, record.id) == [(record.id, "crash-probe")]
    finally:
        again.close()
