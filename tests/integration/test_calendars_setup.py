"""Setting calendars up: every bad value names its field, rules round-trip, services link,
permissions are checked."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.calendars import AvailabilityKind, CalendarKind
from ghl_desktop.services import auth, users
from ghl_desktop.services.calendars import availability, service_catalog, setup
from tests.conftest import TEST_PASSWORD, make_tenant
from tests.integration.calendar_kit import build, staff_users
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"min_notice_minutes": -1}, "min_notice_minutes"),
        ({"max_days_ahead": 0}, "max_days_ahead"),
        ({"slot_interval_minutes": "15"}, "slot_interval_minutes"),
        ({"max_per_day": 0}, "max_per_day"),
        ({"distribution": "everyone"}, "distribution"),
        ({"reminder_offsets_minutes": [0]}, "reminder_offsets_minutes"),
        ({"name": " "}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_calendar_settings_name_the_field(
    runtime: Runtime, changes: dict[str, Any], field: str
) -> None:
    t = make_tenant(runtime)
    kit = build(runtime, t, staff=0)
    with pytest.raises(ValidationError) as err:
        setup.update_calendar(runtime.uows, t.owner, t.sub_account_id, kit.calendar_id, changes)
    assert err.value.field == field


def test_rules_services_members_and_permissions(runtime: Runtime) -> None:
    rt, t = runtime, make_tenant(runtime)
    kit = build(rt, t, staff=2)
    sub = t.sub_account_id
    with pytest.raises(Conflict):
        setup.update_calendar(rt.uows, t.owner, sub, kit.team_id, {"slug": "owner"})
    rules = setup.set_availability(rt.uows, t.owner, sub, kit.calendar_id, [
        {"kind": "weekly", "day_of_week": 1, "start_time": "09:00", "end_time": "12:00",
         "valid_from": "2026-02-01"},
        {"kind": "override", "date": "2026-12-25"},
        {"kind": "override", "date": "2026-12-24", "start_time": "10:00", "end_time": "11:00",
         "timezone": "Europe/London"},
    ])  # fmt: skip
    assert [(r.kind, r.day_of_week, r.override_date, r.start_time) for r in rules] == [
        (AvailabilityKind.OVERRIDE, None, date(2026, 12, 24), time(10)),
        (AvailabilityKind.OVERRIDE, None, date(2026, 12, 25), None),
        (AvailabilityKind.WEEKLY, 1, None, time(9)),
    ]
    assert rules[0].timezone == "Europe/London"
    assert rules[2].timezone == "America/New_York"  # the calendar's
    for bad, field in (
        ({"kind": "weekly", "day_of_week": 7, "start_time": "09:00", "end_time": "10:00"},
         "rules[0].day_of_week"),
        ({"kind": "weekly", "day_of_week": 1, "start_time": "10:00", "end_time": "09:00"},
         "rules[0].end_time"),
        ({"kind": "override"}, "rules[0].date"),
        ({"kind": "weekly", "day_of_week": 1, "start_time": "9am", "end_time": "10:00"},
         "rules[0].start_time"),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as err:
            setup.set_availability(rt.uows, t.owner, sub, kit.calendar_id, [bad])
        assert err.value.field == field
    extra = service_catalog.create_service(rt.uows, t.owner, sub,
                                           {"name": "Tour", "duration_minutes": 60})  # fmt: skip
    with pytest.raises(ValidationError) as err:
        service_catalog.create_service(rt.uows, t.owner, sub, {"name": "X", "currency": "EURO"})
    assert err.value.field == "currency"
    setup.link_services(rt.uows, t.owner, sub, kit.team_id, [extra.id])
    with rt.uows.tenant(t.owner, sub, read_only=True) as uow:
        team = availability.load_calendar(uow, kit.team_id, sub)
        assert [s.name for s in availability.offered_services(uow, team)] == ["Tour"]
        own = availability.load_calendar(uow, kit.calendar_id, sub)
        assert len(availability.offered_services(uow, own)) == 2  # none linked: all
    with pytest.raises(ValidationError):  # a user calendar has no members
        setup.set_team_members(rt.uows, t.owner, sub, kit.calendar_id, [(kit.staff[0], 0)])
    outsider = staff_users(rt, t, 1, prefix="another")[0]
    info = setup.set_team_members(rt.uows, t.owner, sub, kit.team_id,
                                  [(kit.staff[1], 0), (outsider, 1)])  # fmt: skip
    assert info.members == ((kit.staff[1], 0), (outsider, 1))
    # Staff of the other sub-account: this one does not exist for them.
    other = users.create_user(
        rt.uows,
        t.owner,
        t.agency_id,
        "b-staff@acme-agency.com",
        TEST_PASSWORD,
        role="staff",
        sub_account_id=t.other_sub_account_id,
    )
    with pytest.raises(NotFound):
        setup.create_calendar(rt.uows, auth.actor_for_user(rt.uows, other.id), sub, name="Mine",
                              slug="mine", owner_user_id=other.id)  # fmt: skip
    with pytest.raises(ValidationError) as err:  # not a user of this sub-account
        setup.create_calendar(rt.uows, t.owner, sub, name="B", slug="b", owner_user_id=other.id)
    assert err.value.field == "owner_user_id"
    made = setup.create_calendar(rt.uows, t.owner, sub, name="Team 2", slug="team-2",
                                 kind=CalendarKind.TEAM)  # fmt: skip
    assert made.booking_path == f"/_book/{sub}/team-2"
