"""UUIDv7 ids: RFC 9562 layout, time prefix, and strict creation order inside one process."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from ghl_desktop.core import ids


@pytest.fixture
def isolated_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that move the clock restore the generator's state afterwards, so ids made later in
    the session do not carry their invented future timestamps."""
    monkeypatch.setattr(ids, "_last_ms", ids._last_ms)
    monkeypatch.setattr(ids, "_counter", ids._counter)


def test_version_and_variant_bits() -> None:
    for _ in range(1000):
        value = ids.uuid7()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert (value.int >> 76) & 0xF == 0x7
        assert (value.int >> 62) & 0b11 == 0b10


def test_timestamp_prefix_is_now_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = ids.uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after + 1


def test_new_id_is_the_canonical_36_character_string() -> None:
    text = ids.new_id()
    assert len(text) == 36
    assert str(uuid.UUID(text)) == text


def test_tight_loop_ids_sort_in_creation_order() -> None:
    generated = [ids.new_id() for _ in range(20_000)]
    assert len(set(generated)) == len(generated)
    assert generated == sorted(generated)


@pytest.mark.usefixtures("isolated_generator")
def test_counter_overflow_within_one_millisecond_stays_monotonic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A frozen clock forces every id into the same millisecond: the 12-bit counter runs out
    # (4096 values) and the generator must borrow the next millisecond instead of wrapping.
    frozen = (time.time_ns() // 1_000_000 + 10_000) * 1_000_000
    monkeypatch.setattr(ids.time, "time_ns", lambda: frozen)
    values = [ids.uuid7() for _ in range(10_000)]
    ints = [v.int for v in values]
    assert ints == sorted(ints)
    assert len(set(ints)) == len(ints)
    assert values[-1].int >> 80 > frozen // 1_000_000


@pytest.mark.usefixtures("isolated_generator")
def test_clock_going_backwards_does_not_break_order(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [(time.time_ns() // 1_000_000 + 20_000) * 1_000_000]
    monkeypatch.setattr(ids.time, "time_ns", lambda: now[0])
    first = ids.uuid7()
    now[0] -= 5_000 * 1_000_000  # NTP stepped the clock back five seconds
    second = ids.uuid7()
    assert second.int > first.int


def test_threads_never_produce_duplicates() -> None:
    results: list[list[str]] = [[] for _ in range(4)]

    def work(slot: list[str]) -> None:
        slot.extend(ids.new_id() for _ in range(5_000))

    threads = [threading.Thread(target=work, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for r in results for i in r]
    assert len(set(every)) == len(every)
    for r in results:
        assert r == sorted(r)


def test_new_ids_continue_the_sequence_in_the_canonical_layout() -> None:
    before, batch, after = ids.new_id(), ids.new_ids(5_000), ids.new_id()
    every = [before, *batch, after]
    assert every == sorted(every)
    assert len(set(every)) == len(every)
    for text in batch:
        value = uuid.UUID(text)
        assert str(value) == text
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
    assert ids.new_ids(0) == []


@pytest.mark.usefixtures("isolated_generator")
def test_new_ids_borrow_milliseconds_like_new_id(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = (time.time_ns() // 1_000_000 + 30_000) * 1_000_000
    monkeypatch.setattr(ids.time, "time_ns", lambda: frozen)
    batch = [uuid.UUID(t).int for t in ids.new_ids(10_000)]
    assert batch == sorted(batch)
    assert batch[-1] >> 80 > frozen // 1_000_000  # 10,000 ids do not fit one millisecond
    assert ids.uuid7().int > batch[-1]  # the single-id generator carries on after them
