"""Two-way CalDAV sync against a real Radicale server: pull (incl. recurrences and free
events), push, remote edit, remote delete, local cancel, conflicts, bad credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.calendars import (
    Appointment,
    AppointmentStatus,
    Calendar,
    CalendarExternalEvent,
)
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.providers.caldav_client import connect
from ghl_desktop.services.calendars.sync import connection
from ghl_desktop.services.calendars.sync.engine import sync_calendar
from ghl_desktop.services.calendars.sync.ical import appointment_uid
from ghl_desktop.services.calendars.sync.port import ConnectionSettings
from tests.caldav_server import RadicaleServer, radicale_server
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    appointment,
    calendar,
    contact,
    service,
    tenant_uow,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing", "radicale_server"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261120T100000Z
DTSTART:{start}
DTEND:{end}
SUMMARY:{summary}
{extra}END:VEVENT
END:VCALENDAR
"""


def ical(
    uid: str, start: datetime, minutes: int = 60, summary: str = "Dentist", extra: str = ""
) -> str:
    end = start + timedelta(minutes=minutes)
    fmt = "%Y%m%dT%H%M%SZ"
    return EVENT.format(
        uid=uid, start=start.strftime(fmt), end=end.strftime(fmt), summary=summary, extra=extra
    )


class World:
    def __init__(self, runtime, server: RadicaleServer) -> None:
        runtime.clock.set(NOW)
        self.rt = runtime
        self.t = make_tenant(runtime)
        self.url = server.new_calendar()
        self.server = server
        self.remote = connect(ConnectionSettings(self.url, server.username, server.password))
        with tenant_uow(runtime, self.t) as uow:
            self.calendar_id = calendar(
                uow, timezone="Europe/Berlin", owner_user_id=self.t.owner.user_id
            ).id
            self.service_id = service(uow, duration_minutes=30).id
            self.contact_id = contact(uow, first_name="Grace", last_name="Hopper").id
            uow.commit()
        connection.configure(
            runtime.uows, runtime.secrets, self.t.owner, self.t.sub_account_id, self.calendar_id,
            url=self.url, username=server.username, password=server.password,
        )  # fmt: skip

    def sync(self):
        return sync_calendar(
            self.rt.uows, self.rt.secrets, connect, self.t.owner, self.t.sub_account_id,
            self.calendar_id,
        )  # fmt: skip

    def book(self, start: datetime, title: str = "Intro call") -> str:
        with tenant_uow(self.rt, self.t) as uow:
            row = appointment(
                uow, uow.session.get_one(Calendar, self.calendar_id),
                contact_id=self.contact_id, start_at=start, end_at=start + timedelta(minutes=30),
                title=title, assigned_user_id=self.t.owner.user_id, service_id=self.service_id,
            )  # fmt: skip
            uow.commit()
            return row.id

    def busy(self) -> list[tuple[str, datetime, bool]]:
        with tenant_uow(self.rt, self.t) as uow:
            rows = uow.session.scalars(
                select(CalendarExternalEvent).order_by(CalendarExternalEvent.starts_at)
            )
            return [(r.summary, r.starts_at, r.is_busy) for r in rows]

    def appointment(self, appointment_id: str) -> Appointment:
        with tenant_uow(self.rt, self.t) as uow:
            row = uow.session.get_one(Appointment, appointment_id)
            uow.session.expunge(row)
            return row

    def remote_events(self) -> dict[str, str]:
        listing = self.remote.list_changes(None)
        return {o.href: o.ical for o in self.remote.fetch(listing.etags)}


@pytest.fixture
def world(runtime, radicale_server: RadicaleServer) -> World:
    return World(runtime, radicale_server)


@pytest.fixture
def any_world(any_runtime, radicale_server: RadicaleServer) -> World:
    """For the tests that also run on PostgreSQL."""
    return World(any_runtime, radicale_server)


def test_pull_blocks_external_busy_times_and_skips_unchanged(any_world: World) -> None:
    world = any_world
    start = NOW + timedelta(days=1)
    world.remote.put("d-1", ical("d-1", start), href=None, etag=None)
    world.remote.put("f-1", ical("f-1", start, summary="Focus", extra="TRANSP:TRANSPARENT\n"),
                     href=None, etag=None)  # fmt: skip
    weekly = ical("w-1", NOW + timedelta(days=2), summary="Standup", extra="RRULE:FREQ=WEEKLY\n")
    world.remote.put("w-1", weekly, href=None, etag=None)
    report = world.sync()
    assert report.error is None
    busy = world.busy()
    assert ("Dentist", start, True) in busy
    assert ("Focus", start, False) in busy
    standups = [b for b in busy if b[0] == "Standup"]
    assert len(standups) == 13  # weekly over the 90-day window
    assert report.pulled == 15

    again = world.sync()  # nothing changed remotely: nothing fetched, nothing written
    assert (again.pulled, again.removed, again.pushed) == (0, 0, 0)
    status = connection.sync_status(
        world.rt.uows, world.t.owner, world.t.sub_account_id, world.calendar_id
    )
    assert status.status == "ok"
    assert status.external_events == 15
    assert status.last_synced_at == NOW


def test_remote_edit_and_delete_of_a_foreign_event(world: World) -> None:
    start = NOW + timedelta(days=1)
    first = world.remote.put("d-2", ical("d-2", start), href=None, etag=None)
    world.sync()
    moved = start + timedelta(hours=3)
    second = world.remote.put("d-2", ical("d-2", moved, summary="Dentist (moved)"),
                              href=first.href, etag=first.etag)  # fmt: skip
    world.sync()
    assert world.busy() == [("Dentist (moved)", moved, True)]
    world.remote.delete(second.href, etag=second.etag)
    report = world.sync()
    assert report.removed == 1
    assert world.busy() == []


