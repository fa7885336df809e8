from ghl_desktop.services import agencies, users
from tests.conftest import TEST_PASSWORD, Tenant


def test_tenant_fixture_builds_two_sub_accounts(runtime, tenant: Tenant) -> None:
    subs = agencies.list_sub_accounts(runtime.uows, tenant.owner, tenant.agency_id)
    assert [s.name for s in subs] == ["Location A", "Location B"]
    info = users.create_user(
        runtime.uows,
        tenant.owner,
        tenant.agency_id,
        "staff@acme-agency.com",
        TEST_PASSWORD,
        role="staff",
        sub_account_id=tenant.sub_account_id,
    )
    assert info.memberships[0].role_key == "staff"
