"""The secret ICS feed over real HTTP: upcoming appointments as text/calendar (parsed back
with icalendar), titles and contact names only, rotatable token, wrong token -> 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.calendars import AppointmentStatus
from ghl_desktop.services.calendars.sync import ics_feed
from tests.conftest import make_tenant
from tests.e2e.sites_kit import client, running_server
from tests.integration.model_builders import appointment, calendar, contact, service, tenant_uow
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_feed_lists_upcoming_appointments_and_rotates(any_runtime) -> None:
    runtime = any_runtime
    runtime.clock.set(NOW)
    t = make_tenant(runtime)
    with tenant_uow(runtime, t) as uow:
        cal = calendar(uow, name="Sales calls")
        other = calendar(uow, name="Other", slug="other")
        grace = contact(uow, first_name="Grace", last_name="Hopper", email="grace@example.com",
                        phone="+14155550100")  # fmt: skip
        demo = service(uow, name="Demo")
        day, hour = timedelta(days=1), timedelta(hours=1)
        kept = appointment(uow, cal, contact_id=grace.id, service_id=demo.id, start_at=NOW + day,
                           end_at=NOW + day + hour, notes="private notes")  # fmt: skip
        appointment(uow, cal, title="Cancelled one", status=AppointmentStatus.CANCELLED,
                    start_at=NOW + 2 * day, end_at=NOW + 2 * day + hour)  # fmt: skip
        appointment(uow, cal, title="Long ago", start_at=NOW - 60 * day,
                    end_at=NOW - 60 * day + hour)  # fmt: skip
        appointment(uow, other, title="Other calendar", start_at=NOW + day,
                    end_at=NOW + day + hour)  # fmt: skip
        uow.commit()
    token = ics_feed.feed_token(runtime.uows, t.owner, t.sub_account_id, cal.id)
    assert ics_feed.feed_token(runtime.uows, t.owner, t.sub_account_id, cal.id) == token
    with running_server(runtime) as server, client(server) as http:
        response = http.get(ics_feed.feed_path(token))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        parsed = icalendar.Calendar.from_ical(response.text)
        events = list(parsed.walk("VEVENT"))
        assert [str(e["SUMMARY"]) for e in events] == ["Demo - Grace Hopper"]
        assert events[0].decoded("DTSTART") == kept.start_at
        assert str(parsed["X-WR-CALNAME"]) == "Sales calls"
        for secret in ("grace@example.com", "4155550100", "private notes"):
            assert secret not in response.text

        assert http.get(ics_feed.feed_path("x" * 43)).status_code == 404
        assert http.get("/_calendars/ics/../../etc.ics").status_code == 404

        new = ics_feed.rotate_feed_token(runtime.uows, t.owner, t.sub_account_id, cal.id)
        assert new != token
        assert http.get(ics_feed.feed_path(token)).status_code == 404
        assert http.get(ics_feed.feed_path(new)).status_code == 200


def test_feed_token_is_tenant_scoped(runtime) -> None:
    t = make_tenant(runtime)
    with tenant_uow(runtime, t) as uow:
        cal = calendar(uow)
        uow.commit()
    with pytest.raises(NotFound):
        ics_feed.feed_token(runtime.uows, t.owner, t.other_sub_account_id, cal.id)
