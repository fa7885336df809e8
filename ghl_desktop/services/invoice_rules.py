"""Invoice rules applied on every flush of an ``AppSession``.

* Amounts are derived, never typed: each line's ``amount_minor`` is quantity x unit amount
  and its ``tax_minor`` is ``tax_rate_bp`` basis points of (amount - discount), rounded
  half-even; the invoice's subtotal, discount and tax are the sums over its lines and
  ``total = subtotal + tax - discount``. Whatever was changed (an invoice, a line added,
  edited, deleted or removed from ``line_items``), the invoice is recomputed before the flush
  writes it, so stored totals always equal the stored lines.
* A draft has no number. When an invoice is flushed in any other status without one, it gets
  the next ``INV-<year>-<seq>`` of its sub-account, ``<year>`` being the year of ``issued_at``
  (set to now if empty) in the sub-account's timezone. The sequence comes from one atomic
  upsert of the ``invoice_number_counters`` row in the flushing transaction: concurrent
  writers queue on that row (PostgreSQL) or on the single writer (SQLite), and a rolled-back
  transaction gives its number back.

Bulk ``UPDATE``/``INSERT`` statements bypass these rules; services change invoices through
ORM objects. The database still refuses a total that is not subtotal + tax - discount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.util import IdentitySet

from ghl_desktop.core.clock import utcnow
from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.money import Money
from ghl_desktop.models.payments import (
    Invoice,
    InvoiceLineItem,
    InvoiceNumberCounter,
    InvoiceStatus,
)
from ghl_desktop.models.tenancy import SubAccount

MAX_TAX_RATE_BP = 10_000


def price_line(item: InvoiceLineItem, currency: str) -> None:
    """Validate a line's inputs and set its derived ``amount_minor`` and ``tax_minor``."""
    if item.quantity is None or item.quantity < 1:
        raise ValidationError("quantity", f"must be at least 1, got {item.quantity!r}")
    if item.unit_amount_minor is None or item.unit_amount_minor < 0:
        raise ValidationError("unit_amount_minor", "must be zero or more minor units")
    rate = item.tax_rate_bp or 0
    if not 0 <= rate <= MAX_TAX_RATE_BP:
        raise ValidationError("tax_rate_bp", f"must be 0..{MAX_TAX_RATE_BP} basis points")
    discount = item.discount_minor or 0
    amount = item.quantity * item.unit_amount_minor
    if not 0 <= discount <= amount:
        raise ValidationError("discount_minor", f"must be between 0 and the line amount {amount}")
    tax = Money(amount - discount, currency).percent(rate).amount_minor
    _set(item, tax_rate_bp=rate, discount_minor=discount, amount_minor=amount, tax_minor=tax)


def _set(obj: object, **values: Any) -> None:
    # Assign only real changes, so an untouched row is not rewritten (nor audited).
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def _invoice_of(session: Session, item: InvoiceLineItem) -> Invoice | None:
    if item.invoice is not None:
        return item.invoice
    if item.invoice_id is None:
        return None
    return session.get(Invoice, item.invoice_id)


@dataclass
class _FlushState:
    """What one flush touches, gathered in a single pass (``session.new``/``deleted`` build a
    new set on every access)."""

    invoices: list[Invoice]
    # New lines that name their invoice only by id: a collection loaded earlier lacks them.
    loose_items: dict[str, list[InvoiceLineItem]]
    deleted: IdentitySet


def _flush_state(session: Session) -> _FlushState:
    new, dirty, deleted = session.new, session.dirty, session.deleted
    found: dict[int, Invoice] = {}
    loose: dict[str, list[InvoiceLineItem]] = defaultdict(list)
    for obj in (*new, *dirty, *deleted):
        invoice = obj if isinstance(obj, Invoice) else None
        if isinstance(obj, InvoiceLineItem):
            invoice = _invoice_of(session, obj)
            if obj in new and obj.invoice is None and obj.invoice_id is not None:
                loose[obj.invoice_id].append(obj)
        if invoice is not None and invoice not in deleted:
            found[id(invoice)] = invoice
    return _FlushState(list(found.values()), loose, deleted)


def _current_items(state: _FlushState, invoice: Invoice) -> list[InvoiceLineItem]:
    items = {id(i): i for i in invoice.line_items}
    if invoice.id is not None:
        items.update((id(i), i) for i in state.loose_items.get(invoice.id, ()))
    return [i for i in items.values() if i not in state.deleted]


def recompute_totals(invoice: Invoice, items: Iterable[InvoiceLineItem]) -> None:
    """Price every line and set the invoice's amounts to their sums."""
    if not invoice.currency:
        raise ValidationError("currency", "is required")
    subtotal = tax = discount = 0
    for item in items:
        price_line(item, invoice.currency)
        subtotal += item.amount_minor
        tax += item.tax_minor
        discount += item.discount_minor
    _set(
        invoice,
        subtotal_minor=subtotal,
        tax_minor=tax,
        discount_minor=discount,
        total_minor=subtotal + tax - discount,
    )


def next_invoice_sequence(conn: Connection, sub_account_id: str, year: int) -> int:
    """Reserve the next number of ``year`` for the sub-account, atomically, in ``conn``'s
    transaction (the counter row stays locked until it ends)."""
    table = cast(Table, InvoiceNumberCounter.__table__)
    now = utcnow()
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table).values(
        id=new_id(),
        sub_account_id=sub_account_id,
        year=year,
        last_number=1,
        created_at=now,
        updated_at=now,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.sub_account_id, table.c.year],
        set_={"last_number": table.c.last_number + 1, "updated_at": now},
    ).returning(table.c.last_number)
    return int(conn.execute(upsert).scalar_one())


def format_invoice_number(year: int, sequence: int) -> str:
    return f"INV-{year}-{sequence:03d}"


def _local_year(session: Session, sub_account_id: str, when: datetime) -> int:
    sub = session.get(SubAccount, sub_account_id)
    try:
        zone = ZoneInfo(sub.timezone) if sub is not None else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    return when.astimezone(zone).year if zone is not None else when.year


def _now(session: Session) -> datetime:
    uow = session.info.get("uow")
    clock = getattr(uow, "clock", None)
    return clock.now() if clock is not None else utcnow()


def assign_number(session: Session, invoice: Invoice) -> None:
    if invoice.sub_account_id is None:
        raise ValidationError("sub_account_id", "an invoice needs its sub-account to be numbered")
    if invoice.issued_at is None:
        invoice.issued_at = _now(session)
    year = _local_year(session, invoice.sub_account_id, invoice.issued_at)
    sequence = next_invoice_sequence(session.connection(), invoice.sub_account_id, year)
    invoice.number = format_invoice_number(year, sequence)


def apply_invoice_rules(session: Session, _flush_context: Any, _instances: Any) -> None:
    state = _flush_state(session)
    for invoice in state.invoices:
        recompute_totals(invoice, _current_items(state, invoice))
        # A new invoice whose status was never set is a draft (the column default).
        issued = invoice.status is not None and invoice.status != InvoiceStatus.DRAFT
        if issued and invoice.number is None:
            assign_number(session, invoice)


def register(session_class: type[Session]) -> None:
    """Install the rules on ``session_class`` (``services.uow`` does this for AppSession).

    Must be registered after the tenant hook, which stamps ``sub_account_id`` on new rows.
    """
    from sqlalchemy import event

    if not event.contains(session_class, "before_flush", apply_invoice_rules):
        event.listen(session_class, "before_flush", apply_invoice_rules)
