"""Everything the request handlers share: services, settings, the page cache, the view buffer,
the post writer and the rate limiter. Built once per server (``SiteState.build``)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from ghl_desktop.core.clock import Clock
from ghl_desktop.core.ids import new_id
from ghl_desktop.funnel_server.cache import PageCache
from ghl_desktop.funnel_server.protection import RateLimiter
from ghl_desktop.services.sites.analytics import PageView, PageViewBuffer
from ghl_desktop.services.sites.public import PublishedPage
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.services.sites.signing import (
    Signer,
    SurveyState,
    issue_form_token,
    issue_survey_state,
)
from ghl_desktop.services.sites.visitor_posts import Result, VisitorPost, process_posts
from ghl_desktop.services.sites.writer import BatchWriter
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

FLUSH_AT = 500  # waiting page views that trigger a flush before the next second
UTM_PREFIX = b"utm_"
MAX_REFERRER = 500


@dataclass
class SiteState:
    uows: UnitOfWorkFactory
    clock: Clock
    settings: ServerSettings
    signer: Signer
    cache: PageCache
    views: PageViewBuffer
    writer: BatchWriter[VisitorPost, Any]
    limiter: RateLimiter
    flush_event: asyncio.Event | None = None
    started_at: datetime | None = None
    bound_port: int | None = None
    stats: dict[str, int] = field(default_factory=lambda: {"dropped_posts": 0})

    @classmethod
    def build(
        cls, uows: UnitOfWorkFactory, clock: Clock, settings: ServerSettings, key: bytes
    ) -> SiteState:
        def process(posts: Any) -> list[Result]:
            return process_posts(uows, posts)

        return cls(
            uows=uows, clock=clock, settings=settings, signer=Signer(key),
            cache=PageCache(uows), views=PageViewBuffer(),
            writer=BatchWriter(process, name="visitor-posts"),
            limiter=RateLimiter(settings.submissions_per_minute),
        )  # fmt: skip

    # -- tokens placed in pages for one visitor ---------------------------------------------
    def token_for(self, kind: str, target_id: str, session_id: str) -> str:
        now = self.clock.now()
        if kind == "form":
            return issue_form_token(self.signer, session_id, target_id, now)
        state = SurveyState(new_id(), now, "", {}, ())
        return issue_survey_state(self.signer, session_id, target_id, state)

    # -- page views -----------------------------------------------------------------------
    def record_view(
        self, page: PublishedPage, session_id: str, path: str, referrer: bytes, query: bytes
    ) -> None:
        """Queue one page view (memory only: the background task writes them in batches)."""
        utm: dict[str, str] = {}
        if UTM_PREFIX in query:
            pairs = parse_qsl(query.decode("latin-1"))
            utm = {k: v[:200] for k, v in pairs if k.startswith("utm_")}
        view = PageView(
            page.sub_account_id, page.funnel_id, page.page_id, session_id, self.clock.now(),
            path[:500], referrer.decode("latin-1")[:MAX_REFERRER], utm,
        )  # fmt: skip
        if self.views.add(view) >= FLUSH_AT and self.flush_event is not None:
            self.flush_event.set()

    def flush_views(self) -> int:
        """Blocking: write the waiting views (called off the event loop)."""
        return self.views.flush(self.uows)

    def close(self) -> None:
        self.writer.close()
        self.flush_views()
