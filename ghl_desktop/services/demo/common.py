"""Helpers every demo step uses: the two locations, seeded randomness, exact money splits and
the "create once per location" runner that makes each step idempotent.

Each step builds one location's data for its area in ONE unit of work and commits it at the
end, so a step is either fully there or not at all. A step first asks ``done(uow)`` whether its
rows exist (a row only that step creates); an interrupted demo therefore resumes with the first
step that never committed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select

from ghl_desktop.models.crm import Contact
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

LOCATION_A = "Restaurant Location A"
LOCATION_B = "Restaurant Location B"
CURRENCY = "USD"
# The contact every example of the description points at ("contact-456", "John Doe").
FEATURED_EMAIL = "john@example.com"
# A website lead who signed up a day ago: the description's Welcome Series run is hers.
NEW_LEAD_EMAIL = "maria.santos@gmail.com"
NEW_LEAD_AGE = timedelta(days=1, minutes=5)
T = TypeVar("T")


@dataclass(frozen=True)
class Location:
    """One demo sub-account and what its generated data looks like."""

    name: str
    sub_account_id: str
    is_main: bool  # Location A carries every example of the description; B a smaller set
    manager_id: str
    staff_ids: tuple[str, ...]
    timezone: str
    contact_count: int
    area_codes: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # (city, state, postal code prefix)
    email_domain: str

    @property
    def team(self) -> tuple[str, ...]:
        return (self.manager_id, *self.staff_ids)


def locations(ctx: DemoContext) -> list[Location]:
    users = ctx.users
    return [
        Location(
            LOCATION_A, ctx.sub_accounts[LOCATION_A], True,
            users["john@restaurant.com"], (users["jane@restaurant.com"],),
            "America/New_York", 300,
            ("212", "646", "718", "917", "347", "201", "914", "516"),
            (("New York", "NY", "100"), ("Brooklyn", "NY", "112"), ("Jersey City", "NJ", "073"),
             ("Hoboken", "NJ", "070"), ("Queens", "NY", "113")),
            "restaurant-a.example.com",
        ),
        Location(
            LOCATION_B, ctx.sub_accounts[LOCATION_B], False,
            users["bob@restaurant.com"], (), "America/Chicago", 60,
            ("312", "773", "872", "630", "847", "708"),
            (("Chicago", "IL", "606"), ("Evanston", "IL", "602"), ("Oak Park", "IL", "603")),
            "restaurant-b.example.com",
        ),
    ]  # fmt: skip


def main_location(ctx: DemoContext) -> Location:
    return next(loc for loc in locations(ctx) if loc.is_main)


def demo_random(area: str, location: Location) -> random.Random:
    """The random source of one step at one location, seeded from 2025.

    One source per (step, location) keeps every step's data the same whether or not the
    steps before it ran in this process (a resumed demo equals an uninterrupted one).
    """
    return random.Random(f"2025/{area}/{location.name}")


def seed_locations(
    uows: UnitOfWorkFactory,
    ctx: DemoContext,
    done: Callable[[UnitOfWork], bool],
    build: Callable[[UnitOfWork, Location], None],
    *,
    main_only: bool = False,
) -> None:
    """Run ``build`` in one committed unit of work per location, unless ``done`` says its
    data is there already."""
    for location in locations(ctx):
        if main_only and not location.is_main:
            continue
        with uows.tenant(ctx.owner, location.sub_account_id) as uow:
            if done(uow):
                continue
            build(uow, location)
            uow.commit()


def exists(uow: UnitOfWork, stmt: Select[Any]) -> bool:
    return uow.session.scalar(stmt.limit(1)) is not None


def contacts_of(uow: UnitOfWork) -> list[Contact]:
    """The location's contacts in a stable order (oldest first)."""
    return list(uow.session.scalars(select(Contact).order_by(Contact.created_at, Contact.email)))


def featured_contact(uow: UnitOfWork) -> Contact:
    contact = uow.session.scalar(select(Contact).where(Contact.email == FEATURED_EMAIL))
    if contact is None:
        raise LookupError("the demo CRM step has not created the featured contact")
    return contact


def split_exact(total: int, count: int, rng: random.Random, unit: int = 1) -> list[int]:
    """``count`` positive multiples of ``unit`` that add up to exactly ``total``.

    Weights are drawn at random; whole units are handed out by the largest remainder, so the
    sum is exact and no share is zero.
    """
    if count < 1 or total % unit or total // unit < count:
        raise ValueError(f"cannot split {total} into {count} positive multiples of {unit}")
    units = total // unit
    weights = [rng.uniform(0.4, 1.8) for _ in range(count)]
    scale = (units - count) / sum(weights)  # every share gets one unit first
    raw = [w * scale for w in weights]
    shares = [1 + int(r) for r in raw]
    leftover = units - sum(shares)
    by_remainder = sorted(range(count), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return [s * unit for s in shares]


def days_ago(now: datetime, rng: random.Random, low: float, high: float) -> datetime:
    """A moment between ``high`` and ``low`` days before ``now``, to the second."""
    moment = now - timedelta(days=rng.uniform(low, high))
    return moment.replace(microsecond=0)


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]
