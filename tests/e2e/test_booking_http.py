"""The public booking page over real HTTP: the whole flow, the invitee's links, bad input,
and many visitors racing for the same slot (exactly one wins) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.funnel_server.runner import FunnelServer
from ghl_desktop.models.calendars import Appointment, AppointmentStatus
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.services.calendars import setup
from tests.conftest import _runtime, fresh_sqlite_data_dir, make_tenant, pg_url_or_skip
from tests.e2e.sites_kit import hidden, running_server
from tests.integration.calendar_kit import build
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

SLOT = "2026-01-06T14:00:00Z"  # Tuesday 09:00 New York, 14:00 London
XSS = '<script>alert("x")</script>'


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def booking_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple]:
    if request.param == "sqlite":
        data_dir, url = fresh_sqlite_data_dir(tmp_path / "sqlite"), None
    else:
        data_dir, url = tmp_path / "pg", pg_url_or_skip(migrated=True)
    rt = _runtime(data_dir, url, FixedClock())
    t = make_tenant(rt)
    kit = build(rt, t, staff=1)
    setup.update_calendar(rt.uows, t.owner, t.sub_account_id, kit.calendar_id,
                          {"description": XSS})  # fmt: skip
    with running_server(rt) as server:
        yield rt, t, kit, server
    rt.close()


def _base(server: FunnelServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def _form_for(client: httpx.Client, path: str, start: str = SLOT) -> str:
    page = client.get(path, params={"tz": "Europe/London", "start": start})
    assert page.status_code == 200
    return hidden(page.text, "token")


def _post(client: httpx.Client, path: str, token: str, **values: str) -> httpx.Response:
    data = {"token": token, "tz": "Europe/London", "start": SLOT, "name": "Ada Lovelace",
            "email": "ada@example.com", "phone": "", "website": ""} | values  # fmt: skip
    return client.post(path, data=data)


def test_book_reschedule_and_cancel_over_http(booking_site: tuple) -> None:
    rt, t, _kit, server = booking_site
    path = f"/_book/{t.sub_account_id}/owner"
    with httpx.Client(base_url=_base(server)) as client:
        first = client.get(path)
        assert first.status_code == 200
        assert "Intl.DateTimeFormat" in first.text  # the zone is detected in the browser
        assert XSS not in first.text  # the owner's description is escaped
        assert "&lt;script&gt;" in first.text
        csp = first.headers["content-security-policy"]
        assert "script-src 'nonce-" in csp
        assert "unsafe-inline" not in csp
        london = client.get(path, params={"tz": "Europe/London", "day": "2026-01-06"})
        times = re.findall(r">(\d\d:\d\d)\*?</a>", london.text)
        assert times[0] == "14:00"  # 09:00 in New York, shown in London time
        token = _form_for(client, path)
        bad = _post(client, path, token, email="nope", phone="")
        assert bad.status_code == 400
        assert "not a valid email address" in bad.text
        booked = _post(client, path, token)
        assert booked.status_code == 303
        done = client.get(booked.headers["location"])
        assert "You are booked" in done.text
        again = _post(client, path, token)  # the same form posted twice: the same booking
        assert again.headers["location"] == booked.headers["location"]
        links = dict(re.findall(r'href="(http[^"]+/(reschedule|cancel))"', done.text)[i][::-1]
                     for i in range(2))  # fmt: skip
        later = {"tz": "Europe/London", "start": "2026-01-06T15:00:00Z"}
        move_page = client.get(links["reschedule"], params=later)
        moved = client.post(links["reschedule"], data={
            "token": hidden(move_page.text, "token"), "start": "2026-01-06T15:00:00Z",
            "tz": "Europe/London"})  # fmt: skip
        assert moved.status_code == 303
        cancel_page = client.get(links["cancel"])
        cancelled = client.post(links["cancel"], data={"token": hidden(cancel_page.text, "token"),
                                                       "reason": "cannot make it"})  # fmt: skip
        assert cancelled.status_code == 303
        assert "was cancelled" in client.get(cancelled.headers["location"]).text
        assert client.get(links["cancel"]).status_code == 409
        forged = links["cancel"].replace("/manage/", "/manage/x")
        assert client.get(forged).status_code == 404
    with rt.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        a = uow.session.scalars(select(Appointment)).one()
        assert a.status == AppointmentStatus.CANCELLED
        assert a.booked_via == "booking_page"
        assert a.cancellation_reason == "cannot make it"
        sent = uow.session.scalars(select(OutboxMessage.source)).all()
        assert sent.count("booking") == 2  # booked, and rescheduled


def test_only_one_of_many_racing_visitors_gets_the_slot(booking_site: tuple) -> None:
    rt, t, _kit, server = booking_site
    path = f"/_book/{t.sub_account_id}/owner"
    racers = 8
    # Half want 14:00, half 14:30: different starts, but 14:30 falls in 14:00's buffer (the
    # unique index alone could not tell; the per-person lock and the re-check must).
    starts = [SLOT if i % 2 else "2026-01-06T14:30:00Z" for i in range(racers)]
    clients = [httpx.Client(base_url=_base(server), timeout=30) for _ in range(racers)]
    tokens = [_form_for(c, path, starts[i]) for i, c in enumerate(clients)]
    barrier = threading.Barrier(racers)
    results: list[int] = []

    def race(i: int) -> None:
        barrier.wait()
        response = _post(clients[i], path, tokens[i], email=f"racer{i}@example.com",
                         start=starts[i])  # fmt: skip
        results.append(response.status_code)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for c in clients:
        c.close()
    assert sorted(results) == [303] + [409] * (racers - 1)
    with rt.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        live = uow.session.scalars(
            select(Appointment).where(Appointment.status != AppointmentStatus.CANCELLED)
        ).all()
    assert len(live) == 1


def test_unknown_calendar_and_foreign_sub_account_are_404(booking_site: tuple) -> None:
    _rt, t, _kit, server = booking_site
    with httpx.Client(base_url=_base(server)) as client:
        assert client.get(f"/_book/{t.sub_account_id}/nobody").status_code == 404
        assert client.get(f"/_book/{t.other_sub_account_id}/owner").status_code == 404
        assert client.get("/_book/not-an-id/owner").status_code == 404
