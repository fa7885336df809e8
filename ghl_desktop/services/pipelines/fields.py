"""Opportunity custom-field definitions (the values are validated on every write by
``services.custom_fields``, like contacts'): list, create, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.pipelines import OpportunityCustomField
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo, key_from_label
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.services.validation import required_text


def list_opportunity_fields(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[CustomFieldInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        rows = uow.session.scalars(
            select(OpportunityCustomField).order_by(
                OpportunityCustomField.position, OpportunityCustomField.label
            )
        )
        return [CustomFieldInfo.of(r) for r in rows]  # type: ignore[arg-type]


def create_opportunity_field(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, label: str,
    field_type: CustomFieldType | str, *, key: str | None = None,
    options: Sequence[str] = (), is_required: bool = False, default_value: Any = None,
) -> CustomFieldInfo:  # fmt: skip
    try:
        kind = CustomFieldType(field_type)
    except ValueError:
        raise ValidationError("field_type", f"unknown field type {field_type!r}") from None
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("pipelines.manage")
        clean_label = required_text(label, "label")
        clean_key = (key or "").strip() or key_from_label(clean_label)
        taken = uow.session.scalar(
            select(OpportunityCustomField.id).where(OpportunityCustomField.key == clean_key)
        )
        if taken is not None:
            raise Conflict("key", f"a field with key {clean_key!r} exists")
        position = uow.session.scalar(
            select(func.coalesce(func.max(OpportunityCustomField.position), -1))
        )
        row = OpportunityCustomField(
            key=clean_key, label=clean_label, field_type=kind, options=list(options),
            is_required=is_required, default_value=default_value, position=(position or 0) + 1,
        )  # fmt: skip
        uow.session.add(row)
        uow.flush()
        info = CustomFieldInfo.of(row)  # type: ignore[arg-type]
        uow.commit()
        return info


def delete_opportunity_field(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, field_id: str
) -> None:
    """Remove the definition; stored values stay (and are kept on later edits)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("pipelines.manage")
        row = uow.session.scalar(
            select(OpportunityCustomField).where(OpportunityCustomField.id == field_id)
        )
        if row is None:
            raise NotFound("opportunity field", field_id)
        uow.session.delete(row)
        uow.commit()
