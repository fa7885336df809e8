"""The background-operation helper and the Qt bridge: writes on one writer thread, reads on
the pool, results on the Qt thread, failures shown or handed to the caller, stale results
dropped, bus events re-emitted on the Qt thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services import agencies
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import OpRunner, ReadOp, WriteOp, describe_error
from ghl_desktop.ui.qt_bridge import Change
from tests.conftest import Tenant
from tests.ui.conftest import WAIT_MS, find_dialog, wait_idle


@pytest.fixture
def runner(qapp: object) -> Iterator[OpRunner]:
    ops = OpRunner()
    yield ops
    ops.shutdown()


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _on_qt_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def test_writes_share_one_thread_and_report_on_the_qt_thread(
    qtbot: QtBot, runner: OpRunner, parent: QWidget
) -> None:
    seen: list[tuple[str, str, bool]] = []

    def write(n: int) -> tuple[int, str]:
        return n, threading.current_thread().name

    for n in range(5):
        WriteOp(runner, parent, lambda n=n: write(n)).success(  # type: ignore[misc]
            lambda r: seen.append((str(r[0]), r[1], _on_qt_thread()))
        ).run()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert [s[0] for s in seen] == ["0", "1", "2", "3", "4"]  # in the order asked
    assert len({s[1] for s in seen}) == 1
    assert seen[0][1].startswith("ghl-writer")
    assert all(s[2] for s in seen)


def test_reads_run_on_the_reader_pool(qtbot: QtBot, runner: OpRunner, parent: QWidget) -> None:
    names: list[str] = []
    ReadOp(runner, parent, lambda: threading.current_thread().name).success(names.append).run()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert names[0].startswith("ghl-reader")


def test_busy_signal_brackets_the_work(qtbot: QtBot, runner: OpRunner, parent: QWidget) -> None:
    states: list[bool] = []
    runner.busy_changed.connect(states.append)
    gate = threading.Event()
    WriteOp(runner, parent, gate.wait).run()
    assert not runner.idle
    gate.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert states == [True, False]


def test_domain_error_goes_to_the_failure_callback(
    qtbot: QtBot, runner: OpRunner, parent: QWidget
) -> None:
    errors: list[Exception] = []
    successes: list[object] = []

    def fail() -> None:
        raise ValidationError("name", "is required")

    WriteOp(runner, parent, fail).success(successes.append).failure(errors.append).run()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert successes == []
    assert isinstance(errors[0], ValidationError)
    assert describe_error(errors[0]) == "Name: is required"


def test_without_a_failure_callback_the_error_is_shown(
    qtbot: QtBot, runner: OpRunner, parent: QWidget
) -> None:
    def fail() -> None:
        raise ValidationError("email", "is not a valid email address")

    parent.show()
    WriteOp(runner, parent, fail).run()
    box = find_dialog(qtbot, parent, QMessageBox)
    assert box.text() == "Email: is not a valid email address"
    assert box.icon() == QMessageBox.Icon.Warning
    box.close()


def test_unexpected_errors_are_logged_and_shown(
    qtbot: QtBot, runner: OpRunner, parent: QWidget, caplog: pytest.LogCaptureFixture
) -> None:
    def crash() -> None:
        raise RuntimeError("disk on fire")

    parent.show()
    ReadOp(runner, parent, crash).run()
    box = find_dialog(qtbot, parent, QMessageBox)
    assert box.text().startswith("Something went wrong (RuntimeError: disk on fire)")
    assert box.icon() == QMessageBox.Icon.Critical
    assert "background operation failed" in caplog.text
    box.close()


def test_a_newer_read_with_the_same_key_wins(
    qtbot: QtBot, runner: OpRunner, parent: QWidget
) -> None:
    gate = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        gate.wait()
        return "old"

    ReadOp(runner, parent, slow, key="list").success(shown.append).run()
    ReadOp(runner, parent, lambda: "new", key="list").success(shown.append).run()
    qtbot.waitUntil(lambda: shown == ["new"], timeout=WAIT_MS)
    gate.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert shown == ["new"]


def test_results_for_a_deleted_parent_are_dropped(qtbot: QtBot, runner: OpRunner) -> None:
    gate = threading.Event()
    shown: list[str] = []
    widget = QWidget()
    ReadOp(runner, widget, lambda: gate.wait() and "late").success(shown.append).run()
    widget.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget), timeout=WAIT_MS)
    gate.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
    assert shown == []


def test_after_shutdown_new_operations_are_refused(runner: OpRunner, parent: QWidget) -> None:
    runner.shutdown()
    op = WriteOp(runner, parent, lambda: 1).run()
    assert runner.idle
    assert op.ticket == 0


def test_bus_events_reach_screens_on_the_qt_thread(
    qtbot: QtBot, plain_ctx: UiContext, tenant: Tenant
) -> None:
    """A service write on the writer thread records a domain event; the bridge re-emits it
    on the Qt thread."""
    received: list[tuple[Change, bool]] = []
    plain_ctx.bridge.data_changed.connect(lambda c: received.append((c, _on_qt_thread())))
    parent = QWidget()
    qtbot.addWidget(parent)
    uows = plain_ctx.uows
    WriteOp(
        plain_ctx.ops, parent,
        lambda: agencies.create_sub_account(uows, tenant.owner, tenant.agency_id, "Location C"),
    ).run()  # fmt: skip
    qtbot.waitUntil(lambda: len(received) == 1, timeout=WAIT_MS)
    change, on_qt = received[0]
    assert on_qt
    assert change.event_name == "sub_account.created"
    assert change.concerns("sub_account")
    assert not change.concerns("user")
    assert change.sub_account_id is not None


def test_write_ops_announce_the_changes_they_declare(qtbot: QtBot, plain_ctx: UiContext) -> None:
    received: list[Change] = []
    plain_ctx.bridge.data_changed.connect(received.append)
    parent = QWidget()
    qtbot.addWidget(parent)
    WriteOp(plain_ctx.ops, parent, lambda: None).changes("user", sub_account_id="s1").run()
    wait_idle(qtbot, plain_ctx)
    assert received == [Change(frozenset({"user"}), "s1")]
    plain_ctx.bridge.close()
    WriteOp(plain_ctx.ops, parent, lambda: None).changes("user").run()
    wait_idle(qtbot, plain_ctx)
    assert len(received) == 1  # a closed bridge relays nothing
