"""The scheduler's jobs. Each capability adds one ``JobSpec`` line to ``default_jobs``.

A job function receives the Runtime, calls services only, and is safe to run at any time:
idempotent, claiming its own work, so a run that overlaps a restart or a takeover does no harm.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ghl_desktop.providers.caldav_client import connect as caldav_connect
from ghl_desktop.services.calendars.reminders import run_reminders
from ghl_desktop.services.calendars.sync.engine import sync_due
from ghl_desktop.services.inbox.conversations import wake_snoozed
from ghl_desktop.services.inbox.email_imap import poll_all as poll_imap
from ghl_desktop.services.maintenance import run_maintenance
from ghl_desktop.services.outbox.dispatcher import Dispatcher
from ghl_desktop.services.workflows.engine import tick as workflows_tick

if TYPE_CHECKING:
    from ghl_desktop.bootstrap import Runtime


@dataclass(frozen=True)
class JobSpec:
    id: str
    interval_seconds: float
    run: Callable[[Runtime], None]

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("id: a job needs a fixed id")
        if self.interval_seconds <= 0:
            raise ValueError(f"interval_seconds: must be positive for job {self.id!r}")


# Events younger than this are probably still being dispatched by the process that committed
# them; redispatching them too would only make both wait on the same delivery rows.
REDISPATCH_MIN_AGE = timedelta(seconds=30)


def redispatch_events(runtime: Runtime) -> None:
    runtime.bus.redispatch_pending(min_age=REDISPATCH_MIN_AGE)


# One dispatcher per runtime: its token buckets must outlive a single tick. Weak references, so
# a closed runtime (tests open hundreds) is not kept alive by this cache.
_dispatchers: dict[int, tuple[weakref.ref[Runtime], Dispatcher]] = {}
_dispatchers_lock = threading.Lock()


def dispatcher_for(runtime: Runtime) -> Dispatcher:
    with _dispatchers_lock:
        for key in [k for k, (ref, _) in _dispatchers.items() if ref() is None]:
            del _dispatchers[key]
        entry = _dispatchers.get(id(runtime))
        if entry is None or entry[0]() is not runtime:
            dispatcher = Dispatcher(runtime.uows, runtime.providers, runtime.clock)
            entry = (weakref.ref(runtime), dispatcher)
            _dispatchers[id(runtime)] = entry
        return entry[1]


def dispatch_outbox(runtime: Runtime) -> None:
    dispatcher_for(runtime).dispatch_due()


def maintenance(runtime: Runtime) -> None:
    run_maintenance(runtime.database)


def imap_poll(runtime: Runtime) -> None:
    poll_imap(runtime.uows, runtime.secrets, runtime.data_dir)


def calendar_sync(runtime: Runtime) -> None:
    """Two-way CalDAV sync of every connected calendar not synced in the last 5 minutes."""
    sync_due(runtime.uows, runtime.secrets, caldav_connect)


def default_jobs() -> list[JobSpec]:
    return [
        JobSpec("events.redispatch", 30, redispatch_events),
        JobSpec("outbox.dispatch", 5, dispatch_outbox),
        JobSpec("maintenance", 3600, maintenance),
        JobSpec("calendar.sync", 60, calendar_sync),
        JobSpec("reminders.tick", 300, lambda rt: run_reminders(rt.uows, rt.secrets)),
        JobSpec("inbox.imap_poll", 60, imap_poll),
        JobSpec("inbox.unsnooze", 60, lambda rt: wake_snoozed(rt.uows)),
        JobSpec("workflows.tick", 10, lambda rt: workflows_tick(rt.uows)),
    ]
