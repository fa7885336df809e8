"""The service functions added for the screens (no Qt): what an actor may do, a sub-account's
overview for the dashboard, and whether automatic sign-in is on - on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.core.permissions import PERMISSIONS
from ghl_desktop.services import agencies, auth, users
from tests.conftest import TEST_PASSWORD, make_tenant


def test_access_for_agency_and_sub_account_roles(any_runtime: Runtime) -> None:
    tenant = make_tenant(any_runtime)
    uows = any_runtime.uows
    owner_access = agencies.access_for(uows, tenant.owner, tenant.agency_id, tenant.sub_account_id)
    assert owner_access.agency == frozenset(PERMISSIONS)
    assert owner_access.sub_account == frozenset(PERMISSIONS)
    staff = users.create_user(
        uows, tenant.owner, tenant.agency_id, "staff@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    actor = auth.actor_for_user(uows, staff.id)
    access = agencies.access_for(uows, actor, tenant.agency_id, tenant.sub_account_id)
    assert access.agency == frozenset()
    assert "contacts.write" in access.sub_account
    assert "users.manage" not in access.sub_account
    assert agencies.access_for(uows, actor, tenant.agency_id).sub_account == frozenset()
    with pytest.raises(NotFound):  # no access answers like a missing sub-account
        agencies.access_for(uows, actor, tenant.agency_id, tenant.other_sub_account_id)


def test_sub_account_overview(any_runtime: Runtime) -> None:
    tenant = make_tenant(any_runtime)
    uows = any_runtime.uows
    users.create_user(
        uows, tenant.owner, tenant.agency_id, "member@acme-agency.com", TEST_PASSWORD,
        full_name="Mia Member", role="manager", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    inactive = users.create_user(
        uows, tenant.owner, tenant.agency_id, "gone@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    users.set_active(uows, tenant.owner, tenant.agency_id, inactive.id, False)
    agencies.update_sub_account(uows, tenant.owner, tenant.sub_account_id, timezone="Europe/Rome")
    overview = agencies.sub_account_overview(uows, tenant.owner, tenant.sub_account_id)
    assert overview.sub_account.name == "Location A"
    assert overview.sub_account.timezone == "Europe/Rome"
    assert overview.user_count == 2  # the owner (agency-wide) and Mia; not the inactive one
    newest = overview.recent_activity[0]
    assert (newest.entity_type, newest.action, newest.actor_label) == (
        "sub_accounts", "updated", "Owner",
    )  # fmt: skip
    assert ("timezone", "UTC", "Europe/Rome") in newest.changes
    times = [a.created_at for a in overview.recent_activity]
    assert times == sorted(times, reverse=True)
    # Only this sub-account's activity.
    other = agencies.sub_account_overview(uows, tenant.owner, tenant.other_sub_account_id)
    assert other.recent_activity
    assert all(("timezone", "UTC", "Europe/Rome") not in a.changes for a in other.recent_activity)
    limited = agencies.sub_account_overview(
        uows, tenant.owner, tenant.sub_account_id, activity_limit=1
    )
    assert len(limited.recent_activity) == 1
    with pytest.raises(ValidationError, match="activity_limit"):
        agencies.sub_account_overview(uows, tenant.owner, tenant.sub_account_id, activity_limit=-1)


def test_auto_sign_in_enabled(any_runtime: Runtime) -> None:
    tenant = make_tenant(any_runtime)
    uows = any_runtime.uows
    assert not auth.auto_sign_in_enabled(uows, tenant.owner)
    auth.set_auto_sign_in(uows, tenant.owner, True)
    assert auth.auto_sign_in_enabled(uows, tenant.owner)
    auth.set_auto_sign_in(uows, tenant.owner, False)
    assert not auth.auto_sign_in_enabled(uows, tenant.owner)
