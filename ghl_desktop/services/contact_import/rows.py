"""Turning CSV records into contact values - pure functions, no database.

Runs in a worker process for large files (validation is the CPU-heavy half of an import), so
everything here takes and returns plain picklable data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.contact_fields import (
    DND_FIELDS,
    boolean,
    normalise_fields,
    normalise_phone,
)
from ghl_desktop.services.contact_import.params import (
    contact_params,
    custom_defaults,
    sqlite_time,
)
from ghl_desktop.services.custom_fields import is_empty, validate_value

CUSTOM_PREFIX = "custom_fields."
# Import targets besides the contact's own fields.
FULL_NAME = "full_name"
ADDITIONAL_PHONE = "additional_phone"
TAGS = "tags"
CREATED = "created_at"
OWNER = "owner"
DND = "dnd"
DIRECT = (
    "first_name", "last_name", "email", "phone", "company", "address1", "city", "state",
    "postal_code", "country", "source", "lifecycle_stage", "lead_score", "timezone",
    "date_of_birth",
)  # fmt: skip
TARGETS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    FULL_NAME: "Full name (split into first and last)",
    "email": "Email",
    "phone": "Phone",
    ADDITIONAL_PHONE: "Additional phone",
    "company": "Company",
    "address1": "Address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
    "source": "Source",
    TAGS: "Tags (comma separated)",
    CREATED: "Created date",
    OWNER: "Owner (user email or full name)",
    DND: "DND (yes/no, or channels: sms, email, whatsapp, calls)",
    "lifecycle_stage": "Lifecycle stage",
    "lead_score": "Lead score",
    "timezone": "Time zone",
    "date_of_birth": "Date of birth",
}
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
)


@dataclass
class FieldDef:
    """A custom-field definition as plain data (satisfies custom_fields.FieldDefinition)."""

    key: str
    field_type: CustomFieldType
    options: list[str]
    is_required: bool
    default_value: Any
    label: str


@dataclass(frozen=True)
class RowPlan:
    """Which column feeds which target, and what validation needs to know."""

    headers: tuple[str, ...]
    columns: tuple[tuple[int, str], ...]  # (column index, target)
    region: str
    zone: str
    definitions: tuple[FieldDef, ...]
    owners: dict[str, str] = field(default_factory=dict)  # lower email / full name -> user id


@dataclass
class GoodRow:
    row: int
    values: dict[str, Any]  # standard fields plus "custom_fields"
    tags: list[str]
    created_at: datetime | None
    missing_required: list[str]  # custom keys a new contact would lack
    # ``params.contact_params`` of the row and its created_at as SQLite text, built by
    # ``check_rows`` (in the worker) for the writer's insert; None from ``check_row``.
    params: tuple[Any, ...] | None = None
    created_text: str | None = None
    compact: bool = False  # ``values`` holds email and phone only (see ``check_rows``)


@dataclass(frozen=True)
class RejectedRow:
    row: int
    column: str
    reason: str
    value: str = ""


class FirstSeen:
    """The first row of the file that used each email and phone: a later row with either is
    a duplicate within the file (the import and its preview judge alike)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, int]] = {"email": {}, "phone": {}}

    def duplicate(self, row: GoodRow, column: Callable[[str], str]) -> RejectedRow | None:
        """The rejection of ``row`` if it repeats an earlier row; otherwise None, and the
        row's email and phone are remembered."""
        values = row.values
        for key, seen in self._rows.items():
            value = values.get(key)
            if value and value in seen:
                return RejectedRow(row.row, column(key), f"same {key} as row {seen[value]}", value)
        for key, seen in self._rows.items():
            if value := values.get(key):
                seen[value] = row.row
        return None


def split_tags(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"[,;]", text or "") if p.strip()]


_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})$")


def parse_day(text: str) -> date:
    # The two formats exports use, without strptime's cost; other spellings below.
    found = _MDY.match(text)
    parts = (found.group(3), found.group(1), found.group(2)) if found else None
    if parts is None and (found := _YMD.match(text)):
        parts = (found.group(1), found.group(2), found.group(3))
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise ValidationError(
                "created_at", f"{text!r} is not a date (mm/dd/yyyy or yyyy-mm-dd)"
            ) from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError("created_at", f"{text!r} is not a date (mm/dd/yyyy or yyyy-mm-dd)")


def parse_created(text: str, zone: ZoneInfo) -> datetime:
    """A date (midnight in the sub-account's zone) or a date and time (in that zone)."""
    stripped = text.strip()
    if len(stripped) <= 10:
        return datetime.combine(parse_day(stripped), time(), tzinfo=zone).astimezone(UTC)
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(stripped, fmt).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    if _ISO_INSTANT.match(stripped):
        # An instant with its offset, as our own export (and most APIs) write it.
        try:
            return datetime.fromisoformat(stripped).astimezone(UTC)
        except ValueError:
            raise ValidationError("created_at", f"{stripped!r} is not a date and time") from None
    return datetime.combine(parse_day(stripped), time(), tzinfo=zone).astimezone(UTC)


