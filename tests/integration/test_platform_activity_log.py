"""activity_logs: who changed which field from what to what, written in the change's own
transaction, never holding a secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.models.system import ActivityLog
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services import agencies, auth, settings, users
from ghl_desktop.services.actor import Actor
from tests.conftest import TEST_PASSWORD, Tenant
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

IP, AGENT = "203.0.113.7", "ghl-desktop-tests/1.0"


def _logs(rt: Runtime, entity_id: str | None = None) -> list[dict[str, Any]]:
    with rt.uows.system(read_only=True) as uow:
        query = select(ActivityLog).order_by(ActivityLog.created_at, ActivityLog.id)
        if entity_id is not None:
            query = query.where(ActivityLog.entity_id == entity_id)
        return [
            {
                "entity_type": r.entity_type, "entity_id": r.entity_id, "action": r.action,
                "changes": r.changes, "user_id": r.user_id, "agency_id": r.agency_id,
                "sub_account_id": r.sub_account_id, "ip_address": r.ip_address,
                "user_agent": r.user_agent, "created_at": r.created_at,
            }
            for r in uow.session.scalars(query)
        ]  # fmt: skip


@pytest.fixture
def owner(tenant: Tenant) -> Actor:
    return tenant.owner.with_request(IP, AGENT)


def test_creation_logs_every_set_field_with_actor_and_request(
    runtime: Runtime, tenant: Tenant, owner: Actor, clock: FixedClock
) -> None:
    sub = agencies.create_sub_account(
        runtime.uows, owner, tenant.agency_id, "Location C", timezone="Europe/Paris"
    )
    (log,) = _logs(runtime, sub.id)
    assert log["entity_type"] == "sub_accounts"
    assert log["action"] == "created"
    assert log["user_id"] == tenant.owner.user_id
    assert log["agency_id"] == tenant.agency_id
    assert log["sub_account_id"] == sub.id
    assert (log["ip_address"], log["user_agent"]) == (IP, AGENT)
    assert log["created_at"].tzinfo is not None
    changes = log["changes"]
    assert changes["name"] == {"old": None, "new": "Location C"}
    assert changes["timezone"] == {"old": None, "new": "Europe/Paris"}
    assert changes["agency_id"] == {"old": None, "new": tenant.agency_id}
    assert "created_at" not in changes
    assert "updated_at" not in changes


def test_updates_log_only_the_fields_that_changed(
    runtime: Runtime, tenant: Tenant, owner: Actor
) -> None:
    before = len(_logs(runtime, tenant.sub_account_id))
    agencies.update_sub_account(
        runtime.uows, owner, tenant.sub_account_id, name="Renamed", timezone="UTC"
    )  # the timezone was UTC already
    logs = _logs(runtime, tenant.sub_account_id)
    assert len(logs) == before + 1
    assert logs[-1]["action"] == "updated"
    assert logs[-1]["changes"] == {"name": {"old": "Location A", "new": "Renamed"}}
    assert logs[-1]["sub_account_id"] == tenant.sub_account_id


def test_archive_and_unarchive_are_named_actions(
    runtime: Runtime, tenant: Tenant, owner: Actor, clock: FixedClock
) -> None:
    agencies.set_sub_account_archived(runtime.uows, owner, tenant.sub_account_id, True)
    agencies.set_sub_account_archived(runtime.uows, owner, tenant.sub_account_id, False)
    archived, unarchived = _logs(runtime, tenant.sub_account_id)[-2:]
    assert archived["action"] == "archived"
    assert archived["changes"] == {"archived_at": {"old": None, "new": clock.now().isoformat()}}
    assert unarchived["action"] == "unarchived"
    assert unarchived["changes"]["archived_at"]["new"] is None


def test_logs_roll_back_with_their_change(runtime: Runtime, tenant: Tenant) -> None:
    before = _logs(runtime)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id) as uow:
        sub = uow.session.get(SubAccount, tenant.sub_account_id)
        assert sub is not None
        sub.name = "Never Saved"
        uow.flush()
        with runtime.uows.system(read_only=True) as other:  # not visible outside either
            assert len(other.session.scalars(select(ActivityLog.id)).all()) == len(before)
    assert _logs(runtime) == before


def test_system_changes_have_no_user(runtime: Runtime, tenant: Tenant) -> None:
    agencies.update_sub_account(
        runtime.uows, Actor(user_id=None, label="system"), tenant.sub_account_id, name="By System"
    )
    assert _logs(runtime, tenant.sub_account_id)[-1]["user_id"] is None


def test_purges_are_logged(runtime: Runtime, tenant: Tenant) -> None:
    settings.put(runtime.uows, "k", 1)  # app settings are not audited
    with runtime.uows.system() as uow:
        sub = uow.session.get(SubAccount, tenant.other_sub_account_id)
        uow.session.delete(sub)
        uow.commit()
    purge = _logs(runtime, tenant.other_sub_account_id)[-1]
    assert purge["action"] == "purged"
    assert purge["sub_account_id"] is None  # the sub-account it belonged to is gone


def test_secrets_are_never_logged(runtime: Runtime, tenant: Tenant, owner: Actor) -> None:
    new_password = "another-fine-password"
    info = users.create_user(
        runtime.uows, owner, tenant.agency_id, "staff@acme-agency.com", TEST_PASSWORD,
        full_name="Sam Staff", role="staff", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    staff = Actor(user_id=info.id, label="staff")
    auth.change_password(runtime.uows, staff, TEST_PASSWORD, new_password)
    auth.sign_in(runtime.uows, "staff@acme-agency.com", new_password)
    with pytest.raises(auth.AuthenticationFailed):
        auth.sign_in(runtime.uows, "staff@acme-agency.com", "wrong-password-123")

    user_logs = [log for log in _logs(runtime, info.id) if log["entity_type"] == "users"]
    assert user_logs[0]["action"] == "created"
    assert user_logs[0]["changes"]["email"]["new"] == "staff@acme-agency.com"
    assert user_logs[0]["changes"]["full_name"]["new"] == "Sam Staff"
    everything = json.dumps([log["changes"] for log in _logs(runtime)])
    assert "password_hash" not in everything
    assert "$argon2" not in everything
    assert TEST_PASSWORD not in everything
    assert new_password not in everything


def test_membership_changes_are_logged(runtime: Runtime, tenant: Tenant, owner: Actor) -> None:
    info = users.create_user(
        runtime.uows, owner, tenant.agency_id, "staff@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=tenant.sub_account_id,
    )  # fmt: skip
    users.revoke(runtime.uows, owner, tenant.agency_id, info.id, tenant.sub_account_id)
    memberships = [
        log for log in _logs(runtime) if log["entity_type"] == "user_sub_account_memberships"
    ]
    assert [m["action"] for m in memberships] == ["created", "purged"]
    assert memberships[0]["changes"]["user_id"]["new"] == info.id
    assert memberships[0]["sub_account_id"] == tenant.sub_account_id
    assert all((m["ip_address"], m["user_agent"]) == (IP, AGENT) for m in memberships)
