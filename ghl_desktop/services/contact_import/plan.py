"""What checking an import's rows needs from the database, loaded once per import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.models.crm import ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.contact_import.mapping import check_mapping
from ghl_desktop.services.contact_import.rows import ADDITIONAL_PHONE, FieldDef, RowPlan
from ghl_desktop.services.crm_common import assignable_users, sub_account_of
from ghl_desktop.services.custom_field_definitions import ensure_value_index
from ghl_desktop.services.uow import UnitOfWork


@dataclass(frozen=True)
class LoadedPlan:
    plan: RowPlan
    custom_labels: dict[str, str]  # key -> label
    headers_by_target: dict[str, str]


def load_plan(
    uow: UnitOfWork, headers: Sequence[str], mapping: Mapping[int, str | None], *,
    check: bool = False, create_missing_fields: bool = False,
) -> LoadedPlan:  # fmt: skip
    """What validating rows needs from the database: definitions, region, zone, owners."""
    rows = list(uow.session.scalars(select(ContactCustomField)))
    wants_extra_phone = ADDITIONAL_PHONE in mapping.values()
    missing = not any(r.key == ADDITIONAL_PHONE for r in rows)
    if wants_extra_phone and missing and create_missing_fields:
        # Contacts have one phone column; a second number lives in a phone custom field.
        field = ContactCustomField(
            key=ADDITIONAL_PHONE, label="Additional Phone", field_type=CustomFieldType.PHONE,
            position=len(rows),
        )  # fmt: skip
        uow.session.add(field)
        uow.flush()
        ensure_value_index(uow.session.connection(), ADDITIONAL_PHONE)
        rows.append(field)
    labels = {r.key: r.label for r in rows}
    columns: list[tuple[int, str]] = []
    if check:
        columns = check_mapping(headers, mapping, set(labels) | {ADDITIONAL_PHONE})
    sub = sub_account_of(uow)
    owners: dict[str, str] = {}
    for user in assignable_users(uow).values():
        owners[user.email.lower()] = user.id
        if user.full_name:
            owners.setdefault(user.full_name.strip().lower(), user.id)
    definitions = tuple(
        FieldDef(r.key, CustomFieldType(r.field_type), list(r.options or []), r.is_required,
                 r.default_value, r.label)
        for r in rows
    )  # fmt: skip
    plan = RowPlan(tuple(headers), tuple(columns), sub.country or "US", sub.timezone or "UTC",
                   definitions, owners)  # fmt: skip
    return LoadedPlan(plan, labels, {t: headers[i] for i, t in columns})
