"""A background writer that groups what arrives together into one call (group commit).

``submit`` returns a ``Future`` at once; one thread takes the first waiting item and every
other item already queued (up to ``max_batch``) and hands them to ``process`` together.
Under light load every item is its own batch; under heavy load batches grow, and so does
the throughput of a disk that can only sync a few hundred times a second.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class BatchWriter(Generic[T, R]):
    def __init__(
        self,
        process: Callable[[Sequence[T]], Sequence[R | Exception]],
        *,
        max_batch: int = 64,
        name: str = "batch-writer",
    ) -> None:
        self._process = process
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[T, Future[R]] | object] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.batches = 0
        self.items = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                future.set_exception(RuntimeError("the writer is closed"))
                return future
            self._queue.put((item, future))
        return future

    def close(self, timeout: float | None = 30) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    def _take(self) -> tuple[list[tuple[T, Future[R]]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        stop = False
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                stop = True
                break
            batch.append(item)
        return batch, stop  # type: ignore[return-value]

    def _run(self) -> None:
        while True:
            batch, stop = self._take()
            if batch:
                self._handle(batch)
            if stop:
                return

    def _handle(self, batch: list[tuple[T, Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            results: Sequence[R | Exception] = self._process(items)
        except Exception as exc:  # the processor failed as a whole: every item reports it
            log.exception("batch of %d items failed", len(items))
            results = [exc] * len(items)
        self.batches += 1
        self.items += len(items)
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
