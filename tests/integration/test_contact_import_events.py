"""An import writes its events to the outbox set-based (not through ``uow.record``): each
created contact still gets a ``contact.created`` row that reads back as the same event, one
``contacts.imported`` summary follows, all are handed to the bus after the commit, and a
cancelled import leaves no event behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.contact_import import importer
from ghl_desktop.services.crm_events import ContactCreated, ContactsImported
from tests.conftest import make_tenant

DATA = (
    "First Name,Email,Tags,Created Date\r\n"
    'Ann,ann@example.com,"VIP, Lead",03/15/2024\r\n'
    "Bob,bob@example.com,,\r\n"
    "Cy,not-an-email,,\r\n"
)


def _stored(rt) -> list[DomainEvent]:
    with rt.uows.system(read_only=True) as uow:
        records = uow.session.scalars(
            select(DomainEventRecord).order_by(DomainEventRecord.occurred_at, DomainEventRecord.id)
        ).all()
        return [
            DomainEvent.from_record(r.name, r.id, r.sub_account_id, r.occurred_at, r.payload)
            for r in records
            if r.name in ("contact.created", "contacts.imported")
        ]


def test_events_are_stored_and_dispatched(any_runtime, clock) -> None:
    rt = any_runtime
    t = make_tenant(rt)
    seen: list[DomainEvent] = []
    rt.bus.subscribe_ephemeral(seen.append)
    result = importer.import_contacts(rt.uows, t.owner, t.sub_account_id, DATA, tags=["Import"])
    assert (result.created, len(result.rejected)) == (2, 1)

    stored = _stored(rt)
    created = [e for e in stored if isinstance(e, ContactCreated)]
    assert len(created) == 2
    assert {e.tags for e in created} == {("VIP", "Lead", "Import"), ("Import",)}
    assert all(e.sub_account_id == t.sub_account_id and e.source == "import" for e in created)
    assert all(e.occurred_at == clock.now() for e in stored)
    [summary] = [e for e in stored if isinstance(e, ContactsImported)]
    assert (summary.created, summary.rejected) == (2, 1)
    # What the bus got is what the outbox holds, field for field.
    assert sorted(seen, key=lambda e: e.event_id) == sorted(stored, key=lambda e: e.event_id)
    with rt.uows.system(read_only=True) as uow:
        pending = uow.session.scalars(
            select(DomainEventRecord.id).where(DomainEventRecord.dispatched_at.is_(None))
        ).all()
    assert pending == []


def test_a_cancelled_import_leaves_no_events(any_runtime) -> None:
    rt = any_runtime
    t = make_tenant(rt)
    seen: list[DomainEvent] = []
    rt.bus.subscribe_ephemeral(seen.append)
    with pytest.raises(importer.ImportCancelled):
        importer.import_contacts(rt.uows, t.owner, t.sub_account_id, DATA, cancel=lambda: True)
    assert _stored(rt) == []
    assert seen == []
