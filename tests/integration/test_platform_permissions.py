"""Roles and permissions: built-in roles grant what the catalogue says, services refuse before
writing, and a sub-account the actor cannot open looks exactly like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from ghl_desktop.core.permissions import BUILTIN_ROLES, PERMISSIONS, RoleScope
from ghl_desktop.models.tenancy import Permission, Role
from ghl_desktop.services import agencies, auth, roles, users
from ghl_desktop.services.actor import Actor
from tests.conftest import TEST_PASSWORD, Tenant, make_tenant
from tests.db_state import diff, snapshot
from tests.speed import fast_password_hashing, module_runtime

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing", "module_runtime"]  # fixtures used by name

MISSING_ID = "00000000-0000-7000-8000-000000000000"


def _member(rt: Runtime, tenant: Tenant, email: str, role: str, sub: str | None) -> Actor:
    info = users.create_user(
        rt.uows, tenant.owner, tenant.agency_id, email, TEST_PASSWORD, role=role, sub_account_id=sub
    )
    return Actor(user_id=info.id, label=email)


def test_the_database_catalogue_matches_the_code(runtime: Runtime) -> None:
    with runtime.uows.system(read_only=True) as uow:
        keys = set(uow.session.scalars(select(Permission.key)))
        stored = {r.key: r for r in uow.session.scalars(select(Role).where(Role.is_builtin))}
        assert keys == set(PERMISSIONS)
        assert set(stored) == {spec.key for spec in BUILTIN_ROLES}
        for spec in BUILTIN_ROLES:
            assert stored[spec.key].permission_keys == spec.permissions, spec.key
            assert stored[spec.key].scope is spec.scope
            assert stored[spec.key].agency_id is None


def test_catalogue_roles_are_sensible() -> None:
    by_key = {r.key: r for r in BUILTIN_ROLES}
    assert by_key["agency_owner"].permissions == frozenset(PERMISSIONS)
    assert "sub_accounts.manage" not in by_key["sub_account_admin"].permissions
    assert "payments.refund" not in by_key["manager"].permissions
    assert "users.manage" not in by_key["staff"].permissions
    assert all(p in PERMISSIONS for r in BUILTIN_ROLES for p in r.permissions)


@pytest.mark.parametrize("spec", BUILTIN_ROLES, ids=lambda r: r.key)
def test_each_builtin_role_grants_exactly_its_permissions(
    runtime: Runtime, tenant: Tenant, spec: object
) -> None:
    assert hasattr(spec, "key")
    role = next(r for r in BUILTIN_ROLES if r.key == spec.key)
    agency_wide = role.scope is RoleScope.AGENCY
    actor = _member(
        runtime, tenant, f"{role.key}@acme-agency.com", role.key,
        None if agency_wide else tenant.sub_account_id,
    )  # fmt: skip
    with runtime.uows.tenant(actor, tenant.sub_account_id, read_only=True) as uow:
        assert uow.permissions == role.permissions
        for permission in PERMISSIONS:
            assert uow.can(permission) is (permission in role.permissions)
    with runtime.uows.agency(actor, tenant.agency_id, read_only=True) as uow:
        assert uow.permissions == (role.permissions if agency_wide else frozenset())
    if agency_wide:  # agency roles reach every sub-account of the agency
        with runtime.uows.tenant(actor, tenant.other_sub_account_id, read_only=True) as uow:
            assert uow.permissions == role.permissions
    else:
        with pytest.raises(NotFound):
            runtime.uows.tenant(actor, tenant.other_sub_account_id)


def test_require_names_the_missing_permission(runtime: Runtime, tenant: Tenant) -> None:
    staff = _member(runtime, tenant, "s@acme-agency.com", "staff", tenant.sub_account_id)
    with runtime.uows.tenant(staff, tenant.sub_account_id) as uow:
        uow.require("contacts.write")
        with pytest.raises(PermissionDenied, match=r"payments\.refund"):
            uow.require("payments.refund")


# -- services refuse before writing -----------------------------------------------------------
@dataclass
class Team:
    staff: Actor
    manager: Actor
    sub_admin: Actor


def _team(rt: Runtime, tenant: Tenant) -> Team:
    a = tenant.sub_account_id
    return Team(
        staff=_member(rt, tenant, "staff@acme-agency.com", "staff", a),
        manager=_member(rt, tenant, "manager@acme-agency.com", "manager", a),
        sub_admin=_member(rt, tenant, "subadmin@acme-agency.com", "sub_account_admin", a),
    )


@pytest.fixture
def team(runtime: Runtime, tenant: Tenant) -> Team:
    return _team(runtime, tenant)


@dataclass
class World:
    """One installation shared by the tests that must not change anything."""

    rt: Runtime
    tenant: Tenant
    team: Team
    outsider: Actor


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> World:
    tenant = make_tenant(module_runtime)
    team = _team(module_runtime, tenant)
    other = make_tenant(module_runtime, "Other Agency", "owner@other-agency.com")
    return World(module_runtime, tenant, team, other.owner)


REFUSALS = {
    "staff creates a sub-account": (
        "staff", "sub_accounts.manage",
        lambda rt, t, who: agencies.create_sub_account(rt.uows, who, t.agency_id, "Location C"),
    ),
    "sub-account admin creates a sub-account": (
        "sub_admin", "sub_accounts.manage",
        lambda rt, t, who: agencies.create_sub_account(rt.uows, who, t.agency_id, "Location C"),
    ),
    "manager renames the sub-account": (
        "manager", "settings.manage",
        lambda rt, t, who: agencies.update_sub_account(rt.uows, who, t.sub_account_id, name="X"),
    ),
    "staff archives the sub-account": (
        "staff", "sub_accounts.manage",
        lambda rt, t, who: agencies.set_sub_account_archived(rt.uows, who, t.sub_account_id, True),
    ),
    "staff creates a user": (
        "staff", "users.manage",
        lambda rt, t, who: users.create_user(
            rt.uows, who, t.agency_id, "new@acme-agency.com", TEST_PASSWORD, role="staff",
            sub_account_id=t.sub_account_id,
        ),
    ),
    "manager grants a role": (
        "manager", "users.manage",
        lambda rt, t, who: users.grant(
            rt.uows, who, t.agency_id, who.user_id, "sub_account_admin", t.sub_account_id
        ),
    ),
    "sub-account admin creates a custom role": (
        "sub_admin", "users.manage",
        lambda rt, t, who: roles.create_role(
            rt.uows, who, t.agency_id, "Closer", "sub_account", ["contacts.read"]
        ),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_services_refuse_before_writing(world: World, case: str) -> None:
    who_attr, permission, call = REFUSALS[case]
    before = snapshot(world.rt.database)
    with pytest.raises(PermissionDenied) as err:
        call(world.rt, world.tenant, getattr(world.team, who_attr))
    assert err.value.permission == permission
    assert diff(before, snapshot(world.rt.database)) == {}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_the_owner_may(runtime: Runtime, tenant: Tenant, team: Team, case: str) -> None:
    _, _, call = REFUSALS[case]
    call(runtime, tenant, tenant.owner)


# -- no access looks like not found ------------------------------------------------------------
def _shape(exc: BaseException, key: str) -> str:
    return str(exc).replace(key, "<id>")


ACCESS_PROBES = {
    "open": lambda rt, who, sub: agencies.get_sub_account(rt.uows, who, sub),
    "rename": lambda rt, who, sub: agencies.update_sub_account(rt.uows, who, sub, name="X"),
    "archive": lambda rt, who, sub: agencies.set_sub_account_archived(rt.uows, who, sub, True),
    "tenant unit of work": lambda rt, who, sub: rt.uows.tenant(who, sub),
}


@pytest.mark.parametrize("probe", sorted(ACCESS_PROBES))
@pytest.mark.parametrize("who", ["outsider", "staff of the sibling sub-account"])
def test_no_access_is_indistinguishable_from_missing(world: World, probe: str, who: str) -> None:
    runtime, tenant = world.rt, world.tenant
    actor = world.outsider if who == "outsider" else world.team.staff
    target = tenant.other_sub_account_id if who != "outsider" else tenant.sub_account_id
    call = ACCESS_PROBES[probe]
    before = snapshot(runtime.database)
    with pytest.raises(NotFound) as hidden:
        call(runtime, actor, target)
    with pytest.raises(NotFound) as missing:
        call(runtime, actor, MISSING_ID)
    assert type(hidden.value) is type(missing.value)
    assert _shape(hidden.value, target) == _shape(missing.value, MISSING_ID)
    assert diff(before, snapshot(runtime.database)) == {}


def test_outsider_sees_none_of_the_agency(world: World) -> None:
    runtime, tenant, outsider = world.rt, world.tenant, world.outsider
    assert [a.name for a in agencies.list_agencies(runtime.uows, outsider)] == ["Other Agency"]
    assert agencies.list_sub_accounts(runtime.uows, outsider, tenant.agency_id) == []
    with pytest.raises(PermissionDenied):
        users.list_users(runtime.uows, outsider, tenant.agency_id)


def test_grants_across_agencies_are_not_found(world: World) -> None:
    runtime, tenant, outsider = world.rt, world.tenant, world.outsider
    other_agency = agencies.list_agencies(runtime.uows, outsider)[0].id
    with pytest.raises(NotFound):
        users.create_user(
            runtime.uows, outsider, other_agency, "x@other-agency.com", TEST_PASSWORD,
            role="staff", sub_account_id=tenant.sub_account_id,
        )  # fmt: skip
    with pytest.raises(NotFound):
        users.grant(runtime.uows, outsider, other_agency, tenant.owner.user_id or "", "staff")


# -- archived sub-accounts and deactivated users ---------------------------------------------
def test_archived_sub_account(runtime: Runtime, tenant: Tenant, team: Team) -> None:
    archived = agencies.set_sub_account_archived(
        runtime.uows, tenant.owner, tenant.sub_account_id, True
    )
    assert archived.is_archived
    # Its own members lose access; agency roles keep it (to unarchive, export, report).
    with pytest.raises(NotFound):
        runtime.uows.tenant(team.manager, tenant.sub_account_id)
    with runtime.uows.tenant(tenant.owner, tenant.sub_account_id, read_only=True) as uow:
        assert uow.can("sub_accounts.manage")
    names = [
        s.name for s in agencies.list_sub_accounts(runtime.uows, tenant.owner, tenant.agency_id)
    ]
    assert names == ["Location B"]
    every = agencies.list_sub_accounts(
        runtime.uows, tenant.owner, tenant.agency_id, include_archived=True
    )
    assert [(s.name, s.is_archived) for s in every] == [("Location A", True), ("Location B", False)]
    assert agencies.list_sub_accounts(runtime.uows, team.manager, tenant.agency_id) == []
    with pytest.raises(ValidationError, match="already archived"):
        agencies.set_sub_account_archived(runtime.uows, tenant.owner, tenant.sub_account_id, True)

    agencies.set_sub_account_archived(runtime.uows, tenant.owner, tenant.sub_account_id, False)
    with runtime.uows.tenant(team.manager, tenant.sub_account_id, read_only=True) as uow:
        assert uow.can("contacts.write")


def test_deactivated_user_loses_everything(runtime: Runtime, tenant: Tenant, team: Team) -> None:
    users.set_active(
        runtime.uows, tenant.owner, tenant.agency_id, team.manager.user_id or "", False
    )
    with pytest.raises(NotFound):
        runtime.uows.tenant(team.manager, tenant.sub_account_id)
    from ghl_desktop.core.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        auth.sign_in(runtime.uows, "manager@acme-agency.com", TEST_PASSWORD)


def test_the_last_owner_cannot_be_removed(runtime: Runtime, tenant: Tenant) -> None:
    owner_id = tenant.owner.user_id or ""
    with pytest.raises(ValidationError, match="last owner"):
        users.revoke(runtime.uows, tenant.owner, tenant.agency_id, owner_id)
    with pytest.raises(ValidationError, match="yourself"):
        users.set_active(runtime.uows, tenant.owner, tenant.agency_id, owner_id, False)


def test_unit_of_work_access_matches_the_orm_answer(any_runtime: Runtime) -> None:
    """``authz.sub_account_access`` (two plain statements, used by every tenant unit of work)
    gives exactly what ``permissions_for_sub_account`` gives, in every state."""
    from ghl_desktop.models.tenancy import SubAccount
    from ghl_desktop.services.actor import SYSTEM
    from ghl_desktop.services.authz import permissions_for_sub_account, sub_account_access

    rt = any_runtime
    tenant = make_tenant(rt)
    team = _team(rt, tenant)
    outsider = make_tenant(rt, "Other Agency", "owner@other-agency.com").owner
    actors = [tenant.owner, team.staff, team.manager, team.sub_admin, outsider, SYSTEM]
    anonymous = Actor(user_id=None, label="nobody")

    def check() -> int:
        seen = 0
        with rt.uows.system(read_only=True) as uow:
            for sub_id in (tenant.sub_account_id, tenant.other_sub_account_id, MISSING_ID):
                sub = uow.session.get(SubAccount, sub_id)
                for actor in [*actors, anonymous]:
                    got = sub_account_access(uow.session, actor, sub_id)
                    if sub is None:
                        assert got is None
                        continue
                    want = permissions_for_sub_account(uow.session, actor, sub)
                    assert got == (sub.agency_id, want), (actor.label, sub_id)
                    seen += bool(want)
        return seen

    assert check() > 4
    users.set_active(rt.uows, tenant.owner, tenant.agency_id, team.manager.user_id or "", False)
    check()
    agencies.set_sub_account_archived(rt.uows, tenant.owner, tenant.sub_account_id, True)
    check()
