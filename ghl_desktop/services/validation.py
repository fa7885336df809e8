"""Small validators shared by services; each raises ValidationError naming the field."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from ghl_desktop.core.errors import ValidationError


def normalise_email(value: str, field: str = "email") -> str:
    """Validate syntax (no DNS lookups: the app works offline) and lower-case the address."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "is required")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(field, f"is not a valid email address ({exc})") from None
    return str(result.normalized).lower()


def required_text(value: str | None, field: str, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "is required")
    if len(text) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    return text


def timezone_name(value: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, f"unknown IANA time zone {value!r}") from None
    return value


def country_code(value: str, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError(field, f"must be a 2-letter ISO 3166 country code, got {value!r}")
    return code