def _dnd(text: str) -> dict[str, bool]:
    """``yes`` -> every channel; ``sms, email`` -> those channels; ``no``/empty -> none."""
    lowered = text.strip().lower()
    channels = {"sms": "dnd_sms", "email": "dnd_email", "whatsapp": "dnd_whatsapp",
                "calls": "dnd_calls", "call": "dnd_calls", "phone": "dnd_calls"}  # fmt: skip
    parts = [p.strip() for p in re.split(r"[,;/ ]+", lowered) if p.strip()]
    if parts and all(p in channels for p in parts):
        chosen = {channels[p] for p in parts}
        return {name: name in chosen for name in DND_FIELDS}
    value = boolean(lowered, "dnd")
    return dict.fromkeys(DND_FIELDS, value)


def _custom_value(definition: FieldDef, text: str, region: str) -> Any:
    """CSV text to a typed custom value (lists and booleans spelled the spreadsheet way)."""
    kind = CustomFieldType(definition.field_type)
    if kind is CustomFieldType.MULTISELECT:
        return validate_value(definition, split_tags(text), region)
    if kind is CustomFieldType.CHECKBOX:
        return validate_value(definition, boolean(text, f"custom_fields.{definition.key}"), region)
    if kind is CustomFieldType.MONETARY:
        cleaned = text.replace(",", "").replace("$", "").strip()
        try:
            minor = round(float(cleaned) * 100)
        except ValueError:
            raise ValidationError(
                f"custom_fields.{definition.key}", f"{text!r} is not an amount"
            ) from None
        return validate_value(definition, minor, region)
    if kind is CustomFieldType.DATE:
        try:
            return parse_day(text).isoformat()
        except ValidationError:
            raise ValidationError(
                f"custom_fields.{definition.key}", f"{text!r} is not a date"
            ) from None
    return validate_value(definition, text, region)


def check_row(plan: RowPlan, number: int, cells: list[str]) -> GoodRow | RejectedRow:
    """Validate one record; the first problem rejects it, naming the column."""
    defs = {d.key: d for d in plan.definitions}
    zone = ZoneInfo(plan.zone)
    raw: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    tags: list[str] = []
    created: datetime | None = None
    header_of: dict[str, str] = {}
    for index, target in plan.columns:
        text = cells[index].strip() if index < len(cells) else ""
        header = plan.headers[index]
        header_of.setdefault(target, header)
        if not text:
            continue
        try:
            if target in DIRECT:
                raw[target] = text
            elif target == FULL_NAME:
                first, _, last = " ".join(text.split()).partition(" ")
                raw.setdefault("_full_first", first)
                raw.setdefault("_full_last", last)
            elif target == TAGS:
                tags.extend(split_tags(text))
            elif target == CREATED:
                created = parse_created(text, zone)
            elif target == OWNER:
                user_id = plan.owners.get(text.lower())
                if user_id is None:
                    raise ValidationError("owner", f"no user with email or name {text!r}")
                raw["assigned_user_id"] = user_id
            elif target == DND:
                raw.update(_dnd(text))
            elif target == ADDITIONAL_PHONE:
                custom[ADDITIONAL_PHONE] = normalise_phone(text, plan.region, "additional_phone")
            elif target.startswith(CUSTOM_PREFIX):
                key = target[len(CUSTOM_PREFIX) :]
                custom[key] = _custom_value(defs[key], text, plan.region)
        except ValidationError as exc:
            return RejectedRow(number, header, exc.problem, text)
    full_first, full_last = raw.pop("_full_first", ""), raw.pop("_full_last", "")
    if full_first and not raw.get("first_name") and not raw.get("last_name"):
        raw["first_name"], raw["last_name"] = full_first, full_last
    try:
        values = normalise_fields(raw, plan.region)
    except ValidationError as exc:
        column = header_of.get(exc.field, exc.field)
        return RejectedRow(number, column, exc.problem, str(raw.get(exc.field, "")))
    if not (values.get("first_name") or values.get("last_name") or values.get("email")
            or values.get("phone")):  # fmt: skip
        return RejectedRow(number, "", "a contact needs a name, an email or a phone")
    values["custom_fields"] = {k: v for k, v in custom.items() if not is_empty(v)}
    missing = [
        d.key
        for d in plan.definitions
        if d.is_required and d.key not in values["custom_fields"] and is_empty(d.default_value)
    ]
    return GoodRow(number, values, list(dict.fromkeys(tags)), created, missing)


def ready() -> bool:
    """Submitted to a new worker process so that it imports this module (and what
    validation needs) before the first chunk arrives."""
    return True


def check_rows(
    plan: RowPlan, rows: list[tuple[int, list[str]]], *, compact: bool = False
) -> list[GoodRow | RejectedRow]:
    """``check_row`` over a chunk (the unit of work sent to a worker process), with each good
    row's insert parameters built here rather than in the writing process.

    ``compact``: good rows keep only ``email`` and ``phone`` in ``values`` and no
    ``created_at`` (``GoodRow.compact``): a chunk's values dicts and datetimes cost the
    process receiving them ~7x more to unpickle than the rest. A row that turns out to
    update a contact is checked again there (``check_row`` is pure)."""
    defaults = custom_defaults(plan.definitions)
    outcomes = [check_row(plan, number, cells) for number, cells in rows]
    for outcome in outcomes:
        if isinstance(outcome, GoodRow):
            outcome.params = contact_params(outcome.values, defaults)
            if outcome.created_at is not None:
                outcome.created_text = sqlite_time(outcome.created_at)
            if compact:
                values = outcome.values
                outcome.values = {"email": values.get("email"), "phone": values.get("phone")}
                outcome.created_at = None
                outcome.compact = True
    return outcomes
