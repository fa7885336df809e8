"""Demo calendars: John's calendar (Monday and Tuesday 09:00-17:00 America/New_York, closed on
25 December), Jane's and Bob's, two bookable services, and appointments inside those hours
over the last 90 days and the next three weeks; in the main location also a round-robin
"Sales Team" calendar (John and Jane, weekdays 10:00-16:00) with upcoming bookings made through
the booking service, so they fall on times the slot engine offers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    AvailabilityKind,
    AvailabilityRule,
    Calendar,
    CalendarKind,
    CalendarService,
    CalendarServiceLink,
    CalendarTeamMember,
    CalendarType,
    Distribution,
    day_of_week,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.calendars.availability import find_slots, local_day_window
from ghl_desktop.services.calendars.booking import book
from ghl_desktop.services.demo.common import (
    CURRENCY,
    Location,
    contacts_of,
    demo_random,
    exists,
    pick,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

JOHNS_CALENDAR = "John's Calendar"
TEAM_CALENDAR = "Sales Team"
TEAM_MEMBERS = ("john@restaurant.com", "jane@restaurant.com")
TEAM_BOOKING_DAYS = (1, 2, 3, 6, 8, 9, 10, 13)
PAST_DAYS = 90
FUTURE_DAYS = 21


@dataclass(frozen=True)
class CalendarSpec:
    name: str
    slug: str
    owner_email: str
    days: tuple[int, ...]  # 0 = Sunday
    opens: time
    closes: time
    bookings_per_day: float


CALENDARS = {
    True: (
        CalendarSpec(JOHNS_CALENDAR, "john", "john@restaurant.com", (1, 2), time(9), time(17), 1.4),
        CalendarSpec("Jane's Calendar", "jane", "jane@restaurant.com", (3, 4, 5), time(11),
                     time(19), 0.9),
    ),
    False: (
        CalendarSpec("Bob's Calendar", "bob", "bob@restaurant.com", (1, 2, 3, 4, 5), time(10),
                     time(18), 0.5),
    ),
}  # fmt: skip
# (name, minutes, buffer after, price in cents, requires payment)
SERVICES = {
    True: (
        ("Initial Consultation", 30, 10, 5_000, True),
        ("Private Dining Tasting", 60, 15, 0, False),
    ),
    False: (("Catering Consultation", 45, 15, 0, False),),
}


def next_christmas(today: date) -> date:
    """The coming 25 December (today's, if today is the 25th)."""
    this_year = date(today.year, 12, 25)
    return this_year if today <= this_year else date(today.year + 1, 12, 25)


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location, users: dict[str, str]) -> None:
        self.uow = uow
        self.location = location
        self.users = users
        self.rng = demo_random("calendars", location)
        self.now = uow.clock.now().replace(microsecond=0)
        self.zone = ZoneInfo(location.timezone)

    def build(self) -> None:
        self.uow.require("calendars.manage")
        session = self.uow.session
        category = CalendarType(id=new_id(), name="Consultations", position=0)
        services = [
            CalendarService(
                id=new_id(), calendar_type_id=category.id, name=name,
                description=f"{minutes}-minute {name.lower()}", duration_minutes=minutes,
                buffer_after_minutes=after, price_minor=price, currency=CURRENCY,
                requires_payment=paid,
            )
            for name, minutes, after, price, paid in SERVICES[self.location.is_main]
        ]  # fmt: skip
        session.add(category)
        session.flush()  # inserts follow relationships only: parents go first by hand
        session.add_all(services)
        contacts = [c for c in contacts_of(self.uow) if c.email or c.phone]
        calendars = [(self._calendar(spec), spec) for spec in CALENDARS[self.location.is_main]]
        session.flush()
        for calendar, spec in calendars:
            self._appointments(calendar, spec, services, contacts)
        if self.location.is_main and contacts:
            session.flush()
            self._team(services[0], contacts)

    def _team(self, service: CalendarService, contacts: list[Contact]) -> None:
        """A round-robin team calendar and a few upcoming bookings on the times it offers."""
        tz = self.location.timezone
        team = Calendar(
            id=new_id(), kind=CalendarKind.TEAM, name=TEAM_CALENDAR, slug="sales-team",
            distribution=Distribution.ROUND_ROBIN, timezone=tz, min_notice_minutes=120,
            description="Talk to the first free member of our sales team.",
        )  # fmt: skip
        session = self.uow.session
        session.add(team)
        session.flush()
        session.add_all(
            CalendarTeamMember(calendar_id=team.id, user_id=self.users[email], priority=n)
            for n, email in enumerate(TEAM_MEMBERS)
        )
        session.add_all(
            AvailabilityRule(calendar_id=team.id, kind=AvailabilityKind.WEEKLY, day_of_week=day,
                             start_time=time(10), end_time=time(16), timezone=tz)
            for day in range(1, 6)
        )  # fmt: skip
        session.add(CalendarServiceLink(calendar_id=team.id, service_id=service.id))
        session.flush()
        today = self.now.astimezone(self.zone).date()
        for offset in TEAM_BOOKING_DAYS:
            day = today + timedelta(days=offset)
            start, end = local_day_window(day, day, self.zone)
            slots = find_slots(self.uow, team, service, start, end, self.zone)
            if slots:
                slot = slots[self.rng.randrange(len(slots))]
                book(self.uow, calendar_id=team.id, service_id=service.id,
                     start_at=slot.start_utc, contact_id=pick(self.rng, contacts).id)  # fmt: skip

    def _calendar(self, spec: CalendarSpec) -> Calendar:
        tz = self.location.timezone
        calendar = Calendar(
            id=new_id(), name=spec.name, slug=spec.slug, owner_user_id=self.users[spec.owner_email],
            description=f"Book time with {spec.name.split(chr(39))[0]}.", timezone=tz,
        )  # fmt: skip
        rules = [
            AvailabilityRule(
                calendar_id=calendar.id, kind=AvailabilityKind.WEEKLY, day_of_week=day,
                start_time=spec.opens, end_time=spec.closes, timezone=tz,
            )
            for day in spec.days
        ]  # fmt: skip
        # A date override without hours closes the day.
        christmas = next_christmas(self.now.astimezone(self.zone).date())
        rules.append(
            AvailabilityRule(
                calendar_id=calendar.id, kind=AvailabilityKind.OVERRIDE,
                override_date=christmas, timezone=tz,
            )
        )  # fmt: skip
        self.uow.session.add(calendar)
        self.uow.session.flush()
        self.uow.session.add_all(rules)
        return calendar

    def _appointments(
        self, calendar: Calendar, spec: CalendarSpec, services: list[CalendarService],
        contacts: list[Contact],
    ) -> None:  # fmt: skip
        rng = self.rng
        today = self.now.astimezone(self.zone).date()
        closed = next_christmas(today)
        for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
            day = today + timedelta(days=offset)
            if day_of_week(day) not in spec.days or day == closed:
                continue
            wanted = int(spec.bookings_per_day + rng.random())
            taken: list[tuple[datetime, datetime]] = []
            for _ in range(wanted):
                service = pick(rng, services)
                slot = self._free_slot(rng, day, spec, service, taken)
                if slot is not None:
                    taken.append(slot)
                    self._appointment(calendar, service, pick(rng, contacts), *slot)

    def _free_slot(
        self, rng: random.Random, day: date, spec: CalendarSpec, service: CalendarService,
        taken: list[tuple[datetime, datetime]],
    ) -> tuple[datetime, datetime] | None:  # fmt: skip
        opens = datetime.combine(day, spec.opens, tzinfo=self.zone)
        closes = datetime.combine(day, spec.closes, tzinfo=self.zone)
        length = timedelta(minutes=service.duration_minutes)
        starts = []
        moment = opens
        while moment + length <= closes:
            starts.append(moment)
            moment += timedelta(minutes=30)
        rng.shuffle(starts)
        gap = timedelta(minutes=service.buffer_after_minutes)
        for start in starts:
            end = start + length
            if all(end + gap <= s or start >= e + gap for s, e in taken):
                return start.astimezone(UTC), end.astimezone(UTC)
        return None

    def _appointment(
        self, calendar: Calendar, service: CalendarService, contact: Contact, start: datetime,
        end: datetime,
    ) -> None:  # fmt: skip
        rng = self.rng
        if start < self.now:
            status = rng.choices(
                (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW,
                 AppointmentStatus.CANCELLED), weights=(80, 10, 10),
            )[0]  # fmt: skip
            booked = start - timedelta(days=rng.uniform(1, 14))
        else:
            status = rng.choices(
                (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED,
                 AppointmentStatus.CANCELLED), weights=(60, 35, 5),
            )[0]  # fmt: skip
            booked = self.now - timedelta(days=rng.uniform(0.1, 10))
        booked = min(booked, self.now).replace(microsecond=0)
        self.uow.session.add(
            Appointment(
                calendar_id=calendar.id, contact_id=contact.id, service_id=service.id,
                assigned_user_id=calendar.owner_user_id, start_at=start, end_at=end,
                status=status, title=f"{service.name} — {contact.full_name}",
                buffer_before_minutes=service.buffer_before_minutes,
                buffer_after_minutes=service.buffer_after_minutes,
                invitee_timezone=self.location.timezone, created_at=booked, updated_at=booked,
            )
        )  # fmt: skip


def seed_calendars(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(
            uow, select(CalendarType.id).where(CalendarType.name == "Consultations")
        ),
        lambda uow, location: _Builder(uow, location, ctx.users).build(),
    )
