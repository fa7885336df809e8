"""Sign-in: argon2 verification, lockout with back-off on the app's clock, password changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Row, select

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.errors import AuthenticationFailed, ValidationError
from ghl_desktop.models.tenancy import User
from ghl_desktop.services import auth
from tests.conftest import TEST_PASSWORD, Tenant
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

EMAIL = "owner@acme-agency.com"


def _user(rt: Runtime) -> Row[Any]:
    """The owner's sign-in columns, read in a fresh unit of work."""
    with rt.uows.system(read_only=True) as uow:
        return uow.session.execute(
            select(
                User.failed_login_count,
                User.locked_until,
                User.last_login_at,
                User.password_hash,
                User.password_changed_at,
            ).where(User.email == EMAIL)
        ).one()


def test_sign_in_returns_the_actor(runtime: Runtime, tenant: Tenant, clock: FixedClock) -> None:
    actor = auth.sign_in(runtime.uows, "Owner@Acme-Agency.com", TEST_PASSWORD)
    assert actor.user_id == tenant.owner.user_id
    assert _user(runtime).last_login_at == clock.now()


def test_unknown_email_and_wrong_password_look_the_same(runtime: Runtime, tenant: Tenant) -> None:
    with pytest.raises(AuthenticationFailed) as unknown:
        auth.sign_in(runtime.uows, "nobody@acme-agency.com", TEST_PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        auth.sign_in(runtime.uows, EMAIL, "wrong-password-123")
    assert str(unknown.value) == str(wrong.value) == "wrong email or password"


def test_lockout_backs_off_on_the_app_clock(
    runtime: Runtime, tenant: Tenant, clock: FixedClock
) -> None:
    for _ in range(auth.FREE_ATTEMPTS - 1):
        with pytest.raises(AuthenticationFailed, match="wrong email or password"):
            auth.sign_in(runtime.uows, EMAIL, "wrong-password-123")
    assert _user(runtime).locked_until is None
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(runtime.uows, EMAIL, "wrong-password-123")
    assert _user(runtime).locked_until == clock.now() + timedelta(seconds=30)

    # Locked: even the right password is refused, and the refusal is not counted.
    with pytest.raises(AuthenticationFailed, match="try again in 31 s"):
        auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)
    assert _user(runtime).failed_login_count == auth.FREE_ATTEMPTS
    clock.advance(timedelta(seconds=29))
    with pytest.raises(AuthenticationFailed, match="too many failed attempts"):
        auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)

    clock.advance(timedelta(seconds=2))
    with pytest.raises(AuthenticationFailed):  # one more failure doubles the lock
        auth.sign_in(runtime.uows, EMAIL, "wrong-password-123")
    assert _user(runtime).locked_until == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=61))
    auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)
    user = _user(runtime)
    assert (user.failed_login_count, user.locked_until) == (0, None)


def test_hashes_with_old_parameters_are_upgraded_on_sign_in(
    runtime: Runtime, tenant: Tenant
) -> None:
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(TEST_PASSWORD)
    with runtime.uows.system() as uow:
        user = uow.session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        user.password_hash = old
        uow.commit()
    auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)
    upgraded = _user(runtime).password_hash
    assert upgraded != old
    assert not auth.passwords.needs_rehash(upgraded)
    auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)


def test_change_password(runtime: Runtime, tenant: Tenant, clock: FixedClock) -> None:
    actor = tenant.owner
    with pytest.raises(ValidationError) as err:
        auth.change_password(runtime.uows, actor, "wrong-password-123", "new-password-456")
    assert err.value.field == "current_password"
    with pytest.raises(ValidationError) as err:
        auth.change_password(runtime.uows, actor, TEST_PASSWORD, TEST_PASSWORD)
    assert err.value.field == "new_password"
    with pytest.raises(ValidationError) as err:
        auth.change_password(runtime.uows, actor, TEST_PASSWORD, "short")
    assert err.value.field == "new_password"
    auth.change_password(runtime.uows, actor, TEST_PASSWORD, "new-password-456")
    assert _user(runtime).password_changed_at == clock.now()
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD)
    auth.sign_in(runtime.uows, EMAIL, "new-password-456")


def test_auto_sign_in(runtime: Runtime, tenant: Tenant) -> None:
    assert auth.auto_sign_in(runtime.uows) is None
    auth.set_auto_sign_in(runtime.uows, tenant.owner, True)
    actor = auth.auto_sign_in(runtime.uows)
    assert actor is not None
    assert actor.user_id == tenant.owner.user_id
    auth.set_auto_sign_in(runtime.uows, tenant.owner, False)
    assert auth.auto_sign_in(runtime.uows) is None


def test_checking_credentials_without_recording_a_login(runtime: Runtime, tenant: Tenant) -> None:
    before = _user(runtime)
    actor = auth.sign_in(runtime.uows, EMAIL, TEST_PASSWORD, record_login=False)
    assert actor.user_id == tenant.owner.user_id
    assert _user(runtime) == before
