"""The standard contact fields: what each accepts and the stored form it is normalised to.

Shared by the contact form (``services.contacts``), the CSV import and bulk edits, so a value
is judged the same way wherever it comes from. Every error names the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.services.validation import timezone_name

TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "address1": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "source": 100,
}
DND_FIELDS = ("dnd_sms", "dnd_email", "dnd_whatsapp", "dnd_calls")
# Every field a caller may set on a contact (custom values go under ``custom_fields``).
EDITABLE_FIELDS = (
    *TEXT_LIMITS,
    "email",
    "phone",
    "country",
    "timezone",
    "lifecycle_stage",
    "lead_score",
    "assigned_user_id",
    *DND_FIELDS,
    "date_of_birth",
    "custom_fields",
)
MAX_LEAD_SCORE = 1_000_000


# A US / Canadian number written the usual way: "(415) 555-2671", "415-555-2671",
# "415.555.2671", "4155552671". For such text ``phonenumbers.parse`` yields country code 1 and
# the ten digits as the national number (no prefix to strip: it starts with 2-9), so the
# number is built directly and only judged by the library - parsing is two thirds of its
# cost. tests/unit/test_phone_fast_path.py pins this against the library's own parse.
_NANP_REGIONS = frozenset({"US", "CA"})
_NANP_USUAL = re.compile(  # ASCII digits only: the library maps other digits itself
    r"(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[ .-]?)([0-9]{3})[ .-]?([0-9]{4})"
)


def _usual_nanp(text: str, region: str) -> str | None:
    """E.164 of a valid number written the usual NANP way, or None (the library decides)."""
    if region not in _NANP_REGIONS:
        return None
    found = _NANP_USUAL.fullmatch(text)
    if found is None:
        return None
    area, area_bare, exchange, line = found.groups()
    digits = f"{area or area_bare}{exchange}{line}"
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    return f"+1{digits}" if phonenumbers.is_valid_number(number) else None


def normalise_phone(value: Any, region: str, field: str = "phone") -> str | None:
    """E.164 (``+14155552671``) or None for an empty value; ``region`` is the default country
    for numbers written without ``+``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a phone number, got {value!r}")
    text = value.strip()
    if not text:
        return None
    fast = _usual_nanp(text, region)
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(field, f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A plain ASCII dot-atom local part: what nearly every address has. Such addresses are
# checked here and their domain by email-validator once per domain (imports repeat domains),
# which gives email-validator's verdict at a fraction of its cost per row.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@lru_cache(maxsize=8192)
def _domain_verdict(domain: str) -> tuple[str | None, str | None]:
    """(normalised domain, None) or (None, the reason it is not valid)."""
    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError as exc:
        return None, str(exc)
    return str(result.domain), None


def normalise_contact_email(value: Any, field: str = "email") -> str | None:
    """Lower-case address, or None for an empty value (syntax only: no DNS, the app is
    offline-first)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be an email address, got {value!r}")
    text = value.strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and len(text) <= 254 and text.isascii() and _DOT_ATOM.match(local):
        normalised, problem = _domain_verdict(domain)
        if problem is not None:
            raise ValidationError(field, f"is not a valid email address ({problem})")
        return f"{local}@{normalised}".lower()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(field, f"is not a valid email address ({exc})") from None
    return str(result.normalized).lower()


def _text(field: str) -> Callable[[Any], str]:
    limit = TEXT_LIMITS[field]

    def check(value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(field, f"must be text, got {value!r}")
        text = " ".join(value.split())  # no stray newlines or double spaces in names
        if len(text) > limit:
            raise ValidationError(field, f"must be at most {limit} characters")
        return text

    return check


def _country(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError("country", f"must be a 2-letter country code, got {value!r}")
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha() or not code.isascii():
        raise ValidationError("country", f"must be a 2-letter ISO 3166 code, got {value!r}")
    return code


def _timezone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("timezone", f"must be an IANA zone name, got {value!r}")
    return timezone_name(value.strip())


def lifecycle_stage(value: Any, field: str = "lifecycle_stage") -> LifecycleStage:
    try:
        return LifecycleStage(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in LifecycleStage)
        raise ValidationError(field, f"{value!r} is not one of {allowed}") from None


def lead_score(value: Any, field: str = "lead_score") -> int:
    if isinstance(value, bool):
        raise ValidationError(field, f"must be a whole number, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationError(field, f"must be a whole number, got {value!r}") from None
    if not isinstance(value, int):
        raise ValidationError(field, f"must be a whole number, got {value!r}")
    if not 0 <= value <= MAX_LEAD_SCORE:
        raise ValidationError(field, f"must be between 0 and {MAX_LEAD_SCORE}")
    return value


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off", ""}


def boolean(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(field, f"must be true or false, got {value!r}")


def _date_of_birth(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError("date_of_birth", f"must be a date as YYYY-MM-DD, got {value!r}")


def _custom_fields(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("custom_fields", f"must be an object of values, got {value!r}")
    return dict(value)


def normalise_fields(values: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Check and normalise standard fields (``assigned_user_id`` is checked by the caller,
    which can see the users). Unknown keys are an error naming the key."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        if key in TEXT_LIMITS:
            result[key] = _text(key)(value)
        elif key == "email":
            result[key] = normalise_contact_email(value)
        elif key == "phone":
            result[key] = normalise_phone(value, region)
        elif key == "country":
            result[key] = _country(value)
        elif key == "timezone":
            result[key] = _timezone(value)
        elif key == "lifecycle_stage":
            result[key] = lifecycle_stage(value)
        elif key == "lead_score":
            result[key] = lead_score(0 if value is None else value)
        elif key in DND_FIELDS:
            result[key] = boolean(value, key)
        elif key == "date_of_birth":
            result[key] = _date_of_birth(value)
        elif key == "custom_fields":
            result[key] = _custom_fields(value)
        elif key == "assigned_user_id":
            result[key] = value or None
        else:
            raise ValidationError(key, "is not a contact field")
    return result


def require_identity(first_name: str, last_name: str, email: str | None, phone: str | None) -> None:
    """A contact needs at least a name, an email or a phone."""
    if not (first_name or last_name or email or phone):
        raise ValidationError("name", "a contact needs a name, an email or a phone")
