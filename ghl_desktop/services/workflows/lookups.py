"""The records workflow settings point at: do they exist, and what can a picker offer.

One place knows, per reference kind, which table holds the record and what "gone" means
(deleted, archived, deactivated, renamed away): validation, "find references" and the
builder's pickers all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from ghl_desktop.models.calendars import Calendar
from ghl_desktop.models.crm import ContactCustomField, Tag
from ghl_desktop.models.marketing import EmailTemplate, SmsTemplate
from ghl_desktop.models.pipelines import Pipeline, PipelineStage
from ghl_desktop.models.sites import Form, Survey
from ghl_desktop.models.tenancy import User, UserAgencyMembership, UserSubAccountMembership
from ghl_desktop.models.workflows import Workflow
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.fields import Kind

KIND_LABELS = {
    Kind.TAG: "tag",
    Kind.USER: "user",
    Kind.EMAIL_TEMPLATE: "email template",
    Kind.SMS_TEMPLATE: "SMS template",
    Kind.CUSTOM_FIELD: "custom field",
    Kind.PIPELINE: "pipeline",
    Kind.PIPELINE_STAGE: "pipeline stage",
    Kind.WORKFLOW: "workflow",
    Kind.FORM: "form",
    Kind.SURVEY: "survey",
    Kind.CALENDAR: "calendar",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str


def _user_filter(uow: UnitOfWork) -> ColumnElement[bool]:
    members = select(UserSubAccountMembership.user_id).where(
        UserSubAccountMembership.sub_account_id == uow.sub_account_id
    )
    agency_level = select(UserAgencyMembership.user_id).where(
        UserAgencyMembership.agency_id == uow.scope.agency_id
    )
    return or_(User.id.in_(members), User.id.in_(agency_level))


def options(uow: UnitOfWork, kind: str) -> list[Option]:
    """What a picker for ``kind`` offers: live records of this sub-account."""
    s = uow.session
    if kind == Kind.TAG:
        return [Option(n, n) for n in s.scalars(select(Tag.name).order_by(Tag.name_key))]
    if kind == Kind.USER:
        users = s.execute(
            select(User.id, User.full_name, User.email)
            .where(User.is_active, _user_filter(uow))
            .order_by(User.full_name, User.email)
        )
        return [Option(i, name or email) for i, name, email in users]
    if kind == Kind.CUSTOM_FIELD:
        rows = s.execute(
            select(ContactCustomField.key, ContactCustomField.label).order_by(
                ContactCustomField.position, ContactCustomField.label
            )
        )
        return [Option(k, f"{label} ({k})") for k, label in rows]
    if kind == Kind.PIPELINE_STAGE:
        stages = s.execute(
            select(PipelineStage.id, Pipeline.name, PipelineStage.name)
            .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
            .where(Pipeline.archived_at.is_(None))
            .order_by(Pipeline.name, PipelineStage.position)
        )
        return [Option(i, f"{p} / {n}") for i, p, n in stages]
    if kind == Kind.PIPELINE:
        rows = s.execute(
            select(Pipeline.id, Pipeline.name)
            .where(Pipeline.archived_at.is_(None))
            .order_by(Pipeline.name)
        )
        return [Option(i, n) for i, n in rows]
    model = _NAMED.get(kind)
    if model is None:
        return []
    rows = s.execute(select(model.id, model.name).order_by(model.name))
    return [Option(i, n) for i, n in rows]


_NAMED: dict[str, type[EmailTemplate | SmsTemplate | Workflow | Form | Survey | Calendar]] = {
    Kind.EMAIL_TEMPLATE: EmailTemplate,
    Kind.SMS_TEMPLATE: SmsTemplate,
    Kind.WORKFLOW: Workflow,
    Kind.FORM: Form,
    Kind.SURVEY: Survey,
    Kind.CALENDAR: Calendar,
}


def existing(uow: UnitOfWork, kind: str, values: Iterable[str]) -> set[str]:
    """The ``values`` of ``kind`` that name a live record (tags match by name, any case;
    custom fields by key; the rest by id). Soft-deleted rows are hidden by the tenant scope."""
    wanted = {v for v in values if v}
    if not wanted:
        return set()
    s = uow.session
    if kind == Kind.TAG:
        keys = {v.casefold(): v for v in wanted}
        found = s.scalars(select(Tag.name_key).where(Tag.name_key.in_(list(keys))))
        return {keys[k] for k in found if k in keys}
    if kind == Kind.CUSTOM_FIELD:
        return set(
            s.scalars(select(ContactCustomField.key).where(ContactCustomField.key.in_(wanted)))
        )
    if kind == Kind.USER:
        return set(
            s.scalars(select(User.id).where(User.id.in_(wanted), User.is_active, _user_filter(uow)))
        )
    if kind == Kind.PIPELINE_STAGE:
        return set(
            s.scalars(
                select(PipelineStage.id)
                .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
                .where(PipelineStage.id.in_(wanted), Pipeline.archived_at.is_(None))
            )
        )
    if kind == Kind.PIPELINE:
        return set(
            s.scalars(
                select(Pipeline.id).where(Pipeline.id.in_(wanted), Pipeline.archived_at.is_(None))
            )
        )
    model = _NAMED.get(kind)
    if model is None:
        return set(wanted)  # a kind no table backs (registered by a later capability)
    return set(s.scalars(select(model.id).where(model.id.in_(wanted))))


def names(uow: UnitOfWork, kind: str, values: Iterable[str]) -> dict[str, str]:
    """Display names of referenced records (for the builder and the reference list)."""
    wanted = {v for v in values if v}
    if not wanted:
        return {}
    if kind in (Kind.TAG, Kind.CUSTOM_FIELD):
        return {v: v for v in wanted}
    return {o.value: o.label for o in options(uow, kind) if o.value in wanted}
