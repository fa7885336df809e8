"""Demo payments (Location A): "SaaS Platform" at $29/month and $290/year (14-day trial), the
"Extra Users" add-on, subscriptions (one in trial), invoices whose totals the flush hook derives
from their lines, and the successful payments that settled them.

John Doe's invoice is the description's: "SaaS Platform - Monthly" 1 x $29.00 and
"Extra Users (10)" 10 x $5.00, paid by the Stripe charge ``ch_abc123``.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, LifecycleStage
from ghl_desktop.models.payments import (
    BillingPeriod,
    Invoice,
    InvoiceLineItem,
    InvoiceStatus,
    PaymentGateway,
    PaymentMethod,
    Price,
    Product,
    ProductKind,
    Subscription,
    SubscriptionStatus,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from ghl_desktop.services.demo.common import (
    CURRENCY,
    FEATURED_EMAIL,
    Location,
    contacts_of,
    demo_random,
    exists,
    featured_contact,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

SAAS = "SaaS Platform"
EXTRA_USERS = "Extra Users"
TAX_BP = 800  # 8 % sales tax
EXTRA_USERS_DISCOUNT = 1_000  # $10.00 off the add-on line
FEATURED_CHARGE = "ch_abc123"
OTHER_CUSTOMERS = 5
BRANDS = ("visa", "mastercard", "amex", "discover")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, clamped to the end of shorter months."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location) -> None:
        self.uow = uow
        self.session = uow.session
        self.rng = demo_random("payments", location)
        self.now = uow.clock.now().replace(microsecond=0)

    def catalogue(self) -> tuple[Price, Price, Price]:
        saas = Product(
            id=new_id(), name=SAAS, kind=ProductKind.RECURRING,
            description="Online ordering, reservations and loyalty for your restaurant",
        )  # fmt: skip
        extra = Product(
            id=new_id(), name=EXTRA_USERS, kind=ProductKind.RECURRING,
            description="Add-on: one more staff login on the SaaS Platform",
        )  # fmt: skip
        self.session.add_all([saas, extra])
        self.session.flush()
        monthly = Price(
            product_id=saas.id, name="Monthly", amount_minor=2_900, currency=CURRENCY,
            billing_period=BillingPeriod.MONTH, interval_count=1,
            external_price_id="price_abc123",
        )  # fmt: skip
        yearly = Price(
            product_id=saas.id, name="Yearly (save $58)", amount_minor=29_000,
            currency=CURRENCY, billing_period=BillingPeriod.YEAR, interval_count=1,
            trial_days=14,
        )  # fmt: skip
        per_user = Price(
            product_id=extra.id, name="Per user, monthly", amount_minor=500, currency=CURRENCY,
            billing_period=BillingPeriod.MONTH, interval_count=1,
        )  # fmt: skip
        self.session.add_all([monthly, yearly, per_user])
        self.session.flush()
        return monthly, yearly, per_user

    def card(self, contact: Contact, external_id: str | None = None) -> PaymentMethod:
        rng = self.rng
        method = PaymentMethod(
            contact_id=contact.id, gateway=PaymentGateway.STRIPE, brand=rng.choice(BRANDS),
            last4=f"{rng.randrange(10_000):04d}", exp_month=rng.randint(1, 12),
            exp_year=self.now.year + rng.randint(1, 4),
            external_id=external_id or f"pm_{rng.getrandbits(64):016x}", is_default=True,
        )  # fmt: skip
        self.session.add(method)
        self.session.flush()
        return method

    def subscription(
        self, contact: Contact, price: Price, method: PaymentMethod | None, start: datetime,
        *, quantity: int = 1,
    ) -> Subscription:  # fmt: skip
        period_start = start
        while add_months(period_start, 1) <= self.now:
            period_start = add_months(period_start, 1)
        subscription = Subscription(
            contact_id=contact.id, price_id=price.id,
            payment_method_id=method.id if method else None, status=SubscriptionStatus.ACTIVE,
            quantity=quantity, current_period_start=period_start,
            current_period_end=add_months(period_start, 1), created_at=start, updated_at=start,
        )  # fmt: skip
        self.session.add(subscription)
        self.session.flush()
        return subscription

    def invoice(
        self, contact: Contact, subscription: Subscription | None, issued: datetime,
        lines: list[InvoiceLineItem], *, paid: bool, charge_id: str | None = None,
        method: PaymentMethod | None = None,
    ) -> Invoice:  # fmt: skip
        invoice = Invoice(
            contact_id=contact.id, subscription_id=subscription.id if subscription else None,
            status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN, currency=CURRENCY,
            issued_at=issued, due_at=issued + timedelta(days=0 if paid else 14),
            paid_at=issued + timedelta(minutes=2) if paid else None, line_items=lines,
            created_at=issued, updated_at=issued,
        )  # fmt: skip
        self.session.add(invoice)
        # One flush per invoice: totals are derived and the number allocated in issue order.
        self.session.flush()
        if paid:
            assert invoice.paid_at is not None
            self.session.add(
                Transaction(
                    invoice_id=invoice.id, contact_id=contact.id,
                    payment_method_id=method.id if method else None,
                    type=TransactionType.PAYMENT, amount_minor=invoice.total_minor,
                    currency=CURRENCY, status=TransactionStatus.SUCCEEDED,
                    gateway=PaymentGateway.STRIPE,
                    gateway_transaction_id=charge_id or f"ch_{self.rng.getrandbits(64):016x}",
                    processed_at=invoice.paid_at, created_at=invoice.paid_at,
                    updated_at=invoice.paid_at,
                )
            )  # fmt: skip
        return invoice

    def build(self) -> None:
        self.uow.require("payments.write")
        monthly, yearly, per_user = self.catalogue()
        customers = [
            c for c in contacts_of(self.uow)
            if c.lifecycle_stage is LifecycleStage.CUSTOMER and c.email != FEATURED_EMAIL
        ]  # fmt: skip
        self._featured(monthly, per_user)
        self._trial(customers[0], yearly)
        for index, contact in enumerate(customers[1 : 1 + OTHER_CUSTOMERS]):
            months = 1 + index % 3
            start = add_months(self.now - timedelta(days=self.rng.randint(1, 25)), -months)
            method = self.card(contact)
            subscription = self.subscription(contact, monthly, method, start)
            issued = start
            while issued <= self.now:
                # The newest invoice of the last customer is still open (awaiting payment).
                paid = not (index == OTHER_CUSTOMERS - 1 and add_months(issued, 1) > self.now)
                line = self._saas_line(monthly)
                self.invoice(contact, subscription, issued, [line], paid=paid, method=method)
                issued = add_months(issued, 1)

    def _saas_line(self, monthly: Price, position: int = 0) -> InvoiceLineItem:
        return InvoiceLineItem(
            product_id=monthly.product_id, position=position,
            description=f"{SAAS} - Monthly", quantity=1, unit_amount_minor=monthly.amount_minor,
            tax_rate_bp=TAX_BP,
        )  # fmt: skip

    def _featured(self, monthly: Price, per_user: Price) -> None:
        john = featured_contact(self.uow)
        start = self.now - timedelta(days=5)
        method = self.card(john, external_id="pm_demo_john_doe")
        subscription = self.subscription(john, monthly, method, start)
        self.subscription(john, per_user, method, start, quantity=10)
        lines = [
            self._saas_line(monthly),
            InvoiceLineItem(
                product_id=per_user.product_id, position=1, description="Extra Users (10)",
                quantity=10, unit_amount_minor=per_user.amount_minor, tax_rate_bp=TAX_BP,
                discount_minor=EXTRA_USERS_DISCOUNT,
            ),
        ]  # fmt: skip
        self.invoice(
            john, subscription, start, lines, paid=True, charge_id=FEATURED_CHARGE, method=method
        )

    def _trial(self, contact: Contact, yearly: Price) -> None:
        start = self.now - timedelta(days=3)
        trial_end = start + timedelta(days=yearly.trial_days)
        self.session.add(
            Subscription(
                contact_id=contact.id, price_id=yearly.id, status=SubscriptionStatus.TRIALING,
                trial_start=start, trial_end=trial_end, current_period_start=start,
                current_period_end=trial_end, created_at=start, updated_at=start,
            )
        )  # fmt: skip


def seed_payments(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Product.id).where(Product.name == SAAS)),
        lambda uow, location: _Builder(uow, location).build(),
        main_only=True,
    )
