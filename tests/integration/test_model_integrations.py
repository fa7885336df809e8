"""Integrations, webhooks and analytics events on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import exc, func, insert, select, text

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.integrations import (
    AnalyticsEvent,
    Integration,
    IntegrationStatus,
    Webhook,
    WebhookDeliveryStatus,
    WebhookLog,
)
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import make_tenant
from tests.integration.model_builders import add, contact, count, purge, tenant_uow


def webhook(uow: UnitOfWork, **kw: Any) -> Webhook:
    kw.setdefault("url", "https://hooks.example.com/ghl")
    kw.setdefault("events", ["contact.created", "opportunity.won"])
    kw.setdefault("secret_ref", "webhook:signing")
    return add(uow, Webhook(**kw))


def log(uow: UnitOfWork, hook: Webhook, **kw: Any) -> WebhookLog:
    kw.setdefault("event_type", "contact.created")
    kw.setdefault("status", WebhookDeliveryStatus.SUCCESS)
    kw.setdefault("payload", {"event": "contact.created", "data": {"id": "c-1"}})
    return add(uow, WebhookLog(webhook_id=hook.id, **kw))


def event(uow: UnitOfWork, name: str, **kw: Any) -> AnalyticsEvent:
    kw.setdefault("category", "engagement")
    kw.setdefault("source", "web")
    return add(uow, AnalyticsEvent(event_name=name, **kw))


def test_webhook_purge_cascades_to_its_logs(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        hook, other = webhook(uow), webhook(uow, url="https://other.example.com")
        log(uow, hook, response_status=200, response_time_ms=234)
        log(uow, hook, status=WebhookDeliveryStatus.FAILED, attempt=2, error="timeout")
        log(uow, other)
        uow.commit()
    purge(any_runtime, t, Webhook, hook.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, WebhookLog) == 1
        assert count(uow, WebhookLog, webhook_id=other.id) == 1


def test_contact_purge_keeps_its_analytics_events_anonymously(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        event(uow, "page_viewed", contact_id=c.id, properties={"page_url": "/pricing"})
        uow.commit()
    purge(any_runtime, t, Contact, c.id)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.scalars(select(AnalyticsEvent)).one()
        assert (stored.contact_id, stored.properties) == (None, {"page_url": "/pricing"})


def test_integrations_are_unique_per_provider_and_name(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        stripe = add(
            uow,
            Integration(
                provider="stripe", name="Main", config={"account": "acct_1"},
                secret_ref="integration:stripe:main",
            ),
        )  # fmt: skip
        add(uow, Integration(provider="stripe", name="Second"))
        add(uow, Integration(provider="smtp", name="Main"))
        uow.commit()
    assert stripe.status is IntegrationStatus.DISCONNECTED
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        add(uow, Integration(provider="stripe", name="Main"))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(uow, Integration(provider="stripe", name="Main"))


def test_the_documented_analytics_queries(any_runtime: Runtime) -> None:
    """Conversion funnel (distinct contacts per step in a set of sessions) and a contact's
    journey in time order, as written in the entity-relationship description."""
    t = make_tenant(any_runtime)
    clock = any_runtime.clock
    with tenant_uow(any_runtime, t) as uow:
        ada, bob = contact(uow), contact(uow, first_name="Bob")
        steps = [
            (ada, "s1", "page_viewed"),
            (ada, "s1", "form_submitted"),
            (ada, "s1", "purchase_completed"),
            (bob, "s2", "page_viewed"),
            (bob, "s2", "page_viewed"),
            (bob, "s2", "form_submitted"),
            (None, "s3", "page_viewed"),
        ]
        for i, (who, session_id, name) in enumerate(steps):
            row = event(uow, name, session_id=session_id, contact_id=who.id if who else None)
            row.created_at = clock.now() + timedelta(minutes=i)
        uow.commit()
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        event(uow, "page_viewed", session_id="s1")  # another tenant's noise
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        funnel = dict(
            uow.session.execute(
                select(AnalyticsEvent.event_name, func.count(AnalyticsEvent.contact_id.distinct()))
                .where(AnalyticsEvent.session_id.in_(["s1", "s2", "s3"]))
                .group_by(AnalyticsEvent.event_name)
            ).all()
        )
        assert funnel == {"page_viewed": 2, "form_submitted": 2, "purchase_completed": 1}
        journey = uow.session.scalars(
            select(AnalyticsEvent.event_name)
            .where(AnalyticsEvent.contact_id == bob.id)
            .order_by(AnalyticsEvent.created_at)
        ).all()
        assert journey == ["page_viewed", "page_viewed", "form_submitted"]


def test_funnel_and_journey_queries_use_the_sub_account_indexes(runtime: Runtime) -> None:
    """Checked on SQLite, whose planner is predictable once ANALYZE has run."""
    t = make_tenant(runtime)
    names = ["page_viewed", "form_submitted", "purchase_completed", "video_played"]
    with tenant_uow(runtime, t) as uow:
        # A realistic spread (many sessions, few event names) and fresh planner statistics.
        uow.session.execute(
            insert(AnalyticsEvent),
            [
                {
                    "sub_account_id": t.sub_account_id,
                    "event_name": names[i % len(names)],
                    "session_id": f"s{i // 4}",
                    "contact_id": None,
                }
                for i in range(4000)
            ],
        )
        uow.session.execute(text("ANALYZE"))
        plans = {
            name: " ".join(
                str(row[-1])
                for row in uow.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)
            )
            for name, sql, params in [
                (
                    "funnel",
                    "SELECT event_name, COUNT(DISTINCT contact_id) FROM analytics_events "
                    "WHERE sub_account_id = :s AND session_id IN ('a', 'b') GROUP BY event_name",
                    {"s": t.sub_account_id},
                ),
                (
                    "journey",
                    "SELECT event_name, created_at FROM analytics_events "
                    "WHERE sub_account_id = :s AND contact_id = :c ORDER BY created_at",
                    {"s": t.sub_account_id, "c": "x"},
                ),
                (
                    "counts",
                    "SELECT COUNT(*) FROM analytics_events WHERE sub_account_id = :s "
                    "AND event_name = 'page_viewed' AND created_at >= '2026-01-01'",
                    {"s": t.sub_account_id},
                ),
            ]
        }
    assert "ix_analytics_events_sub_account_session" in plans["funnel"]
    assert "ix_analytics_events_sub_account_contact" in plans["journey"]
    assert "TEMP B-TREE" not in plans["journey"]  # already in time order
    assert "ix_analytics_events_sub_account_name" in plans["counts"]


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("integrations", "status = 'pending'"),
        ("webhook_logs", "status = 'retry'"),
        ("webhook_logs", "attempt = 0"),
        ("webhook_logs", "response_time_ms = -1"),
    ],
)
def test_checks_hold_below_the_orm(any_runtime: Runtime, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        add(uow, Integration(provider="smtp", name="Mail"))
        log(uow, webhook(uow))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))
