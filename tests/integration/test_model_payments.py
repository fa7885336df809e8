"""Payment tables on SQLite and PostgreSQL: money history is never lost, and invoice totals
always equal their line items (numbering: test_model_payments_numbering)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.payments import (
    BillingPeriod,
    Invoice,
    InvoiceLineItem,
    InvoiceNumberCounter,
    InvoiceStatus,
    PaymentGateway,
    PaymentMethod,
    Price,
    Product,
    Subscription,
    SubscriptionStatus,
    Transaction,
    TransactionType,
)
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    contact,
    count,
    purge,
    purge_is_refused,
    tenant_uow,
)
from tests.integration.payment_builders import invoice, payment, price, product


def assert_totals_match_lines(uow: UnitOfWork, invoice_id: str) -> tuple[int, int, int, int]:
    """Read the stored rows back with SQL and compare the invoice with the sum of its lines."""
    sums = uow.session.execute(
        text(
            "SELECT COALESCE(SUM(amount_minor), 0), COALESCE(SUM(tax_minor), 0), "
            "COALESCE(SUM(discount_minor), 0) FROM invoice_line_items WHERE invoice_id = :id"
        ),
        {"id": invoice_id},
    ).one()
    stored = uow.session.execute(
        text(
            "SELECT subtotal_minor, tax_minor, discount_minor, total_minor FROM invoices "
            "WHERE id = :id"
        ),
        {"id": invoice_id},
    ).one()
    subtotal, tax, discount = (int(v) for v in sums)
    assert tuple(stored) == (subtotal, tax, discount, subtotal + tax - discount)
    return subtotal, tax, discount, subtotal + tax - discount


# -- totals ----------------------------------------------------------------------------------
def test_invoice_totals_are_derived_from_line_items(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        inv = invoice(uow, contact(uow), (1, 2900), (10, 500))
        first, second = inv.line_items
        first.tax_rate_bp = 800  # 8 % of 29.00 = 2.32
        second.tax_rate_bp = 800  # 8 % of (50.00 - 10.00) = 3.20
        second.discount_minor = 1000
        inv.total_minor = 1  # a hand-typed total never survives the flush
        uow.commit()
        inv_id = inv.id
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv_id) == (7900, 552, 1000, 7452)
        stored = uow.session.get(Invoice, inv_id)
        assert stored is not None
        assert [li.amount_minor for li in stored.line_items] == [2900, 5000]


def test_totals_follow_edits_removals_and_additions(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        inv = invoice(uow, contact(uow), (1, 1000), (2, 250), (3, 100))
        uow.commit()
        inv_id = inv.id
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv_id)[3] == 1800
        # Edit a line loaded on its own (the invoice is not touched directly).
        line = uow.session.scalars(
            select(InvoiceLineItem).where(InvoiceLineItem.position == 0)
        ).one()
        line.quantity = 4
        line.tax_rate_bp = 2000
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv_id) == (4800, 800, 0, 5600)
        # Remove a line from the collection (delete-orphan) ...
        stored = uow.session.get(Invoice, inv_id)
        assert stored is not None
        stored.line_items.remove(stored.line_items[1])
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv_id) == (4300, 800, 0, 5100)
        assert count(uow, InvoiceLineItem) == 2
        # ... delete one directly, and add one that names its invoice only by id.
        last = uow.session.scalars(
            select(InvoiceLineItem).where(InvoiceLineItem.position == 2)
        ).one()
        uow.session.delete(last)
        uow.session.add(
            InvoiceLineItem(
                invoice_id=inv_id,
                description="Setup",
                position=3,
                quantity=1,
                unit_amount_minor=9900,
                discount_minor=900,
            )
        )
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv_id) == (13900, 800, 900, 13800)


def test_invoice_with_no_lines_totals_zero(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        inv = invoice(uow, contact(uow), (1, 500))
        uow.session.delete(inv.line_items[0])
        uow.commit()
        assert assert_totals_match_lines(uow, inv.id) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("quantity", {"quantity": 0}),
        ("unit_amount_minor", {"unit_amount_minor": -1}),
        ("tax_rate_bp", {"tax_rate_bp": 10_001}),
        ("discount_minor", {"discount_minor": 1001}),
        ("discount_minor", {"discount_minor": -5}),
    ],
)
def test_bad_line_items_are_refused_naming_the_field(
    any_runtime: Runtime, field: str, change: dict[str, int]
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        inv = invoice(uow, contact(uow), (1, 1000))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        line = uow.session.scalars(select(InvoiceLineItem)).one()
        for key, value in change.items():
            setattr(line, key, value)
        with pytest.raises(ValidationError) as err:
            uow.flush()
        assert err.value.field == field
    with tenant_uow(any_runtime, t) as uow:
        assert assert_totals_match_lines(uow, inv.id)[3] == 1000


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("invoices", "total_minor = total_minor + 1"),
        ("invoices", "subtotal_minor = subtotal_minor + 1"),
        ("invoices", "status = 'refunded'"),
        ("invoices", "currency = 'usd'"),
        ("invoices", "status = 'open'"),  # an issued invoice needs a number
        ("invoices", "status = 'paid', number = 'X-1'"),  # paid needs paid_at
        ("invoice_line_items", "amount_minor = amount_minor + 1"),
        ("invoice_line_items", "quantity = 0, amount_minor = 0"),
        ("invoice_line_items", "tax_rate_bp = 20000"),
        ("prices", "amount_minor = -1"),
        ("prices", "currency = 'EU'"),
        ("prices", "billing_period = 'hour'"),
        ("prices", "interval_count = 0"),
        ("prices", "billing_period = 'none', interval_count = 3"),
        ("products", "kind = 'bundle'"),
        ("subscriptions", "status = 'paused'"),
        ("transactions", "amount_minor = 0"),
        ("transactions", "type = 'charge'"),
        ("transactions", "status = 'lost'"),
        ("transactions", "type = 'refund'"),  # a refund must name its payment
        ("payment_methods", "last4 = '123'"),
        ("payment_methods", "exp_month = 13"),
    ],
)
def test_enum_and_money_checks_hold_below_the_orm(
    any_runtime: Runtime, table: str, assignment: str
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        p = product(uow)
        add(uow, Subscription(contact_id=c.id, price_id=price(uow, p).id))
        inv = invoice(uow, c, (2, 500))
        payment(uow, c, inv)
        add(uow, PaymentMethod(contact_id=c.id, gateway=PaymentGateway.STRIPE, last4="4242"))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))


# -- delete rules ----------------------------------------------------------------------------
def test_money_history_blocks_purges(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        p = product(uow)
        pr = price(uow, p)
        sub = add(uow, Subscription(contact_id=c.id, price_id=pr.id))
        inv = invoice(uow, c, (1, 2900), subscription_id=sub.id)
        pay = payment(uow, c, inv, amount_minor=2900)
        payment(
            uow, c, inv, type=TransactionType.REFUND, amount_minor=900,
            refunded_transaction_id=pay.id,
        )  # fmt: skip
        uow.commit()
    purge_is_refused(any_runtime, t, Contact, c.id)  # invoices, subscription, transactions
    purge_is_refused(any_runtime, t, Invoice, inv.id)  # transactions
    purge_is_refused(any_runtime, t, Transaction, pay.id)  # its refund
    purge_is_refused(any_runtime, t, Price, pr.id)  # the subscription
    purge_is_refused(any_runtime, t, Product, p.id)  # cascades to the subscribed price
    # A subscription may go; the invoice keeps its money and forgets the link.
    purge(any_runtime, t, Subscription, sub.id)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Invoice, inv.id)
        assert stored is not None
        assert (stored.subscription_id, stored.total_minor) == (None, 2900)
        assert count(uow, Transaction) == 2


def test_pure_children_cascade_and_optional_links_clear(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        p = product(uow)
        price(uow, p)
        price(uow, p, billing_period=BillingPeriod.YEAR, amount_minor=29000, trial_days=14)
        draft = invoice(uow, c, (1, 100), (1, 200))
        other = contact(uow, first_name="Bob")
        card = add(uow, PaymentMethod(contact_id=other.id, gateway=PaymentGateway.STRIPE))
        sub = add(
            uow,
            Subscription(
                contact_id=other.id, price_id=price(uow, product(uow, name="Addon")).id,
                payment_method_id=card.id,
            ),
        )  # fmt: skip
        uow.commit()
    purge(any_runtime, t, Product, p.id)
    purge(any_runtime, t, Invoice, draft.id)  # a draft without payments
    purge(any_runtime, t, PaymentMethod, card.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Price, product_id=p.id) == 0
        assert count(uow, InvoiceLineItem) == 0
        stored = uow.session.get(Subscription, sub.id)
        assert stored is not None
        assert stored.payment_method_id is None
        assert stored.status is SubscriptionStatus.INCOMPLETE
    # Without money history a contact can be purged, and its payment methods go with it.
    with tenant_uow(any_runtime, t) as uow:
        add(uow, PaymentMethod(contact_id=c.id, gateway=PaymentGateway.MANUAL, is_default=True))
        uow.commit()
    purge(any_runtime, t, Contact, c.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, PaymentMethod, contact_id=c.id) == 0


def test_one_default_payment_method_per_contact(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        add(uow, PaymentMethod(contact_id=c.id, gateway=PaymentGateway.STRIPE, is_default=True))
        add(uow, PaymentMethod(contact_id=c.id, gateway=PaymentGateway.STRIPE))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(uow, PaymentMethod(contact_id=c.id, gateway=PaymentGateway.MANUAL, is_default=True))


def test_gateway_ids_are_unique_per_sub_account(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    for sub in (t.sub_account_id, t.other_sub_account_id):
        with tenant_uow(any_runtime, t, sub) as uow:
            c = contact(uow)
            payment(uow, c, None, gateway=PaymentGateway.STRIPE, gateway_transaction_id="ch_1")
            payment(uow, c, None)  # manual payments have no gateway id
            payment(uow, c, None)
            uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        payment(uow, c, None, gateway=PaymentGateway.STRIPE, gateway_transaction_id="ch_1")


def test_purging_a_sub_account_removes_its_money_history(any_runtime: Runtime) -> None:
    """RESTRICT protects rows one by one; the whole tenant still cascades away."""
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        sub = add(uow, Subscription(contact_id=c.id, price_id=price(uow, product(uow)).id))
        inv = invoice(uow, c, (1, 2900), subscription_id=sub.id, status=InvoiceStatus.OPEN)
        payment(uow, c, inv)
        uow.commit()
    with any_runtime.uows.system() as uow:
        stored = uow.session.get(SubAccount, t.sub_account_id)
        uow.session.delete(stored)
        uow.commit()
    with any_runtime.uows.system() as uow:
        for model in (Invoice, Transaction, Subscription, InvoiceNumberCounter, Contact):
            assert count(uow, model) == 0
