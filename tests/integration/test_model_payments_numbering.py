"""Invoice numbers on SQLite and PostgreSQL: drafts have none, issuing allocates the next of
the sub-account's year (in its timezone), rollbacks give numbers back, and concurrent writers
never share or skip one."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.payments import (
    Invoice,
    InvoiceLineItem,
    InvoiceNumberCounter,
    InvoiceStatus,
)
from ghl_desktop.services import agencies
from tests.conftest import Tenant, make_tenant
from tests.integration.model_builders import contact, tenant_uow
from tests.integration.payment_builders import invoice


def test_drafts_have_no_number_and_issuing_allocates_the_next(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        draft = invoice(uow, c, (1, 100))
        issued = [invoice(uow, c, (1, 100), status=InvoiceStatus.OPEN) for _ in range(2)]
        uow.commit()
    assert draft.number is None
    assert [i.number for i in issued] == ["INV-2026-001", "INV-2026-002"]
    assert issued[0].issued_at == any_runtime.clock.now()
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Invoice, draft.id)
        assert stored is not None
        stored.status = InvoiceStatus.OPEN
        uow.commit()
        assert stored.number == "INV-2026-003"
        # Later changes keep the number.
        stored.status = InvoiceStatus.VOID
        uow.commit()
        assert stored.number == "INV-2026-003"
    # Each sub-account counts on its own.
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        other = invoice(uow, contact(uow), (1, 100), status=InvoiceStatus.OPEN)
        uow.commit()
        assert other.number == "INV-2026-001"


def test_numbers_restart_each_year_in_the_sub_account_timezone(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    agencies.update_sub_account(
        any_runtime.uows, t.owner, t.sub_account_id, timezone="Pacific/Auckland"
    )
    late_december_utc = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # 2027-01-01 01:00 local
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        a = invoice(uow, c, (1, 1), status=InvoiceStatus.OPEN)
        b = invoice(uow, c, (1, 1), status=InvoiceStatus.OPEN, issued_at=late_december_utc)
        uow.commit()
    assert (a.number, b.number) == ("INV-2026-001", "INV-2027-001")


def test_a_rolled_back_issue_gives_its_number_back(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert invoice(uow, c, (1, 1), status=InvoiceStatus.OPEN).number == "INV-2026-001"
        uow.rollback()
    with tenant_uow(any_runtime, t) as uow:
        assert invoice(uow, c, (1, 1), status=InvoiceStatus.OPEN).number == "INV-2026-001"
        uow.commit()


def test_concurrent_writers_get_unique_sequential_numbers(any_runtime: Runtime) -> None:
    t: Tenant = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        contact_id = contact(uow).id
        uow.commit()
    threads, per_thread = 6, 4
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def issue() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with tenant_uow(any_runtime, t) as uow:
                    inv = Invoice(contact_id=contact_id, currency="USD", status=InvoiceStatus.OPEN)
                    inv.line_items.append(
                        InvoiceLineItem(description="x", quantity=1, unit_amount_minor=100)
                    )
                    uow.session.add(inv)
                    uow.commit()
                    with lock:
                        numbers.append(inv.number or "")
        except BaseException as e:  # collected and re-raised in the test thread
            errors.append(e)

    workers = [threading.Thread(target=issue) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    total = threads * per_thread
    assert sorted(numbers) == [f"INV-2026-{n:03d}" for n in range(1, total + 1)]
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Invoice)) == total
        counter = uow.session.scalars(select(InvoiceNumberCounter)).one()
        assert (counter.year, counter.last_number) == (2026, total)
    assert all(re.fullmatch(r"INV-2026-\d{3}", n) for n in numbers)
