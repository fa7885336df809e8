"""Calendars for tests: a user calendar and a round-robin team, open 09:00-17:00 New York on
weekdays, with a 30-minute service (10 minutes buffer after)."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.calendars import CalendarKind
from ghl_desktop.services import users
from ghl_desktop.services.calendars import service_catalog, setup
from tests.conftest import TEST_PASSWORD, Tenant

ZONE = "America/New_York"
WEEKDAYS = [{"kind": "weekly", "day_of_week": d, "start_time": "09:00", "end_time": "17:00"}
            for d in range(1, 6)]  # fmt: skip


@dataclass
class Kit:
    calendar_id: str  # the owner's user calendar
    team_id: str  # round robin over staff
    service_id: str
    staff: list[str]
    owner_id: str


def staff_users(rt: Runtime, t: Tenant, n: int, prefix: str = "staff") -> list[str]:
    return [
        users.create_user(
            rt.uows, t.owner, t.agency_id, f"{prefix}{i}@acme-agency.com", TEST_PASSWORD,
            full_name=f"Staff {i}", role="staff", sub_account_id=t.sub_account_id,
        ).id
        for i in range(n)
    ]  # fmt: skip


def build(rt: Runtime, t: Tenant, *, staff: int = 2, **calendar_settings: object) -> Kit:
    owner_id = t.owner.user_id
    assert owner_id is not None
    sub = t.sub_account_id
    service = service_catalog.create_service(
        rt.uows, t.owner, sub,
        {"name": "Consultation", "duration_minutes": 30, "buffer_after_minutes": 10},
    )  # fmt: skip
    settings = {"min_notice_minutes": 60, "max_days_ahead": 60} | calendar_settings
    cal = setup.create_calendar(rt.uows, t.owner, sub, name="Owner", slug="owner",
                                owner_user_id=owner_id, timezone=ZONE, **settings)  # fmt: skip
    setup.set_availability(rt.uows, t.owner, sub, cal.id, WEEKDAYS)
    members = staff_users(rt, t, staff)
    team = setup.create_calendar(rt.uows, t.owner, sub, name="Team", slug="team",
                                 kind=CalendarKind.TEAM, timezone=ZONE, **settings)  # fmt: skip
    setup.set_team_members(rt.uows, t.owner, sub, team.id, [(u, i) for i, u in enumerate(members)])
    setup.set_availability(rt.uows, t.owner, sub, team.id, WEEKDAYS)
    return Kit(cal.id, team.id, service.id, members, owner_id)