def test_push_then_remote_move_updates_the_appointment(any_world: World) -> None:
    world = any_world
    start = NOW + timedelta(days=3)
    appointment_id = world.book(start)
    report = world.sync()
    assert report.pushed == 1
    [(href, text)] = world.remote_events().items()
    assert appointment_uid(appointment_id) in text
    assert "Intro call - Grace Hopper" in text.replace("\r\n ", "")
    stored = world.appointment(appointment_id)
    assert stored.external_uid == appointment_uid(appointment_id)
    assert stored.external_etag

    assert world.sync().pushed == 0  # unchanged: not pushed again

    moved = start + timedelta(hours=2)
    etag = world.remote.list_changes(None).etags[href]
    world.remote.put(
        appointment_uid(appointment_id), ical(appointment_uid(appointment_id), moved, 30),
        href=href, etag=etag,
    )  # fmt: skip
    report = world.sync()
    assert report.moved_locally == 1
    assert world.appointment(appointment_id).start_at == moved
    with tenant_uow(world.rt, world.t) as uow:  # moved like a reschedule in the app
        names = uow.session.scalars(
            select(DomainEventRecord.name).where(DomainEventRecord.name.like("appointment.%"))
        ).all()
        assert "appointment.rescheduled" in names
    assert world.busy() == []  # our own appointment never becomes a busy block


def test_remote_move_onto_a_taken_time_is_a_conflict_and_local_wins(world: World) -> None:
    start = NOW + timedelta(days=3)
    appointment_id = world.book(start)
    world.book(start + timedelta(hours=2), title="Other")
    world.sync()
    uid = appointment_uid(appointment_id)
    href = next(h for h, text in world.remote_events().items() if uid in text)
    etag = world.remote.list_changes(None).etags[href]
    world.remote.put(uid, ical(uid, start + timedelta(hours=2), 30), href=href, etag=etag)
    report = world.sync()
    assert report.moved_locally == 0
    assert len(report.conflicts) == 1
    assert "taken" in report.conflicts[0]
    assert world.appointment(appointment_id).start_at == start
    assert start.strftime("%Y%m%dT%H%M%SZ") in world.remote_events()[href]  # put back
    status = connection.sync_status(
        world.rt.uows, world.t.owner, world.t.sub_account_id, world.calendar_id
    )
    assert status.conflicts


def test_remote_delete_cancels_the_appointment(any_world: World) -> None:
    world = any_world
    appointment_id = world.book(NOW + timedelta(days=4))
    world.sync()
    [href] = world.remote_events()
    world.remote.delete(href, etag=None)
    report = world.sync()
    assert report.cancelled_locally == 1
    stored = world.appointment(appointment_id)
    assert stored.status == AppointmentStatus.CANCELLED
    assert "external calendar" in stored.cancellation_reason
    with tenant_uow(world.rt, world.t) as uow:
        names = uow.session.scalars(select(DomainEventRecord.name)).all()
        assert "appointment.cancelled" in names
    assert world.sync().pushed == 0  # not pushed again


def test_local_cancel_deletes_the_remote_copy(world: World) -> None:
    appointment_id = world.book(NOW + timedelta(days=5))
    world.sync()
    assert len(world.remote_events()) == 1
    with tenant_uow(world.rt, world.t) as uow:
        uow.session.get_one(Appointment, appointment_id).status = AppointmentStatus.CANCELLED
        uow.commit()
    report = world.sync()
    assert report.deleted_remote == 1
    assert world.remote_events() == {}
    assert world.appointment(appointment_id).status == AppointmentStatus.CANCELLED


def test_bad_credentials_are_recorded_not_raised(world: World) -> None:
    world.rt.secrets.set(connection.secret_key(world.calendar_id), "wrong")
    report = world.sync()
    assert report.error is not None
    assert "not accepted" in report.error
    status = connection.sync_status(
        world.rt.uows, world.t.owner, world.t.sub_account_id, world.calendar_id
    )
    assert status.status == "error"
    assert "not accepted" in (status.last_error or "")


def test_configure_validates_and_disconnect_forgets(world: World) -> None:
    with pytest.raises(ValidationError, match="url"):
        connection.configure(
            world.rt.uows, world.rt.secrets, world.t.owner, world.t.sub_account_id,
            world.calendar_id, url="calendar.example.org", username="a", password="b",
        )  # fmt: skip
    world.remote.put("d-9", ical("d-9", NOW + timedelta(days=1)), href=None, etag=None)
    world.sync()
    assert world.busy()
    connection.disconnect(
        world.rt.uows, world.rt.secrets, world.t.owner, world.t.sub_account_id, world.calendar_id
    )
    assert world.busy() == []
    assert world.rt.secrets.get(connection.secret_key(world.calendar_id)) is None
    status = connection.sync_status(
        world.rt.uows, world.t.owner, world.t.sub_account_id, world.calendar_id
    )
    assert not status.is_connected


def test_scheduler_job_syncs_due_calendars_only(world: World) -> None:
    from ghl_desktop.services.calendars.sync.engine import sync_due

    world.remote.put("d-7", ical("d-7", NOW + timedelta(days=1)), href=None, etag=None)
    [report] = sync_due(world.rt.uows, world.rt.secrets, connect)
    assert report.pulled == 1
    assert sync_due(world.rt.uows, world.rt.secrets, connect) == []  # synced just now
    world.rt.clock.advance(timedelta(minutes=6))
    assert len(sync_due(world.rt.uows, world.rt.secrets, connect)) == 1
