"""Payments: products and prices, payment methods, subscriptions, invoices and transactions.

Money is integer minor units plus an ISO 4217 ``currency`` everywhere.

On delete (no money history is ever lost):

* contact -> subscriptions, invoices, transactions: RESTRICT (contacts are soft-deleted; a
  contact with money history cannot be purged).
* price -> subscriptions: RESTRICT; product -> prices: CASCADE (so a product whose price is
  subscribed cannot be purged either; products are soft-deleted).
* invoice -> line items: CASCADE; invoice -> transactions: RESTRICT (only a draft invoice that
  never took a payment can be deleted); subscription -> invoices: SET NULL.
* contact -> payment methods: CASCADE; payment method -> subscriptions/transactions: SET NULL.

Invoice totals are derived from the line items by ``services.invoice_rules`` on every flush,
and the database checks ``total = subtotal + tax - discount``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)

_CURRENCY_CHECK = "length(currency) = 3 AND currency = upper(currency)"


class ProductKind(enum.StrEnum):
    ONE_TIME = "one_time"
    RECURRING = "recurring"


class BillingPeriod(enum.StrEnum):
    NONE = "none"  # one-time prices
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class PaymentGateway(enum.StrEnum):
    MANUAL = "manual"  # cash, bank transfer, cheque: recorded by a user
    STRIPE = "stripe"


class SubscriptionStatus(enum.StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"
    ENDED = "ended"
    INCOMPLETE = "incomplete"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class TransactionType(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class TransactionStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class Product(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    __tablename__ = "products"
    __audited__ = True
    __table_args__ = (
        Index("ix_products_sub_account_active", "sub_account_id", "is_active", "name"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ProductKind] = mapped_column(enum_column_type(ProductKind))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    prices: Mapped[list[Price]] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )


class Price(IdMixin, TimestampMixin, TenantMixin, Base):
    """What a product costs: once (``billing_period`` none) or every ``interval_count``
    periods. Prices are deactivated rather than changed once something was sold at them."""

    __tablename__ = "prices"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(_CURRENCY_CHECK, name="currency_iso"),
        CheckConstraint("interval_count >= 1", name="interval_count_positive"),
        CheckConstraint("trial_days >= 0", name="trial_days_not_negative"),
        CheckConstraint(
            "billing_period != 'none' OR (interval_count = 1 AND trial_days = 0)",
            name="one_time_has_no_interval",
        ),
        Index("ix_prices_sub_account_product", "sub_account_id", "product_id", "is_active"),
    )

    product_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("products.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    billing_period: Mapped[BillingPeriod] = mapped_column(
        enum_column_type(BillingPeriod), default=BillingPeriod.NONE
    )
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    trial_days: Mapped[int] = mapped_column(Integer, default=0)
    external_price_id: Mapped[str | None] = mapped_column(String(200), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship(back_populates="prices")


class PaymentMethod(IdMixin, TimestampMixin, TenantMixin, Base):
    """A stored way to charge a contact (a card at the gateway). Only its display details and
    the gateway's reference are kept here, never card numbers."""

    __tablename__ = "payment_methods"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("last4 IS NULL OR length(last4) = 4", name="last4_four_digits"),
        CheckConstraint("exp_month IS NULL OR exp_month BETWEEN 1 AND 12", name="exp_month_range"),
        Index("ix_payment_methods_sub_account_contact", "sub_account_id", "contact_id"),
        Index(
            "uq_payment_methods_one_default",
            "contact_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    gateway: Mapped[PaymentGateway] = mapped_column(enum_column_type(PaymentGateway))
    brand: Mapped[str] = mapped_column(String(50), default="")
    last4: Mapped[str | None] = mapped_column(String(4), default=None)
    exp_month: Mapped[int | None] = mapped_column(Integer, default=None)
    exp_year: Mapped[int | None] = mapped_column(Integer, default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Subscription(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "subscriptions"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_subscriptions_sub_account_contact", "sub_account_id", "contact_id"),
        # billing.tick: subscriptions whose period ends.
        Index(
            "ix_subscriptions_sub_account_status",
            "sub_account_id",
            "status",
            "current_period_end",
        ),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    price_id: Mapped[str] = mapped_column(String(36), ForeignKey("prices.id", ondelete="RESTRICT"))
    payment_method_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("payment_methods.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column_type(SubscriptionStatus), default=SubscriptionStatus.INCOMPLETE
    )
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    trial_start: Mapped[datetime | None] = mapped_column(default=None)
    trial_end: Mapped[datetime | None] = mapped_column(default=None)
    current_period_start: Mapped[datetime | None] = mapped_column(default=None)
    current_period_end: Mapped[datetime | None] = mapped_column(default=None)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)


class Invoice(IdMixin, TimestampMixin, TenantMixin, Base):
    """A bill to a contact. Amounts are derived from ``line_items`` (never set them by hand).

    A draft has no number; leaving draft allocates the next ``INV-<year>-<seq>`` of the
    sub-account for the year it is issued in, so issued numbers have no gaps. Invoices are
    voided, not deleted.
    """

    __tablename__ = "invoices"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sub_account_id", "number"),
        CheckConstraint(_CURRENCY_CHECK, name="currency_iso"),
        CheckConstraint("subtotal_minor >= 0", name="subtotal_not_negative"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
        CheckConstraint(
            "total_minor = subtotal_minor + tax_minor - discount_minor", name="total_derived"
        ),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("status = 'draft' OR number IS NOT NULL", name="issued_has_number"),
        CheckConstraint("status != 'paid' OR paid_at IS NOT NULL", name="paid_has_paid_at"),
        Index("ix_invoices_sub_account_status", "sub_account_id", "status", "due_at"),
        Index("ix_invoices_sub_account_contact", "sub_account_id", "contact_id", "issued_at"),
        Index("ix_invoices_sub_account_issued", "sub_account_id", "issued_at"),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    subscription_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("subscriptions.id", ondelete="SET NULL"), default=None
    )
    number: Mapped[str | None] = mapped_column(String(32), default=None)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column_type(InvoiceStatus), default=InvoiceStatus.DRAFT
    )
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    line_items: Mapped[list[InvoiceLineItem]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InvoiceLineItem.position",
    )


class InvoiceLineItem(IdMixin, TimestampMixin, TenantMixin, Base):
    """``amount_minor`` = quantity x unit amount (before discount and tax); ``tax_minor`` is
    ``tax_rate_bp`` basis points of (amount - discount), rounded half-even. Both are derived."""

    __tablename__ = "invoice_line_items"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_amount_minor >= 0", name="unit_amount_not_negative"),
        CheckConstraint("amount_minor = quantity * unit_amount_minor", name="amount_derived"),
        CheckConstraint(
            "discount_minor >= 0 AND discount_minor <= amount_minor", name="discount_range"
        ),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate_range"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        Index("ix_invoice_line_items_sub_account_invoice", "sub_account_id", "invoice_id"),
    )

    invoice_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("invoices.id", ondelete="CASCADE")
    )
    product_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("products.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount_minor: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)

    invoice: Mapped[Invoice] = relationship(back_populates="line_items")


class InvoiceNumberCounter(IdMixin, TimestampMixin, TenantMixin, Base):
    """The last invoice number handed out per sub-account and year. Incremented with one
    atomic upsert inside the transaction that issues the invoice (see services.invoice_rules),
    so concurrent writers on PostgreSQL queue on this row and never share a number."""

    __tablename__ = "invoice_number_counters"
    __table_args__ = (
        UniqueConstraint("sub_account_id", "year"),
        CheckConstraint("last_number >= 1", name="last_number_positive"),
    )

    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer)


