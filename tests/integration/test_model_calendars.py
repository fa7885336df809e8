"""Calendar tables: availability rule shapes, booking checks, what deletes do."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    AvailabilityKind,
    AvailabilityRule,
    Calendar,
    CalendarKind,
    CalendarService,
    CalendarTeamMember,
    CalendarType,
    day_of_week,
)
from ghl_desktop.models.crm import Contact
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    START,
    add,
    appointment,
    calendar,
    contact,
    count,
    purge,
    purge_is_refused,
    service,
    tenant_uow,
)
from tests.speed import fast_password_hashing

NY = "America/New_York"

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def test_weekly_and_override_rules(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        cal = calendar(uow)
        add(
            uow,
            AvailabilityRule(
                calendar_id=cal.id,
                day_of_week=1,
                start_time=time(9),
                end_time=time(17),
                timezone=NY,
                valid_from=date(2026, 1, 1),
            ),
        )
        # A closed day: an override without times.
        add(
            uow,
            AvailabilityRule(
                calendar_id=cal.id,
                kind=AvailabilityKind.OVERRIDE,
                override_date=date(2026, 12, 25),
                timezone=NY,
            ),
        )
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        rules = uow.session.scalars(select(AvailabilityRule).order_by(AvailabilityRule.kind))
        assert [(r.kind, r.day_of_week, r.start_time, r.override_date) for r in rules] == [
            (AvailabilityKind.OVERRIDE, None, None, date(2026, 12, 25)),
            (AvailabilityKind.WEEKLY, 1, time(9), None),
        ]
    assert day_of_week(date(2026, 1, 5)) == 1  # a Monday
    assert day_of_week(date(2026, 1, 4)) == 0  # a Sunday
    with pytest.raises(ValidationError, match="timezone: unknown IANA time zone 'Mars/Base'"):
        AvailabilityRule(timezone="Mars/Base")


@pytest.mark.parametrize(
    "fields",
    [
        {"day_of_week": 7, "start_time": time(9), "end_time": time(17)},
        {"day_of_week": -1, "start_time": time(9), "end_time": time(17)},
        {"day_of_week": None, "start_time": time(9), "end_time": time(17)},
        {"day_of_week": 1},  # a weekly rule needs hours
        {"day_of_week": 1, "start_time": time(17), "end_time": time(9)},
        {"day_of_week": 1, "start_time": time(9), "end_time": None},
        {
            "day_of_week": 1, "start_time": time(9), "end_time": time(17),
            "override_date": date(2026, 1, 1),
        },
        {"kind": AvailabilityKind.OVERRIDE, "override_date": None},
        {"kind": AvailabilityKind.OVERRIDE, "override_date": date(2026, 1, 1), "day_of_week": 3},
        {
            "day_of_week": 1, "start_time": time(9), "end_time": time(17),
            "valid_from": date(2026, 2, 1), "valid_to": date(2026, 1, 1),
        },
    ],
)  # fmt: skip
def test_malformed_availability_rules_are_refused(any_runtime, fields) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        cal = calendar(uow)
        with pytest.raises(exc.IntegrityError):
            add(uow, AvailabilityRule(calendar_id=cal.id, timezone=NY, **fields))


def test_calendar_deletes(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        kind = add(uow, CalendarType(name="Consultations"))
        svc = service(uow, calendar_type_id=kind.id, price_minor=5_000, requires_payment=True)
        team = calendar(uow, kind=CalendarKind.TEAM, owner_user_id=t.owner.user_id)
        add(uow, CalendarTeamMember(calendar_id=team.id, user_id=t.owner.user_id, priority=1))
        add(
            uow,
            AvailabilityRule(
                calendar_id=team.id, day_of_week=2, start_time=time(9), end_time=time(12),
                timezone=NY,
            ),
        )  # fmt: skip
        c = contact(uow)
        appt = appointment(uow, team, contact_id=c.id, service_id=svc.id)
        uow.commit()
    # Appointments are history (and may be paid): calendar and contact stay while they exist.
    purge_is_refused(any_runtime, t, Calendar, team.id)
    purge_is_refused(any_runtime, t, Contact, c.id)
    # The service and the calendar type are optional references.
    purge(any_runtime, t, CalendarService, svc.id)
    purge(any_runtime, t, CalendarType, kind.id)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Appointment, appt.id)
        assert stored is not None
        assert stored.service_id is None
        assert stored.status is AppointmentStatus.SCHEDULED
    purge(any_runtime, t, Appointment, appt.id)
    purge(any_runtime, t, Calendar, team.id)  # rules and members are pure children
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, AvailabilityRule) == count(uow, CalendarTeamMember) == 0


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("appointments", "status = 'maybe'"),
        ("appointments", "end_at = start_at"),
        ("services", "price_minor = -100"),
        ("services", "currency = 'DOLLARS'"),
        ("services", "duration_minutes = 0"),
        ("services", "buffer_before_minutes = -5"),
        ("calendars", "kind = 'room'"),
        ("calendars", "distribution = 'random'"),
        ("calendars", "max_per_day = 0"),
        ("calendars", "slot_interval_minutes = 0"),
    ],
)
def test_calendar_checks(any_runtime, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        service(uow)
        appointment(uow, calendar(uow))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises((exc.IntegrityError, exc.DataError)):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))


def test_calendar_slugs_are_unique_among_live_calendars(any_runtime, clock) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        old = calendar(uow, slug="intro")
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        calendar(uow, slug="intro")
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Calendar, old.id)
        assert stored is not None
        stored.deleted_at = clock.now()
        uow.flush()
        calendar(uow, slug="intro")
        appointment(uow, stored, start_at=START, end_at=START + timedelta(hours=1))
        uow.commit()
