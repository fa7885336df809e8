"""Visitor analytics: page views recorded in batches, and the statistics of a funnel.

Page views arrive on the hot path of every page request, so they are not written there: the
funnel server adds each to a ``PageViewBuffer`` (memory only) and a background task calls
``flush`` every second, or sooner when many are waiting - one INSERT of many rows instead of a
transaction per view. Form and survey conversions are recorded with their submission.

Statistics come from ``analytics_events`` (``properties.funnel_id`` / ``properties.page_id``):
views, unique visitors (distinct first-party session ids), conversions, and per step the share
of the funnel's visitors who reached it and the share of its visitors who converted there.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Date, cast, func, insert, select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.integrations import AnalyticsEvent
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import load_funnel
from ghl_desktop.services.sites.funnels import live_pages
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

CONVERSIONS = ("form_submitted", "survey_completed")
FLUSH_CHUNK = 500


class PageView(NamedTuple):
    """One view, as queued (a named tuple: it is made on every page request)."""

    sub_account_id: str
    funnel_id: str
    page_id: str
    session_id: str
    at: datetime
    path: str
    referrer: str = ""
    utm: dict[str, str] | None = None


class PageViewBuffer:
    """Thread-safe queue of views waiting to be written. Beyond ``max_pending`` (the database
    is unreachable for a long time) the oldest views are dropped and counted."""

    def __init__(self, max_pending: int = 100_000) -> None:
        self._views: deque[PageView] = deque()
        self._lock = threading.Lock()
        self._max_pending = max_pending
        self.dropped = 0
        self.written = 0

    def add(self, view: PageView) -> int:
        """Queue a view; returns how many are waiting."""
        with self._lock:
            self._views.append(view)
            if len(self._views) > self._max_pending:
                self._views.popleft()
                self.dropped += 1
            return len(self._views)

    @property
    def pending(self) -> int:
        return len(self._views)

    def _take(self) -> list[PageView]:
        with self._lock:
            views = list(self._views)
            self._views.clear()
            return views

    def _put_back(self, views: list[PageView]) -> None:
        with self._lock:
            room = self._max_pending - len(self._views)
            kept = views[-room:] if room > 0 else []
            self.dropped += len(views) - len(kept)
            self._views.extendleft(reversed(kept))

    def flush(self, uows: UnitOfWorkFactory) -> int:
        """Write every waiting view in one transaction; returns how many were written. On a
        database error the views go back to the queue for the next flush."""
        views = self._take()
        if not views:
            return 0
        rows = [
            {
                "id": new_id(),
                "sub_account_id": v.sub_account_id,
                "event_name": "page_viewed",
                "category": "engagement",
                "source": "web",
                "session_id": v.session_id,
                "contact_id": None,
                "created_at": v.at,
                "updated_at": v.at,
                "properties": {
                    "funnel_id": v.funnel_id,
                    "page_id": v.page_id,
                    "page_url": v.path,
                    "referrer": v.referrer,
                    **(v.utm or {}),
                },
            }
            for v in views
        ]
        try:
            with uows.system() as uow:
                for start in range(0, len(rows), FLUSH_CHUNK):
                    uow.session.execute(insert(AnalyticsEvent), rows[start : start + FLUSH_CHUNK])
                uow.commit()
        except Exception:
            log.exception("writing %d page views failed; retrying on the next flush", len(rows))
            self._put_back(views)
            return 0
        self.written += len(rows)
        return len(rows)


# -- statistics ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepStats:
    page_id: str
    name: str
    slug: str
    views: int
    visitors: int
    conversions: int
    reached: float  # share of the funnel's first-step visitors who saw this step
    conversion_rate: float  # share of this step's visitors who converted on it


@dataclass(frozen=True)
class FunnelStats:
    funnel_id: str
    since: datetime
    until: datetime
    views: int
    unique_visitors: int
    conversions: int
    steps: tuple[StepStats, ...]
    daily_views: tuple[tuple[date, int], ...]

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.unique_visitors if self.unique_visitors else 0.0


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def funnel_stats(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    funnel_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> FunnelStats:
    """The funnel's figures over ``[since, until)`` (default: the last 30 days), by UTC day."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        funnel = load_funnel(uow, funnel_id)
        until = until or uow.clock.now()
        since = since or until - timedelta(days=30)
        ev = AnalyticsEvent
        page_key = ev.properties["page_id"].as_string()
        scope = (
            ev.properties["funnel_id"].as_string() == funnel.id,
            ev.created_at >= since,
            ev.created_at < until,
        )
        views_by_page = {
            row[0]: (int(row[1]), int(row[2]))
            for row in uow.session.execute(
                select(page_key, func.count(), func.count(ev.session_id.distinct()))
                .where(ev.event_name == "page_viewed", *scope)
                .group_by(page_key)
            )
        }
        conversions_by_page: dict[Any, int] = dict(
            uow.session.execute(
                select(page_key, func.count())
                .where(ev.event_name.in_(CONVERSIONS), *scope)
                .group_by(page_key)
            ).all()
        )
        unique = int(
            uow.session.scalar(
                select(func.count(ev.session_id.distinct())).where(
                    ev.event_name == "page_viewed", *scope
                )
            )
            or 0
        )
        day = (
            func.date(ev.created_at)
            if uow.session.get_bind().dialect.name == "sqlite"
            else cast(ev.created_at, Date)
        )
        daily = [
            (d if isinstance(d, date) else date.fromisoformat(str(d)), int(n))
            for d, n in uow.session.execute(
                select(day, func.count())
                .where(ev.event_name == "page_viewed", *scope)
                .group_by(day)
                .order_by(day)
            )
        ]
        pages = live_pages(uow, funnel.id)
        first_visitors = views_by_page.get(pages[0].id, (0, 0))[1] if pages else 0
        steps = []
        for page in pages:
            views, visitors = views_by_page.get(page.id, (0, 0))
            converted = int(conversions_by_page.get(page.id, 0))
            steps.append(
                StepStats(
                    page.id,
                    page.name,
                    page.slug,
                    views,
                    visitors,
                    converted,
                    _ratio(visitors, first_visitors),
                    _ratio(converted, visitors),
                )
            )
        return FunnelStats(
            funnel.id,
            since,
            until,
            sum(v for v, _ in views_by_page.values()),
            unique,
            sum(int(n) for n in conversions_by_page.values()),
            tuple(steps),
            tuple(daily),
        )
