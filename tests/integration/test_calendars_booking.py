"""Booking through the services: slots from the database, contacts matched or created, the
lifecycle with its events, double-booking refused, round robin and collective teams."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.calendars import AppointmentStatus, CalendarExternalEvent, Distribution
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.calendars import queries, setup
from ghl_desktop.services.calendars.invitees import Invitee
from tests.conftest import make_tenant
from tests.integration.calendar_kit import build
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

TUESDAY_9 = datetime(2026, 1, 6, 14, 0, tzinfo=UTC)  # 09:00 New York


def _book(rt: Runtime, t, kit, start=TUESDAY_9, calendar=None, **kw):  # type: ignore[no-untyped-def]
    args = {"invitee": Invitee("Ada Lovelace", "ada@example.com")} | kw
    return queries.book_appointment(
        rt.uows, t.owner, t.sub_account_id, calendar_id=calendar or kit.calendar_id,
        service_id=kit.service_id, start_at=start, **args,
    )  # fmt: skip


def _events(rt: Runtime, prefix: str = "appointment.") -> list[str]:
    with rt.uows.system(read_only=True) as uow:
        names = uow.session.scalars(
            select(DomainEventRecord.name).order_by(DomainEventRecord.occurred_at)
        ).all()
    return [n for n in names if n.startswith(prefix)]


def test_slots_book_and_lifecycle(any_runtime: Runtime) -> None:
    rt, t = any_runtime, make_tenant(any_runtime)
    kit = build(rt, t)
    slots = queries.open_slots(rt.uows, t.owner, t.sub_account_id, kit.calendar_id,
                               day_from=date(2026, 1, 6), day_to=date(2026, 1, 6),
                               timezone="America/New_York")  # fmt: skip
    assert slots[0].start_utc == TUESDAY_9
    assert len(slots) == 16
    booked = _book(rt, t, kit)
    assert booked.status is AppointmentStatus.SCHEDULED
    assert booked.assigned_user_id == kit.owner_id
    assert booked.end_at - booked.start_at == timedelta(minutes=30)
    with rt.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        contact = uow.session.scalars(
            select(Contact).where(Contact.email == "ada@example.com")
        ).one()
        assert (contact.first_name, contact.last_name, contact.source) == (
            "Ada", "Lovelace", "booking",
        )  # fmt: skip
    after = queries.open_slots(rt.uows, t.owner, t.sub_account_id, kit.calendar_id,
                               day_from=date(2026, 1, 6), day_to=date(2026, 1, 6),
                               timezone="America/New_York")  # fmt: skip
    # 09:00 taken and held until 09:40 (10 minutes buffer after): 09:30 needs 09:30-10:10.
    first_two = [s.start_utc for s in after][:2]
    assert first_two == [TUESDAY_9 + timedelta(hours=1), TUESDAY_9 + timedelta(minutes=90)]
    # Same email again: the contact is matched, the time is refused.
    with pytest.raises(Conflict) as taken:
        _book(rt, t, kit)
    assert taken.value.field == "start_at"
    second = _book(rt, t, kit, start=TUESDAY_9 + timedelta(hours=2))
    assert second.contact_id == booked.contact_id
    moved = queries.reschedule_appointment(rt.uows, t.owner, t.sub_account_id, booked.id,
                                           TUESDAY_9 + timedelta(days=1))  # fmt: skip
    assert moved.start_at == TUESDAY_9 + timedelta(days=1)
    confirmed = queries.set_status(rt.uows, t.owner, t.sub_account_id, booked.id, "confirmed")
    assert confirmed.status is AppointmentStatus.CONFIRMED
    with pytest.raises(Conflict):  # has not started yet
        queries.set_status(rt.uows, t.owner, t.sub_account_id, booked.id, "no_show")
    rt.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    noshow = queries.set_status(rt.uows, t.owner, t.sub_account_id, booked.id, "no_show")
    assert noshow.status is AppointmentStatus.NO_SHOW
    with pytest.raises(Conflict):
        queries.cancel_appointment(rt.uows, t.owner, t.sub_account_id, booked.id)
    queries.cancel_appointment(rt.uows, t.owner, t.sub_account_id, second.id, "ill")
    assert _events(rt) == [
        "appointment.booked", "appointment.booked", "appointment.rescheduled",
        "appointment.confirmed", "appointment.no_show", "appointment.cancelled",
    ]  # fmt: skip


def test_bad_input_names_the_field(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    kit = build(rt, t)
    for kw, field in (
        ({"invitee": Invitee("", "a@example.com")}, "name"),
        ({"invitee": Invitee("Ann", "not-an-email")}, "email"),
        ({"invitee": Invitee("Ann")}, "email"),
        ({"invitee": Invitee("Ann", "a@example.com"), "invitee_timezone": "Mars/Base"}, "timezone"),
        ({"start": TUESDAY_9.replace(tzinfo=None)}, "start_at"),
    ):
        with pytest.raises(ValidationError) as err:
            _book(rt, t, kit, **kw)
        assert err.value.field == field
    with pytest.raises(Conflict):  # outside open hours
        _book(rt, t, kit, start=TUESDAY_9 - timedelta(hours=2))
    with pytest.raises(Conflict):  # closer than the minimum notice
        _book(rt, t, kit, start=rt.clock.now() + timedelta(minutes=30))


def test_round_robin_spreads_and_collective_blocks_everyone(any_runtime: Runtime) -> None:
    rt, t = any_runtime, make_tenant(any_runtime)
    kit = build(rt, t, staff=3)
    first = _book(rt, t, kit, calendar=kit.team_id)
    second = _book(rt, t, kit, calendar=kit.team_id, invitee=Invitee("Bo", "bo@example.com"))
    third = _book(rt, t, kit, calendar=kit.team_id, invitee=Invitee("Cy", "cy@example.com"))
    assert {first.assigned_user_id, second.assigned_user_id, third.assigned_user_id} == set(
        kit.staff
    )
    with pytest.raises(Conflict):  # everyone is busy at 09:00
        _book(rt, t, kit, calendar=kit.team_id, invitee=Invitee("Di", "di@example.com"))
    # A collective calendar of the same people: 09:00 is gone, and booking it blocks all.
    setup.update_calendar(rt.uows, t.owner, t.sub_account_id, kit.team_id,
                          {"distribution": Distribution.COLLECTIVE})  # fmt: skip
    later = TUESDAY_9 + timedelta(hours=3)
    group = _book(rt, t, kit, calendar=kit.team_id, start=later)
    slots = queries.open_slots(rt.uows, t.owner, t.sub_account_id, kit.team_id,
                               day_from=date(2026, 1, 6), day_to=date(2026, 1, 6),
                               timezone="UTC")  # fmt: skip
    assert later not in [s.start_utc for s in slots]
    assert group.status is AppointmentStatus.SCHEDULED


def test_external_busy_events_block_their_owner(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    kit = build(rt, t)
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        uow.session.add(CalendarExternalEvent(
            calendar_id=kit.calendar_id, source="caldav", uid="dentist",
            starts_at=TUESDAY_9, ends_at=TUESDAY_9 + timedelta(hours=1),
        ))  # fmt: skip
        uow.commit()
    with pytest.raises(Conflict):
        _book(rt, t, kit)
    assert _book(rt, t, kit, start=TUESDAY_9 + timedelta(hours=1)).start_at == TUESDAY_9 + \
        timedelta(hours=1)  # fmt: skip


def test_tenant_boundary(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    kit = build(rt, t)
    with pytest.raises(NotFound):
        queries.book_appointment(
            rt.uows, t.owner, t.other_sub_account_id, calendar_id=kit.calendar_id,
            service_id=kit.service_id, start_at=TUESDAY_9, invitee=Invitee("A", "a@example.com"),
        )  # fmt: skip
    booked = _book(rt, t, kit)
    with pytest.raises(NotFound):
        queries.cancel_appointment(rt.uows, t.owner, t.other_sub_account_id, booked.id)
    assert queries.list_appointments(rt.uows, SYSTEM, t.other_sub_account_id) == []
    assert [a.id for a in queries.list_appointments(rt.uows, SYSTEM, t.sub_account_id)] == [
        booked.id
    ]


def test_staff_may_book_outside_open_hours_but_never_on_busy_time(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    kit = build(rt, t)
    evening = TUESDAY_9 + timedelta(hours=10)  # 19:00 New York: closed
    with pytest.raises(Conflict):
        _book(rt, t, kit, start=evening)
    booked = _book(rt, t, kit, start=evening, enforce_availability=False)
    assert booked.start_at == evening
    with pytest.raises(Conflict):  # the same person at an overlapping time
        _book(rt, t, kit, start=evening + timedelta(minutes=15), enforce_availability=False,
              invitee=Invitee("Bo", "bo@example.com"))  # fmt: skip
    moved = queries.reschedule_appointment(rt.uows, t.owner, t.sub_account_id, booked.id,
                                           evening + timedelta(hours=1),
                                           enforce_availability=False)  # fmt: skip
    assert moved.start_at == evening + timedelta(hours=1)
