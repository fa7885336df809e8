"""The bridge from the event bus to Qt: one ``data_changed`` signal every screen may filter.

The bridge is an *ephemeral* bus subscriber: the bus calls it after a commit, on whichever
thread committed (usually the writer thread), and the bridge re-emits the event on the Qt
thread as a ``Change``. Writes that record no domain event announce what they changed through
``announce`` (``WriteOp.changes``), so screens listen to one signal for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ghl_desktop.core.events import DomainEvent
from ghl_desktop.services.bus import EventBus


@dataclass(frozen=True)
class Change:
    """What changed: topics such as ``"sub_account"`` or ``"user"`` (an event's name up to its
    first dot), the event's full name when a domain event caused it, and the sub-account it
    happened in when known."""

    topics: frozenset[str]
    sub_account_id: str | None = None
    event_name: str | None = None

    @classmethod
    def of_event(cls, event: DomainEvent) -> Change:
        return cls(frozenset({event.name.split(".", 1)[0]}), event.sub_account_id, event.name)

    def concerns(self, *topics: str) -> bool:
        return not self.topics.isdisjoint(topics)


class QtBridge(QObject):
    data_changed = Signal(object)  # Change
    _from_bus = Signal(object)

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._closed = False
        self._from_bus.connect(self._relay, Qt.ConnectionType.QueuedConnection)
        bus.subscribe_ephemeral(self._on_event)

    def _on_event(self, event: DomainEvent) -> None:
        """Called by the bus on the committing thread."""
        if not self._closed:
            self._from_bus.emit(Change.of_event(event))

    @Slot(object)
    def _relay(self, change: Change) -> None:
        if not self._closed:
            self.data_changed.emit(change)

    def announce(self, topics: Iterable[str], sub_account_id: str | None = None) -> None:
        """Tell the screens about a change made on the Qt thread's behalf."""
        if not self._closed:
            self.data_changed.emit(Change(frozenset(topics), sub_account_id))

    def close(self) -> None:
        """Stop relaying (the bus keeps no way to unsubscribe; the runtime is closing)."""
        self._closed = True
