"""Date reminder triggers, fired by a scan on each tick.

A ``date_reminder`` trigger names a ``date_field`` (``date_of_birth``: yearly on the
anniversary; ``custom_fields.<key>``: a date custom field, on that date), ``offset_days``
(-1 = the day before, +2 = two days after) and ``time_of_day`` (HH:MM, sub-account time zone).
From that time on, the day's scan enrols the contacts whose date falls on today minus the
offset. The enrolment's trigger event id is derived from (trigger, contact, date), so however
many scans run that day - or processes - each contact is enrolled once per date.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, func, literal_column, select

from ghl_desktop.core.clock import Clock
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.models.workflows import Workflow, WorkflowStatus
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.definition import TriggerDef
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.enrolment import enrol
from ghl_desktop.services.workflows.engine.waits import zone

log = logging.getLogger(__name__)

TRIGGER_TYPE = "date_reminder"
NAMESPACE = uuid.UUID("0b6f3c52-27a4-4c38-9a53-8f0d7f1f6a11")
CUSTOM_PREFIX = "custom_fields."


def _at(conditions: dict[str, Any]) -> time:
    text = str(conditions.get("time_of_day") or "09:00")
    try:
        hours, minutes = text.split(":")[:2]
        return time(int(hours), int(minutes))
    except ValueError:
        return time(9, 0)


def _month_day(uow: UnitOfWork, column: Any) -> Any:
    if uow.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "MM-DD")
    return func.strftime("%m-%d", column)


def _custom_text(uow: UnitOfWork, key: str) -> Any:
    if not key.replace("_", "").isalnum():
        return None
    if uow.session.get_bind().dialect.name == "postgresql":
        return Contact.custom_fields.op("->>", return_type=String())(literal_column(f"'{key}'"))
    return func.json_extract(Contact.custom_fields, literal_column(f"'$.{key}'"), type_=String())


def contacts_on(uow: UnitOfWork, sub_account_id: str, field: str, day: date) -> list[str]:
    base = select(Contact.id).where(
        Contact.sub_account_id == sub_account_id, Contact.archived_at.is_(None)
    )
    if field == "date_of_birth":
        days = [day.strftime("%m-%d")]
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            days.append("02-29")  # leap-day birthdays are kept on the 28th in other years
        stmt = base.where(_month_day(uow, Contact.date_of_birth).in_(days))
    elif field.startswith(CUSTOM_PREFIX):
        column = _custom_text(uow, field[len(CUSTOM_PREFIX) :])
        if column is None:
            return []
        stmt = base.where(column == day.isoformat())
    else:
        return []
    return list(uow.session.scalars(stmt))


def _event_id(trigger: TriggerDef, contact_id: str, day: date) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{trigger.id}:{contact_id}:{day.isoformat()}"))


def fire_date_reminders(uows: UnitOfWorkFactory, clock: Clock | None = None) -> int:
    """Enrol today's contacts of every published date reminder; returns new enrolments."""
    now = (clock or uows.clock).now()
    enrolled = 0
    with uows.system() as uow:
        rows = uow.session.execute(
            select(Workflow, SubAccount.timezone)
            .join(SubAccount, SubAccount.id == Workflow.sub_account_id)
            .where(
                Workflow.status == WorkflowStatus.PUBLISHED,
                Workflow.published_version.is_not(None),
            )
        ).all()
        for workflow, tz_name in rows:
            assert workflow.published_version is not None
            definition = definition_of(uow, workflow.id, workflow.published_version)
            for trigger in definition.active_triggers():
                if trigger.type != TRIGGER_TYPE:
                    continue
                enrolled += _fire(uow, workflow, definition, trigger, now, tz_name)
        uow.commit()
    if enrolled:
        log.info("date reminders enrolled %d contact(s)", enrolled)
    return enrolled


def _fire(
    uow: UnitOfWork, workflow: Workflow, definition: Any, trigger: TriggerDef, now: datetime,
    tz_name: str | None,
) -> int:  # fmt: skip
    conditions = dict(trigger.conditions)
    local = now.astimezone(zone(tz_name))
    if local.time() < _at(conditions):
        return 0
    offset = int(conditions.get("offset_days") or 0)
    day = local.date() - timedelta(days=offset)
    field = str(conditions.get("date_field") or "date_of_birth")
    count = 0
    for contact_id in contacts_on(uow, workflow.sub_account_id, field, day):
        result = enrol(
            uow, workflow, definition, contact_id, via="trigger",
            trigger_event_id=_event_id(trigger, contact_id, day),
            context={"trigger": {"type": TRIGGER_TYPE, "date_field": field,
                                 "date": day.isoformat(), "offset_days": offset}},
        )  # fmt: skip
        count += int(result.enrolled and not result.existing)
    return count
