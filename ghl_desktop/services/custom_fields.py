"""Typed custom fields: validate values against their definitions on every write.

Contacts and opportunities keep custom values in a ``custom_fields`` JSON column keyed by the
``key`` of a definition row (``contact_custom_fields`` / ``opportunity_custom_fields``). A
``before_flush`` listener on ``AppSession`` checks every inserted row and every row whose
``custom_fields`` changed, and replaces the value with its normal form (phones in E.164, emails
lower-case, multiselect without duplicates). Definitions are checked the same way: a snake_case
``key``, options for select fields, a default that is itself a valid value.

Outcome rules, exactly:

* an empty value (``None``, ``""``, ``[]``) removes the key; on a required field it is an error;
* a new row gets each missing field's ``default_value``, then every required field must be set;
* an updated row may not clear a required field, and may not set a key that has no definition
  (keys already stored before their definition was removed are left alone).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.base import Base
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldDefinitionMixin, CustomFieldType
from ghl_desktop.models.pipelines import Opportunity, OpportunityCustomField
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.uow import AppSession
from ghl_desktop.services.validation import normalise_email

PREFIX = "custom_fields"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TEXT = 1_000
MAX_TEXTAREA = 20_000
MAX_URL = 2_048

# Which definition table governs the custom_fields of which model.
DEFINITIONS: dict[type[Base], type[CustomFieldDefinitionMixin]] = {
    Contact: ContactCustomField,
    Opportunity: OpportunityCustomField,
}


class FieldDefinition(Protocol):
    key: str
    field_type: CustomFieldType
    options: list[str]
    is_required: bool
    default_value: Any


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


# -- one value ------------------------------------------------------------------------------
def _text(limit: int) -> Callable[[str, Any, FieldDefinition, str], Any]:
    def check(field: str, value: Any, _d: FieldDefinition, _region: str) -> str:
        if not isinstance(value, str):
            raise ValidationError(field, f"must be text, got {value!r}")
        if len(value) > limit:
            raise ValidationError(field, f"must be at most {limit} characters")
        return value

    return check


def _number(field: str, value: Any, _d: FieldDefinition, _region: str) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(field, f"must be a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, f"must be a finite number, got {value!r}")
        return value
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(field, f"must be a number, got {value!r}") from None
        if not parsed.is_finite():
            raise ValidationError(field, f"must be a finite number, got {value!r}")
        return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    raise ValidationError(field, f"must be a number, got {value!r}")


def _monetary(field: str, value: Any, _d: FieldDefinition, _region: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            field, f"must be a whole number of minor units (cents), got {value!r}"
        )
    return value


def _date(field: str, value: Any, _d: FieldDefinition, _region: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(field, f"must be a date as YYYY-MM-DD, got {value!r}")


def _select(field: str, value: Any, definition: FieldDefinition, _region: str) -> str:
    if not isinstance(value, str) or value not in definition.options:
        raise ValidationError(field, f"{value!r} is not one of {', '.join(definition.options)}")
    return value


def _multiselect(field: str, value: Any, definition: FieldDefinition, _region: str) -> list[str]:
    if not isinstance(value, list):
        raise ValidationError(field, f"must be a list of options, got {value!r}")
    chosen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in definition.options:
            raise ValidationError(field, f"{item!r} is not one of {', '.join(definition.options)}")
        if item not in chosen:
            chosen.append(item)
    return chosen


def _checkbox(field: str, value: Any, _d: FieldDefinition, _region: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false, got {value!r}")
    return value


def _phone(field: str, value: Any, _d: FieldDefinition, region: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a phone number, got {value!r}")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(field, f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(field: str, value: Any, _d: FieldDefinition, _region: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be an email address, got {value!r}")
    return normalise_email(value, field)


def _url(field: str, value: Any, _d: FieldDefinition, _region: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a URL, got {value!r}")
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > MAX_URL:
        raise ValidationError(field, f"must be an http(s) URL, got {value!r}")
    return text


_CHECKS: dict[CustomFieldType, Callable[[str, Any, FieldDefinition, str], Any]] = {
    CustomFieldType.TEXT: _text(MAX_TEXT),
    CustomFieldType.TEXTAREA: _text(MAX_TEXTAREA),
    CustomFieldType.NUMBER: _number,
    CustomFieldType.MONETARY: _monetary,
    CustomFieldType.DATE: _date,
    CustomFieldType.SELECT: _select,
    CustomFieldType.MULTISELECT: _multiselect,
    CustomFieldType.CHECKBOX: _checkbox,
    CustomFieldType.PHONE: _phone,
    CustomFieldType.EMAIL: _email,
    CustomFieldType.URL: _url,
}


def validate_value(definition: FieldDefinition, value: Any, region: str = "US") -> Any:
    """Return ``value`` in its stored form, or raise ValidationError naming the field.

    ``region`` is the ISO country used for phone numbers written without ``+``. ``value``
    must not be empty (callers decide what an empty value means).
    """
    field = f"{PREFIX}.{definition.key}"
    return _CHECKS[CustomFieldType(definition.field_type)](field, value, definition, region)


# -- a whole custom_fields document ---------------------------------------------------------
def validate_values(
    definitions: Sequence[FieldDefinition],
    values: Mapping[str, Any] | None,
    *,
    previous: Mapping[str, Any] | None = None,
    region: str = "US",
) -> dict[str, Any]:
    """Validate a row's custom values; ``previous`` is None for a new row.

    Returns the document to store (see the module docstring for the rules).
    """
    if values is not None and not isinstance(values, Mapping):
        raise ValidationError(PREFIX, f"must be an object of field values, got {values!r}")
    by_key = {d.key: d for d in definitions}
    incoming = dict(values or {})
    old = dict(previous or {})
    if previous is None:
        for d in definitions:
            if d.key not in incoming and not is_empty(d.default_value):
                incoming[d.key] = d.default_value
    result: dict[str, Any] = {}
    for key, value in incoming.items():
        definition = by_key.get(key)
        if definition is None:
            if previous is not None and key in old and old[key] == value:
                result[key] = value  # stored before its definition was removed: keep it
                continue
            raise ValidationError(f"{PREFIX}.{key}", "is not a defined custom field")
        if is_empty(value):
            continue
        result[key] = validate_value(definition, value, region)
    for d in definitions:
        if d.is_required and d.key not in result:
            # An update that never touched a missing required field (older rows) is allowed.
            if previous is not None and d.key not in old and d.key not in incoming:
                continue
            raise ValidationError(f"{PREFIX}.{d.key}", "is required")
    return result


def validate_definition(definition: FieldDefinition) -> None:
    """Check one definition row before it is stored (errors name ``key``, ``options``...)."""
    if not isinstance(definition.key, str) or not KEY_PATTERN.match(definition.key):
        raise ValidationError(
            "key",
            f"must be snake_case (a-z, 0-9, _; starting with a letter), got {definition.key!r}",
        )
    field_type = CustomFieldType(definition.field_type)
    options = definition.options or []
    if field_type in (CustomFieldType.SELECT, CustomFieldType.MULTISELECT):
        if not options or not all(isinstance(o, str) and o.strip() for o in options):
            raise ValidationError("options", "a select field needs text options")
        if len(set(options)) != len(options):
            raise ValidationError("options", "options must be unique")
    elif options:
        raise ValidationError("options", f"a {field_type} field has no options")
    if not is_empty(definition.default_value):
        try:
            validate_value(definition, definition.default_value)
        except ValidationError as exc:
            raise ValidationError("default_value", exc.problem) from None


# -- the flush hook -------------------------------------------------------------------------
class _FlushLookups:
    """Definitions and phone regions of the sub-accounts one flush touches, loaded once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._definitions: dict[tuple[type[Any], str], list[FieldDefinition]] = {}
        self._regions: dict[str, str] = {}

    def definitions(
        self, model: type[CustomFieldDefinitionMixin], sub_account_id: str
    ) -> list[FieldDefinition]:
        cache_key = (model, sub_account_id)
        if cache_key not in self._definitions:
            stmt = select(model).where(model.sub_account_id == sub_account_id)  # type: ignore[attr-defined]
            stored = {d.key: d for d in self.session.scalars(stmt)}
            # Definitions added or edited in this same flush count too.
            for obj in list(self.session.new) + list(self.session.dirty):
                if (
                    isinstance(obj, model)
                    and getattr(obj, "sub_account_id", None) == sub_account_id
                ):
                    stored[obj.key] = obj
            for obj in self.session.deleted:
                if isinstance(obj, model):
                    stored.pop(obj.key, None)
            self._definitions[cache_key] = list(stored.values())
        return self._definitions[cache_key]

    def region(self, sub_account_id: str) -> str:
        if sub_account_id not in self._regions:
            sub = self.session.get(SubAccount, sub_account_id)
            self._regions[sub_account_id] = sub.country if sub is not None else "US"
        return self._regions[sub_account_id]


