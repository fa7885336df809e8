"""Forms: the owner's definitions (fields and what happens on success).

A form can sit on any number of pages. Deleting is soft; a page that still places a deleted
form shows nothing in its place (and cannot be published until the block is removed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.sites import Form, FormSubmission
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites.common import load_form, text_value
from ghl_desktop.services.sites.form_fields import normalise_fields, normalise_settings
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class FormInfo:
    id: str
    sub_account_id: str
    name: str
    fields: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    submission_count: int
    created_at: datetime
    updated_at: datetime


def form_info(form: Form, submissions: int = 0) -> FormInfo:
    return FormInfo(
        form.id,
        form.sub_account_id,
        form.name,
        tuple(dict(f) for f in form.fields or []),
        normalise_settings(form.settings or {}),
        submissions,
        form.created_at,
        form.updated_at,
    )


def _count(uow: UnitOfWork, form_id: str) -> int:
    stmt = select(func.count()).select_from(FormSubmission).where(FormSubmission.form_id == form_id)
    return int(uow.session.scalar(stmt) or 0)


def list_forms(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[FormInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        counts = dict(
            uow.session.execute(
                select(FormSubmission.form_id, func.count()).group_by(FormSubmission.form_id)
            ).all()
        )
        forms = uow.session.scalars(select(Form).order_by(Form.name, Form.id))
        return [form_info(f, int(counts.get(f.id, 0))) for f in forms]


def get_form(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, form_id: str) -> FormInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("sites.read")
        form = load_form(uow, form_id)
        return form_info(form, _count(uow, form.id))


def create_form(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    name: str,
    fields: Any = None,
    settings: Mapping[str, Any] | None = None,
) -> FormInfo:
    title = text_value(name, "name", 200, required=True)
    checked_fields = normalise_fields(fields)
    checked_settings = normalise_settings(settings)
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        form = Form(name=title, fields=checked_fields, settings=checked_settings)
        uow.session.add(form)
        uow.flush()
        info = form_info(form)
        uow.commit()
        return info


def update_form(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sub_account_id: str,
    form_id: str,
    changes: Mapping[str, Any],
) -> FormInfo:
    """Change ``name``, ``fields`` (the whole list) or ``settings`` (the whole object)."""
    unknown = sorted(set(changes) - {"name", "fields", "settings"})
    if unknown:
        raise ValidationError(unknown[0], "is not a form field")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = text_value(changes["name"], "name", 200, required=True)
    if "fields" in changes:
        values["fields"] = normalise_fields(changes["fields"])
    if "settings" in changes:
        values["settings"] = normalise_settings(changes["settings"])
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        form = load_form(uow, form_id)
        for key, value in values.items():
            if getattr(form, key) != value:
                setattr(form, key, value)
        uow.flush()
        info = form_info(form, _count(uow, form.id))
        uow.commit()
        return info


def delete_form(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, form_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("sites.publish")
        form = load_form(uow, form_id)
        form.deleted_at = uow.clock.now()
        uow.commit()
