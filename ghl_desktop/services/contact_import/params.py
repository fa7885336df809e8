"""A new contact's row as SQLite parameters, built where the row is validated.

At 100k rows the Python work of turning checked values into insert parameters (defaults,
JSON text, 0/1 flags, timestamp text) costs the writing process as much as SQLite's own
insert. It is pure, so the worker process that validates a chunk builds the parameters too,
and the writer only adds what needs the database: the id, the sub-account and ``now``.

The values are exactly what SQLAlchemy would bind on SQLite for the ``contacts`` columns
(UTC datetimes as naive text, JSON as text, booleans as 0/1, dates as ISO text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ghl_desktop.models.crm import LifecycleStage

SOURCE = "import"

DEFAULTS: dict[str, Any] = {
    "first_name": "", "last_name": "", "email": None, "phone": None, "company": "",
    "address1": "", "city": "", "state": "", "postal_code": "", "country": None,
    "timezone": None, "source": SOURCE, "lifecycle_stage": LifecycleStage.LEAD.value,
    "lead_score": 0, "assigned_user_id": None, "dnd_sms": False, "dnd_email": False,
    "dnd_whatsapp": False, "dnd_calls": False, "date_of_birth": None,
}  # fmt: skip
PLAIN = (
    "first_name", "last_name", "email", "phone", "company", "address1", "city", "state",
    "postal_code", "country", "timezone", "source", "lifecycle_stage", "lead_score",
    "assigned_user_id",
)  # fmt: skip
FLAGS = ("dnd_sms", "dnd_email", "dnd_whatsapp", "dnd_calls")
# Parameter order of ``contact_params``; the writer puts id and sub_account_id first and
# created_at, updated_at, deleted_at, archived_at last.
COLUMNS = (*PLAIN, *FLAGS, "date_of_birth", "custom_fields")
INSERT_COLUMNS = (
    "id", "sub_account_id", *COLUMNS, "created_at", "updated_at", "deleted_at", "archived_at",
)  # fmt: skip


def sqlite_time(value: datetime) -> str:
    """How SQLAlchemy binds a UTC datetime on SQLite (naive UTC text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def custom_with_defaults(
    custom: Mapping[str, Any] | None, defaults: Sequence[tuple[str, Any]]
) -> dict[str, Any]:
    """A new contact's custom values: the row's, then each missing field's default."""
    result = dict(custom or {})
    for key, value in defaults:
        if key not in result:
            result[key] = value
    return result


def contact_params(
    values: Mapping[str, Any], defaults: Sequence[tuple[str, Any]]
) -> tuple[Any, ...]:
    """The ``COLUMNS`` parameters of a new contact made of ``values`` (a checked row's
    standard fields plus ``custom_fields``); ``defaults`` are (key, default) of the custom
    fields that have a default."""
    record = {**DEFAULTS, **values}
    stage = record["lifecycle_stage"]
    if isinstance(stage, LifecycleStage):
        record["lifecycle_stage"] = stage.value
    born = record["date_of_birth"]
    return (
        *(record[n] for n in PLAIN),
        *(int(record[n]) for n in FLAGS),
        None if born is None else born.isoformat(),
        json.dumps(custom_with_defaults(record.get("custom_fields"), defaults)),
    )


def custom_defaults(definitions: Sequence[Any]) -> list[tuple[str, Any]]:
    """(key, default) of the definitions whose default is not empty."""
    return [(d.key, d.default_value) for d in definitions if d.default_value not in (None, "", [])]


def created_payload_tail(source: str, tags: Sequence[str]) -> str:
    """``json.dumps`` of a ``contact.created`` payload after its ``contact_id`` member, so the
    writer completes it per contact without encoding the whole dict again."""
    return json.dumps({"source": source, "tags": list(tags)})[1:]


def created_payload(contact_id: str, tail: str) -> str:
    """Equal to ``json.dumps({"contact_id": contact_id, "source": .., "tags": [..]})``:
    contact ids are UUID text, which JSON writes as is."""
    return f'{{"contact_id": "{contact_id}", {tail}'
