"""Rendered published pages held in memory until anything they are made from changes.

A request path is first turned into a ``Route`` (which funnel and step it names); the cache
maps routes to rendered pages - or to "not found", so a flood of bad addresses does not hit
the database either. ``refresh`` (called every second off the event loop) compares the
database's content stamp and drops everything when it moved; a page rendered while the cache
was being dropped is not stored (``generation``), so no stale page outlives a change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ghl_desktop.services.sites import public
from ghl_desktop.services.sites.public import PublishedPage
from ghl_desktop.services.sites.rendering import PLACEHOLDER, render_page
from ghl_desktop.services.uow import UnitOfWorkFactory

MAX_NOT_FOUND = 10_000
TokenFill = Callable[[str, str], str]  # (kind, target id) -> token text


@dataclass(frozen=True)
class Route:
    domain: str | None  # a funnel's custom domain, or None on the default host
    funnel_slug: str | None
    page_slug: str

    @property
    def base_path(self) -> str:
        """What step links start with: ``/<funnel>`` on the default host, nothing on a domain."""
        return "" if self.domain else f"/{self.funnel_slug}"


def parse_route(host: str, path: str, domains: frozenset[str]) -> Route | None:
    """The step a path names; None when it cannot name one (too many segments...)."""
    segments = [s for s in path.split("/") if s]
    if host in domains:
        if len(segments) > 1:
            return None
        return Route(host, None, segments[0] if segments else "")
    if not segments or len(segments) > 2:
        return None
    return Route(None, segments[0], segments[1] if len(segments) == 2 else "")


@dataclass(frozen=True)
class CachedPage:
    page: PublishedPage
    csp: str
    # The HTML split at its placeholders: bytes, then (kind, id), bytes, ... - or one bytes.
    parts: tuple[Any, ...]
    static: bytes | None

    @classmethod
    def of(cls, page: PublishedPage, html: str, csp: str) -> CachedPage:
        pieces = PLACEHOLDER.split(html)  # [text, kind, id, text, kind, id, text]
        if len(pieces) == 1:
            return cls(page, csp, (), html.encode())
        # The text is kept encoded: per request only the tokens are encoded and joined in.
        parts: list[Any] = []
        for index in range(0, len(pieces) - 1, 3):
            parts.append(pieces[index].encode())
            parts.append((pieces[index + 1], pieces[index + 2]))
        parts.append(pieces[-1].encode())
        return cls(page, csp, tuple(parts), None)

    def body(self, fill: TokenFill) -> bytes:
        if self.static is not None:
            return self.static
        return b"".join(part if isinstance(part, bytes) else fill(*part).encode()
                        for part in self.parts)  # fmt: skip


class PageCache:
    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows
        self._pages: dict[Route, CachedPage | None] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._missing = 0
        self._stamp: tuple[Any, ...] | None = None
        self.domains: frozenset[str] = frozenset()
        self.renders = 0

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, route: Route) -> CachedPage | bool | None:
        """The cached page, None for a cached "not found", False when not cached."""
        return self._pages.get(route, False)

    def load(self, route: Route) -> CachedPage | None:
        """Look the page up and render it (blocking: run it off the event loop)."""
        generation = self._generation
        page = public.published_page(
            self._uows, host=route.domain, funnel_slug=route.funnel_slug, page_slug=route.page_slug
        )
        entry = None
        if page is not None:
            rendered = render_page(page, base_path=route.base_path)
            entry = CachedPage.of(page, rendered.html, rendered.csp)
            self.renders += 1
        with self._lock:
            if generation == self._generation:
                if entry is None:
                    self._missing += 1
                    if self._missing > MAX_NOT_FOUND:  # a flood of bad addresses
                        self._pages = {k: v for k, v in self._pages.items() if v is not None}
                        self._missing = 1
                self._pages[route] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._pages = {}
            self._missing = 0

    def refresh(self) -> bool:
        """Drop everything if the content changed since the last look (blocking)."""
        stamp = public.content_stamp(self._uows)
        if stamp == self._stamp:
            return False
        domains = public.custom_domains(self._uows)
        with self._lock:
            self._generation += 1
            self._pages = {}
            self._missing = 0
            self._stamp = stamp
            self.domains = domains
        return True
