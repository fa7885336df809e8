"""The state of the embedded services (database, event bus, later the funnel server and the
scheduler), shown in the status bar.

Each service reports under its own key with ``report`` - from any thread - and the registry
re-emits the new state on the Qt thread. Adding a service to the status bar is one ``report``
call where that service is started.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ghl_desktop.core.db import Database


class ServiceLevel(StrEnum):
    OK = "ok"
    STARTING = "starting"
    WARNING = "warning"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ServiceState:
    key: str
    label: str
    level: ServiceLevel
    text: str
    detail: str = ""


class ServiceStatusRegistry(QObject):
    changed = Signal(object)  # ServiceState
    _incoming = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._states: dict[str, ServiceState] = {}
        self._incoming.connect(self._store, Qt.ConnectionType.QueuedConnection)

    def report(
        self, key: str, label: str, level: ServiceLevel, text: str, detail: str = ""
    ) -> None:
        """Thread-safe: the state is stored and announced on the Qt thread."""
        self._incoming.emit(ServiceState(key, label, level, text, detail))

    @Slot(object)
    def _store(self, state: ServiceState) -> None:
        self._states[state.key] = state
        self.changed.emit(state)

    def states(self) -> list[ServiceState]:
        """In the order the services first reported."""
        return list(self._states.values())

    def state(self, key: str) -> ServiceState | None:
        return self._states.get(key)


def describe_database(database: Database) -> tuple[str, str]:
    """Short status text and a tooltip: the SQLite file, or the PostgreSQL server."""
    path = database.sqlite_path
    if path is not None:
        return f"SQLite · {path.name}", str(path)
    url = database.url
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"PostgreSQL · {where}", f"PostgreSQL database {url.database!r} on {where}"
