"""The app's garbage collector: automatic collection off, generational collection on the Qt
thread's timer instead (a collection in a worker thread may destroy widgets off the GUI
thread and crash the process)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from ghl_desktop.ui.main_thread_gc import MainThreadGarbageCollector, collect_on_this_thread


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def gc_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()


def test_nothing_is_collected_below_the_thresholds(gc_restored: None) -> None:
    gc.disable()
    gc.collect()
    assert collect_on_this_thread() == -1


def test_the_youngest_generation_is_collected_past_its_threshold(gc_restored: None) -> None:
    gc.disable()
    gc.collect()
    for _ in range(gc.get_threshold()[0] + 10):
        _Cycle()
    assert gc.get_count()[0] > gc.get_threshold()[0]
    assert collect_on_this_thread() == 0
    assert gc.get_count()[0] < gc.get_threshold()[0]


def test_the_timer_collects_cycles_while_automatic_collection_is_off(
    qtbot: QtBot, gc_restored: None
) -> None:
    collector = MainThreadGarbageCollector(interval_ms=10)
    collector.start()
    try:
        assert not gc.isenabled()
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=2_000)
    finally:
        collector.stop()
    assert gc.isenabled()
