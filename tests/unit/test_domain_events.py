"""Domain events survive the outbox: payload() to JSON and from_record() back to equal events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

import pytest

from ghl_desktop.core.events import DomainEvent, event_types
from tests.probes import registered, unregistered


class Stage(StrEnum):
    OPEN = "open"
    WON = "won"


@unregistered
@dataclass(frozen=True, kw_only=True)
class ProbeHappened(DomainEvent):
    name = "test_unit.probe_happened"
    contact_id: str
    amount_minor: int
    stage: Stage
    previous_stage: Stage | None = None
    due_on: date | None = None
    when: datetime | None = None
    tags: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    extra: dict[str, object] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _probe_registered() -> Iterator[None]:
    with registered(ProbeHappened):
        yield


def _round_trip(event: DomainEvent) -> DomainEvent:
    payload = json.loads(json.dumps(event.payload()))  # exactly what the JSON column keeps
    return DomainEvent.from_record(
        event.name, event.event_id, event.sub_account_id, event.occurred_at, payload
    )


def test_registered_by_name() -> None:
    assert event_types()["test_unit.probe_happened"] is ProbeHappened


def test_payload_holds_only_the_event_fields_as_json() -> None:
    event = ProbeHappened(
        sub_account_id="s1", contact_id="c1", amount_minor=500, stage=Stage.WON,
        when=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), tags=("a", "b"),
    )  # fmt: skip
    payload = event.payload()
    assert set(payload) == {
        "contact_id", "amount_minor", "stage", "previous_stage", "due_on", "when", "tags",
        "flags", "extra",
    }  # fmt: skip
    assert payload["stage"] == "won"
    assert payload["when"] == "2026-03-01T09:30:00+00:00"
    assert payload["tags"] == ["a", "b"]
    json.dumps(payload)


def test_round_trip_gives_an_equal_event_with_the_same_types() -> None:
    event = ProbeHappened(
        sub_account_id="s1",
        contact_id="c1",
        amount_minor=500,
        stage=Stage.WON,
        previous_stage=Stage.OPEN,
        due_on=date(2026, 4, 30),
        when=datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
        tags=("vip", "lead"),
        flags=frozenset({"x", "y"}),
        extra={"source": "form", "n": 3},
    )
    back = _round_trip(event)
    assert back == event
    assert type(back) is ProbeHappened
    assert isinstance(back, ProbeHappened)
    assert type(back.stage) is Stage
    assert type(back.previous_stage) is Stage
    assert type(back.due_on) is date
    assert back.when is not None
    assert back.when.utcoffset() == timedelta(hours=-5)
    assert isinstance(back.tags, tuple)
    assert isinstance(back.flags, frozenset)
    assert back.event_id == event.event_id
    assert back.occurred_at == event.occurred_at


def test_round_trip_keeps_nones() -> None:
    event = ProbeHappened(sub_account_id=None, contact_id="c", amount_minor=0, stage=Stage.OPEN)
    assert _round_trip(event) == event


def test_unknown_event_name_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"no\.such_event"):
        DomainEvent.from_record("no.such_event", "id", None, datetime.now(UTC), {})


def test_a_second_class_cannot_take_a_registered_name() -> None:
    with pytest.raises(TypeError, match="already taken"):

        @dataclass(frozen=True, kw_only=True)
        class Impostor(DomainEvent):
            name = "test_unit.probe_happened"


def test_unregistered_helper_removes_the_name() -> None:
    @unregistered
    @dataclass(frozen=True, kw_only=True)
    class Passing(DomainEvent):
        name = "test_unit.passing"

    assert "test_unit.passing" not in event_types()


def test_events_are_immutable_and_get_fresh_ids() -> None:
    a = ProbeHappened(sub_account_id="s", contact_id="c", amount_minor=1, stage=Stage.OPEN)
    b = ProbeHappened(sub_account_id="s", contact_id="c", amount_minor=1, stage=Stage.OPEN)
    assert a.event_id != b.event_id
    assert a.occurred_at.tzinfo is not None
    with pytest.raises(AttributeError):
        a.contact_id = "other"  # type: ignore[misc]
