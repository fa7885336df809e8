"""Password hashing (argon2id) and the strength rules every password must pass."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ghl_desktop.core.errors import ValidationError

_hasher = PasswordHasher()

MIN_LENGTH = 10
_COMMON = {
    "password", "password1", "password123", "passw0rd", "1234567890", "12345678910",
    "qwertyuiop", "iloveyou", "letmein123", "welcome123", "admin12345", "changeme123",
    "abc1234567", "qwerty1234", "password12", "football12", "monkey1234",
}  # fmt: skip


def check_strength(password: str, email: str = "", field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_LENGTH} characters long")
    if len(set(password)) < 4:
        raise ValidationError(field, "uses too few different characters")
    if password.lower() in _COMMON:
        raise ValidationError(field, "is one of the most common passwords")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        raise ValidationError(field, "must not contain the email address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