class Transaction(IdMixin, TimestampMixin, TenantMixin, Base):
    """Money moving: a payment or a refund (``refunded_transaction_id`` names the payment).
    Never deleted."""

    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(_CURRENCY_CHECK, name="currency_iso"),
        CheckConstraint(
            "(type = 'refund') = (refunded_transaction_id IS NOT NULL)",
            name="refund_names_payment",
        ),
        # Gateway webhooks are idempotent on the gateway's id.
        UniqueConstraint("sub_account_id", "gateway", "gateway_transaction_id"),
        Index("ix_transactions_sub_account_created", "sub_account_id", "created_at"),
        Index("ix_transactions_sub_account_contact", "sub_account_id", "contact_id", "created_at"),
        Index("ix_transactions_sub_account_invoice", "sub_account_id", "invoice_id"),
        Index("ix_transactions_sub_account_status", "sub_account_id", "status", "created_at"),
    )

    invoice_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("invoices.id", ondelete="RESTRICT"), default=None
    )
    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    payment_method_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("payment_methods.id", ondelete="SET NULL"), default=None
    )
    refunded_transaction_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("transactions.id", ondelete="RESTRICT"), default=None
    )
    type: Mapped[TransactionType] = mapped_column(enum_column_type(TransactionType))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[TransactionStatus] = mapped_column(
        enum_column_type(TransactionStatus), default=TransactionStatus.PENDING
    )
    gateway: Mapped[PaymentGateway] = mapped_column(enum_column_type(PaymentGateway))
    gateway_transaction_id: Mapped[str | None] = mapped_column(String(200), default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
