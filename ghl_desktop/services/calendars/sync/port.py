"""The port the calendar sync talks through: one remote calendar collection (CalDAV in
``providers/caldav_client.py``; a fake in unit tests).

Objects are addressed by ``href`` (the resource URL) and versioned by ``etag``; the listing is
incremental when the server keeps a sync token (RFC 6578) and complete otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class ProblemKind(StrEnum):
    BAD_CREDENTIALS = "bad_credentials"
    UNREACHABLE = "unreachable"
    NOT_A_CALENDAR = "not_a_calendar"
    NOT_FOUND = "not_found"
    PROTOCOL = "protocol"


class RemoteCalendarError(Exception):
    """A remote calendar could not be used; ``kind`` says why, the text says it to the user."""

    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class RemoteChanged(Exception):
    """A write lost a race: the object changed on the server since its etag was read."""


@dataclass(frozen=True)
class ConnectionSettings:
    url: str
    username: str
    password: str


@dataclass(frozen=True)
class RemoteListing:
    """What changed since ``token``. ``complete`` = ``etags`` lists every object in the
    collection (a first sync or a server without sync tokens): objects known locally but absent
    were deleted. Otherwise ``etags`` are the changed objects and ``deleted`` the removed ones."""

    token: str | None
    etags: dict[str, str]
    deleted: frozenset[str] = frozenset()
    complete: bool = True


@dataclass(frozen=True)
class RemoteObject:
    href: str
    etag: str
    ical: str


@dataclass(frozen=True)
class PutResult:
    href: str
    etag: str


@dataclass(frozen=True)
class ConnectionInfo:
    display_name: str
    event_count: int
    notes: tuple[str, ...] = field(default=())


class RemoteCalendar(Protocol):
    def check(self) -> ConnectionInfo:
        """Reach the collection, prove the credentials and that it is a calendar."""
        ...

    def list_changes(self, token: str | None) -> RemoteListing: ...

    def fetch(self, hrefs: Iterable[str]) -> list[RemoteObject]: ...

    def put(self, uid: str, ical: str, *, href: str | None, etag: str | None) -> PutResult:
        """Create (``href`` None) or replace the object; ``etag`` guards against lost updates
        (raises ``RemoteChanged``)."""
        ...

    def delete(self, href: str, *, etag: str | None) -> None:
        """Remove the object; already gone is fine."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


Connector = Callable[[ConnectionSettings], RemoteCalendar]
