"""Row builders for the payment-table tests (see ``model_builders`` for the shape)."""

from __future__ import annotations

from typing import Any

from ghl_desktop.models.crm import Contact
from ghl_desktop.models.payments import (
    BillingPeriod,
    Invoice,
    InvoiceLineItem,
    PaymentGateway,
    Price,
    Product,
    ProductKind,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from ghl_desktop.services.uow import UnitOfWork
from tests.integration.model_builders import add


def product(uow: UnitOfWork, **kw: Any) -> Product:
    kw.setdefault("name", "SaaS Platform")
    kw.setdefault("kind", ProductKind.RECURRING)
    return add(uow, Product(**kw))


def price(uow: UnitOfWork, p: Product, **kw: Any) -> Price:
    kw.setdefault("amount_minor", 2900)
    kw.setdefault("currency", "USD")
    kw.setdefault("billing_period", BillingPeriod.MONTH)
    return add(uow, Price(product_id=p.id, **kw))


def invoice(uow: UnitOfWork, c: Contact, *lines: tuple[int, int], **kw: Any) -> Invoice:
    """An invoice with (quantity, unit amount) lines."""
    kw.setdefault("currency", "USD")
    inv = Invoice(contact_id=c.id, **kw)
    for pos, (quantity, unit) in enumerate(lines):
        inv.line_items.append(
            InvoiceLineItem(
                description=f"line {pos}", position=pos, quantity=quantity, unit_amount_minor=unit
            )
        )
    return add(uow, inv)


def payment(uow: UnitOfWork, c: Contact, inv: Invoice | None, **kw: Any) -> Transaction:
    kw.setdefault("type", TransactionType.PAYMENT)
    kw.setdefault("amount_minor", 1000)
    kw.setdefault("currency", "USD")
    kw.setdefault("gateway", PaymentGateway.MANUAL)
    kw.setdefault("status", TransactionStatus.SUCCEEDED)
    return add(uow, Transaction(contact_id=c.id, invoice_id=inv.id if inv else None, **kw))
