"""Background operations: every service call the GUI makes runs off the Qt thread.

Two shapes, after Anki's ``CollectionOp`` / ``QueryOp``::

    WriteOp(ctx.ops, self, lambda: agencies.create_sub_account(...)).success(done).run()
    ReadOp(ctx.ops, self, lambda: users.list_users(...)).success(show).run()

* A write runs on the one writer thread: writes happen in the order the user asked for them
  and never race each other for SQLite's write lock.
* A read runs on a small pool of reader threads (WAL lets them run beside the writer).

The result comes back to the Qt thread through a queued signal. ``success`` gets the result,
``failure`` the exception. Without a failure callback a ``DomainError`` (bad input, a conflict,
a missing permission) is shown in a message box with its text; anything else is logged with its
traceback and shown as an unexpected error. Callbacks of an op whose parent widget was deleted
meanwhile are dropped, and so is a read superseded by a newer read with the same ``key``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from ghl_desktop.core.errors import DomainError

if TYPE_CHECKING:
    from ghl_desktop.ui.qt_bridge import QtBridge

log = logging.getLogger(__name__)

T = TypeVar("T")

READER_THREADS = 3


class OpRunner(QObject):
    """Owns the writer thread and the reader pool; delivers results on the Qt thread."""

    busy_changed = Signal(bool)
    _finished = Signal(object)

    def __init__(self, bridge: QtBridge | None = None, reader_threads: int = READER_THREADS):
        super().__init__()
        self.bridge = bridge
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ghl-writer")
        self._readers = ThreadPoolExecutor(
            max_workers=reader_threads, thread_name_prefix="ghl-reader"
        )
        self._pending: set[_Op[Any]] = set()
        self._latest: dict[tuple[int, str], int] = {}
        self._tickets = itertools.count(1)
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def idle(self) -> bool:
        """No operation is running or waiting to report back."""
        return not self._pending

    def shutdown(self) -> None:
        """Wait for running operations, then stop the threads. Late results are dropped."""
        self._closed = True
        self._writer.shutdown(wait=True, cancel_futures=True)
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def _submit(self, op: _Op[Any], pool: Executor) -> None:
        if self._closed:
            log.debug("operation dropped: the app is shutting down")
            return
        op.ticket = next(self._tickets)
        if op.key is not None:
            self._latest[(id(op.parent), op.key)] = op.ticket
        was_idle = self.idle
        self._pending.add(op)
        if was_idle:
            self.busy_changed.emit(True)
        future = pool.submit(op.call)
        # Runs on the worker thread; the queued connection hops to the Qt thread.
        future.add_done_callback(lambda _f: self._finished.emit(op))

    def _is_superseded(self, op: _Op[Any]) -> bool:
        if op.key is None:
            return False
        return self._latest.get((id(op.parent), op.key)) != op.ticket

    @Slot(object)
    def _deliver(self, op: _Op[Any]) -> None:
        if op not in self._pending:
            return  # shut down meanwhile
        self._pending.discard(op)
        try:
            if self._is_superseded(op) or not shiboken6.isValid(op.parent):
                return
            op.deliver()
        finally:
            if self.idle:
                self.busy_changed.emit(False)


class _Op(Generic[T]):
    def __init__(
        self, runner: OpRunner, parent: QObject, fn: Callable[[], T], *, key: str | None = None
    ) -> None:
        self.runner = runner
        self.parent = parent
        self.key = key
        self.ticket = 0
        self._fn = fn
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[Exception], object] | None = None
        self._result: T | None = None
        self._error: Exception | None = None

    def success(self, callback: Callable[[T], object]) -> Self:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], object]) -> Self:
        """Handle failures yourself (e.g. show the error inside a form) instead of a box."""
        self._on_failure = callback
        return self

    def call(self) -> None:
        """Runs on a worker thread."""
        try:
            self._result = self._fn()
        except Exception as exc:
            self._error = exc

    def deliver(self) -> None:
        """Runs on the Qt thread."""
        if self._error is not None:
            if not isinstance(self._error, DomainError):
                log.error("background operation failed", exc_info=self._error)
            if self._on_failure is not None:
                self._on_failure(self._error)
            else:
                show_error(self.parent, self._error)
            return
        self._after_success()
        if self._on_success is not None:
            self._on_success(self._result)  # type: ignore[arg-type]

    def _after_success(self) -> None:
        """Hook for subclasses."""


class WriteOp(_Op[T]):
    """A change, run on the single writer thread."""

    def __init__(self, runner: OpRunner, parent: QObject, fn: Callable[[], T]) -> None:
        super().__init__(runner, parent, fn)
        self._topics: tuple[str, ...] = ()
        self._sub_account_id: str | None = None

    def changes(self, *topics: str, sub_account_id: str | None = None) -> Self:
        """Announce on the bridge, after success, what this write changed (``"user"``,
        ``"role"``...), for the writes that record no domain event of their own."""
        self._topics = topics
        self._sub_account_id = sub_account_id
        return self

    def run(self) -> Self:
        self.runner._submit(self, self.runner._writer)
        return self

    def _after_success(self) -> None:
        if self._topics and self.runner.bridge is not None:
            self.runner.bridge.announce(self._topics, self._sub_account_id)


class ReadOp(_Op[T]):
    """A query, run on the reader pool. With ``key``, only the newest read of that key (per
    parent) reports back: switching fast between sub-accounts never shows a stale one."""

    def run(self) -> Self:
        self.runner._submit(self, self.runner._readers)
        return self


def describe_error(error: Exception) -> str:
    if isinstance(error, DomainError):
        text = str(error)
        return text[:1].upper() + text[1:] if text else type(error).__name__
    return f"Something went wrong ({type(error).__name__}: {error}). Details are in the log."


def show_error(parent: QObject, error: Exception) -> QMessageBox:
    """A non-blocking message box: the event loop keeps running (and tests can close it)."""
    owner = parent if isinstance(parent, QWidget) else None
    box = QMessageBox(owner)
    box.setIcon(
        QMessageBox.Icon.Warning if isinstance(error, DomainError) else QMessageBox.Icon.Critical
    )
    box.setWindowTitle("Could not complete the action")
    box.setText(describe_error(error))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if owner is None:
        # Without a parent widget, Python owns the box: keep it until it is closed.
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.open()
    return box


_open_boxes: set[QMessageBox] = set()