def _check_row(obj: Base, lookups: _FlushLookups, *, is_new: bool) -> None:
    definition_model = DEFINITIONS[type(obj)]
    sub_account_id = getattr(obj, "sub_account_id", None)
    if sub_account_id is None:
        return  # the tenant hook or the NOT NULL constraint reports this
    history = inspect(obj).attrs["custom_fields"].history
    if not is_new and not history.has_changes():
        return
    previous = None
    if not is_new:
        previous = history.deleted[0] if history.deleted else {}
    current = getattr(obj, "custom_fields", None)
    cleaned = validate_values(
        lookups.definitions(definition_model, sub_account_id),
        current,
        previous=previous,
        region=lookups.region(sub_account_id),
    )
    if cleaned != current:
        obj.custom_fields = cleaned  # type: ignore[attr-defined]


@event.listens_for(AppSession, "before_flush")
def _validate_custom_fields(session: Session, _ctx: Any, _instances: Any) -> None:
    lookups = _FlushLookups(session)
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, CustomFieldDefinitionMixin):
                validate_definition(obj)
        for obj in session.new:
            if type(obj) in DEFINITIONS:
                _check_row(obj, lookups, is_new=True)
        for obj in session.dirty:
            if type(obj) in DEFINITIONS:
                _check_row(obj, lookups, is_new=False)
