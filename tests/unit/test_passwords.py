"""Password rules, argon2id hashing and the sign-in lockout schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services import passwords
from ghl_desktop.services.auth import BASE_LOCKOUT, FREE_ATTEMPTS, MAX_LOCKOUT, lockout_for


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "at least 10 characters"),
        ("aaaaaaaaaaaa", "too few different characters"),
        ("abababababab", "too few different characters"),
        ("Password123", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("xx-jane.doe-xx-2026", "must not contain the email"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(password: str, problem: str) -> None:
    with pytest.raises(ValidationError) as err:
        passwords.check_strength(password, "Jane.Doe@example.com", field="new_password")
    assert err.value.field == "new_password"
    assert problem in err.value.problem


@pytest.mark.parametrize("password", ["correct-horse-battery", "tr0ub4dor&3x", "a1b2c3d4e5"])
def test_reasonable_passwords_pass(password: str) -> None:
    passwords.check_strength(password, "jane@example.com")


def test_short_email_local_parts_do_not_forbid_everything() -> None:
    passwords.check_strength("joe-likes-long-walks", "jo@example.com")


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = passwords.hash_password("correct-horse-battery")
    second = passwords.hash_password("correct-horse-battery")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "correct-horse-battery" not in first
    assert passwords.verify_password(first, "correct-horse-battery")
    assert not passwords.verify_password(first, "correct-horse-batterY")
    assert not passwords.verify_password(first, "")


def test_garbage_hashes_never_verify() -> None:
    assert not passwords.verify_password("not-a-hash", "anything")
    assert not passwords.verify_password("", "anything")


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    old = weak.hash("correct-horse-battery")
    assert passwords.verify_password(old, "correct-horse-battery")
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("correct-horse-battery"))


def test_lockout_schedule() -> None:
    assert [lockout_for(n) for n in range(FREE_ATTEMPTS)] == [timedelta(0)] * FREE_ATTEMPTS
    assert lockout_for(FREE_ATTEMPTS) == BASE_LOCKOUT == timedelta(seconds=30)
    assert lockout_for(FREE_ATTEMPTS + 1) == timedelta(seconds=60)
    assert lockout_for(FREE_ATTEMPTS + 2) == timedelta(seconds=120)
    assert lockout_for(FREE_ATTEMPTS + 6) == timedelta(seconds=30 * 64)
    assert lockout_for(FREE_ATTEMPTS + 7) == MAX_LOCKOUT == timedelta(hours=1)
    durations = [lockout_for(n) for n in range(200)]
    assert durations == sorted(durations)


@pytest.mark.parametrize("failed", [60, 1_000, 10**6])
def test_lockout_never_overflows(failed: int) -> None:
    # An attacker guessing once an hour for weeks must keep getting the one-hour lock, not
    # an OverflowError out of the sign-in.
    assert lockout_for(failed) == MAX_LOCKOUT
