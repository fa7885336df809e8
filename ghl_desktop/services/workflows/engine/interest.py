"""Which events of a batch the workflow subscriber could act on, found set-based.

``signals.on_event`` acts on an event about a contact only when (1) a published workflow of
its sub-account has an active trigger of a type the event can fire (enrolment), or (2) the
contact has a live run (waits until an event, goals). Everything else is a no-op for it, so
the bus may count those events as handled without a savepoint and a delivery row each: an
import of 100,000 contacts into a sub-account without such workflows costs a few queries
instead of 100,000 deliveries. The test is a superset (trigger filters are not evaluated
here): the handler still decides for every event kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.workflows import Workflow, WorkflowExecution, WorkflowStatus
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.steps import LIVE
from ghl_desktop.services.workflows.registry import triggers_for_event

CHUNK = 5_000  # contact ids per query (far below SQLite's and psycopg's parameter limits)


def interesting_events(events: Sequence[DomainEvent], uow: UnitOfWork) -> list[DomainEvent]:
    by_sub: dict[str, list[tuple[DomainEvent, str]]] = defaultdict(list)
    for event in events:
        contact_id = getattr(event, "contact_id", None)
        if contact_id and event.sub_account_id:
            by_sub[event.sub_account_id].append((event, contact_id))
    kept: list[DomainEvent] = []
    fired: dict[str, set[str]] = {}  # event name -> trigger types it can fire
    for sub_account_id, items in by_sub.items():
        listened = _trigger_types(uow, sub_account_id)
        live = _contacts_with_live_runs(uow, sub_account_id, {c for _e, c in items})
        for event, contact_id in items:
            types = fired.get(event.name)
            if types is None:
                types = fired[event.name] = {s.type for s in triggers_for_event(event.name)}
            if contact_id in live or types & listened:
                kept.append(event)
    return kept


def _trigger_types(uow: UnitOfWork, sub_account_id: str) -> set[str]:
    """Types of the active triggers of the sub-account's published workflows."""
    rows = uow.session.execute(
        select(Workflow.id, Workflow.published_version).where(
            Workflow.sub_account_id == sub_account_id,
            Workflow.status == WorkflowStatus.PUBLISHED,
            Workflow.published_version.is_not(None),
        )
    ).all()
    types: set[str] = set()
    for workflow_id, version in rows:
        assert version is not None
        types.update(t.type for t in definition_of(uow, workflow_id, version).active_triggers())
    return types


def _contacts_with_live_runs(
    uow: UnitOfWork, sub_account_id: str, contact_ids: set[str]
) -> set[str]:
    any_live = uow.session.scalar(
        select(WorkflowExecution.id)
        .where(
            WorkflowExecution.sub_account_id == sub_account_id,
            WorkflowExecution.status.in_(LIVE),
        )
        .limit(1)
    )
    if any_live is None:  # the usual case for a bulk import: no contact to look up
        return set()
    ordered = sorted(contact_ids)
    found: set[str] = set()
    for start in range(0, len(ordered), CHUNK):
        found.update(
            uow.session.scalars(
                select(WorkflowExecution.contact_id)
                .where(
                    WorkflowExecution.sub_account_id == sub_account_id,
                    WorkflowExecution.contact_id.in_(ordered[start : start + CHUNK]),
                    WorkflowExecution.status.in_(LIVE),
                )
                .distinct()
            )
        )
    return found
