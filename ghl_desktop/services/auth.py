"""Local sign-in with lockout and back-off, password changes, and automatic sign-in."""

from __future__ import annotations

import functools
import math
from datetime import timedelta

from sqlalchemy import func, select

from ghl_desktop.core.errors import AuthenticationFailed, ValidationError
from ghl_desktop.models.tenancy import User
from ghl_desktop.services import passwords, settings
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWorkFactory

FREE_ATTEMPTS = 5
BASE_LOCKOUT = timedelta(seconds=30)
MAX_LOCKOUT = timedelta(hours=1)
AUTO_SIGN_IN_KEY = "auto_sign_in_user_id"
_DOUBLINGS_TO_MAX = math.ceil(math.log2(MAX_LOCKOUT / BASE_LOCKOUT))


def lockout_for(failed_count: int) -> timedelta:
    """No lock for the first attempts, then 30 s doubling per failure up to an hour."""
    if failed_count < FREE_ATTEMPTS:
        return timedelta(0)
    # Cap the exponent: past the ceiling more doubling only risks a timedelta overflow.
    doublings = min(failed_count - FREE_ATTEMPTS, _DOUBLINGS_TO_MAX)
    lock: timedelta = BASE_LOCKOUT * (2**doublings)
    return min(MAX_LOCKOUT, lock)


def sign_in(
    uows: UnitOfWorkFactory, email: str, password: str, *, record_login: bool = True
) -> Actor:
    """Return the actor for valid credentials; otherwise raise AuthenticationFailed.

    A failed attempt is counted (and commits) even though the sign-in fails. A command-line
    ``--as`` checks credentials on every command: it passes ``record_login=False`` so that a
    command refused later changes nothing (no ``last_login_at`` stamp per command)."""
    with uows.system() as uow:
        now = uow.clock.now()
        user = uow.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None or not user.is_active:
            passwords.verify_password(_dummy_hash(), password)  # same cost as a real check
            raise AuthenticationFailed("wrong email or password")
        if user.locked_until is not None and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            raise AuthenticationFailed(f"too many failed attempts; try again in {wait} s")
        if not passwords.verify_password(user.password_hash, password):
            user.failed_login_count += 1
            lock = lockout_for(user.failed_login_count)
            user.locked_until = now + lock if lock else None
            uow.commit()
            raise AuthenticationFailed("wrong email or password")
        if user.failed_login_count or user.locked_until is not None:
            user.failed_login_count = 0
            user.locked_until = None
        if record_login:
            user.last_login_at = now
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        uow.commit()
        return Actor(user_id=user.id, label=user.email)


def change_password(uows: UnitOfWorkFactory, actor: Actor, current: str, new: str) -> None:
    with uows.system(actor) as uow:
        user = uow.session.get(User, actor.user_id) if actor.user_id else None
        if user is None:
            raise AuthenticationFailed("not signed in")
        if not passwords.verify_password(user.password_hash, current):
            raise ValidationError("current_password", "is wrong")
        if new == current:
            raise ValidationError("new_password", "must differ from the current password")
        passwords.check_strength(new, user.email, field="new_password")
        user.password_hash = passwords.hash_password(new)
        user.password_changed_at = uow.clock.now()
        uow.commit()


def actor_for_user(uows: UnitOfWorkFactory, user_id: str) -> Actor:
    with uows.system(read_only=True) as uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed("this user cannot sign in")
        return Actor(user_id=user.id, label=user.email)


def auto_sign_in(uows: UnitOfWorkFactory) -> Actor | None:
    """The actor configured for automatic sign-in, if the owner enabled it."""
    user_id = settings.get(uows, AUTO_SIGN_IN_KEY)
    if not isinstance(user_id, str):
        return None
    try:
        return actor_for_user(uows, user_id)
    except AuthenticationFailed:
        return None


def auto_sign_in_enabled(uows: UnitOfWorkFactory, actor: Actor) -> bool:
    """Whether ``actor`` is the user signed in automatically when the app starts."""
    return actor.user_id is not None and settings.get(uows, AUTO_SIGN_IN_KEY) == actor.user_id


def set_auto_sign_in(uows: UnitOfWorkFactory, actor: Actor, enabled: bool) -> None:
    if actor.user_id is None:
        raise ValidationError("user", "automatic sign-in needs a user")
    settings.put(uows, AUTO_SIGN_IN_KEY, actor.user_id if enabled else None)


@functools.cache
def _dummy_hash() -> str:
    """Hashed on first use, not at import: importing must stay cheap for the app's cold start."""
    return passwords.hash_password("dummy-password-for-timing")
