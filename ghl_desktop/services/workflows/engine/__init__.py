"""The workflow runtime: enrolment, the step executor, actions, waits, dry runs, queries.

Entry points:

* ``register(bus)`` - wire the durable event subscriber (bootstrap does it);
* ``tick(uows)`` - the ``workflows.tick`` scheduler job: date reminders, then due steps;
* ``run_due(uows, clock)`` - claim and run every due step (CLI ``workflows run-due``);
* ``control`` - manual enrolment, pause / resume / cancel, ``record_email_open``;
* ``queries`` - execution logs and per-contact history with paths and decisions;
* ``dry_run.dry_run`` - a virtual-clock rehearsal that writes and sends nothing.
"""

from __future__ import annotations

from ghl_desktop.services.bus import EventBus
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.date_reminders import fire_date_reminders
from ghl_desktop.services.workflows.engine.executor import RunSummary, run_due

__all__ = ["RunSummary", "fire_date_reminders", "register", "run_due", "tick"]


def register(bus: EventBus) -> None:
    from ghl_desktop.services.workflows.engine import signals

    signals.subscribe(bus)


def tick(uows: UnitOfWorkFactory) -> None:
    """Safe to run at any time and in several processes: reminders enrol idempotently per
    (trigger, contact, date), and steps are claimed with a lease."""
    fire_date_reminders(uows)
    run_due(uows)
