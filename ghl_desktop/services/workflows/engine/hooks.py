"""Inbound webhooks: a secret URL per workflow (``/_hooks/workflows/<token>``) whose JSON body
names a contact by ``email`` or ``phone`` (the token is made in the workflow's settings:
``authoring.webhook_token``); the matched contact is enrolled through the
``inbound_webhook`` trigger (a ``workflow.webhook_received`` event, so enrolment follows the
same rules as every trigger and the body is in the run's ``context.trigger.body``).

Outcome rules: an unknown token, or a workflow that is not published with an active inbound
webhook trigger, is ``NotFound`` (the caller answers 404 without saying which); a body naming
no known contact is a ``ValidationError`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import Workflow, WorkflowStatus
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.contact_fields import normalise_contact_email, normalise_phone
from ghl_desktop.services.crm_common import phone_region
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.events import WorkflowWebhookReceived

PATH_PREFIX = "/_hooks/workflows/"
TRIGGER_TYPE = "inbound_webhook"
MAX_BODY_KEYS = 200


@dataclass(frozen=True)
class HookReceipt:
    workflow_id: str
    contact_id: str
    event_id: str


def hook_path(token: str) -> str:
    return f"{PATH_PREFIX}{token}"


def _contact(uows: UnitOfWorkFactory, sub_account_id: str, body: dict[str, Any]) -> str:
    with uows.tenant(SYSTEM, sub_account_id, read_only=True) as uow:
        email = normalise_contact_email(body.get("email")) if body.get("email") else None
        phone = normalise_phone(body.get("phone"), phone_region(uow)) if body.get("phone") else None
        if not email and not phone:
            raise ValidationError("email", "the body needs an email or phone of a contact")
        for column, value in ((Contact.email, email), (Contact.phone, phone)):
            if value:
                found = uow.session.scalar(
                    select(Contact.id).where(column == value).order_by(Contact.created_at).limit(1)
                )
                if found is not None:
                    return found
    raise ValidationError("email" if email else "phone", "no contact has this value")


def receive_webhook(uows: UnitOfWorkFactory, token: str, body: Any) -> HookReceipt:
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    if len(body) > MAX_BODY_KEYS:
        raise ValidationError("body", f"at most {MAX_BODY_KEYS} keys")
    if not token or len(token) > 64:
        raise NotFound("webhook", "?")
    with uows.system(read_only=True) as uow:
        workflow = uow.session.scalar(select(Workflow).where(Workflow.webhook_token == token))
        if (
            workflow is None
            or workflow.status != WorkflowStatus.PUBLISHED
            or workflow.published_version is None
        ):
            raise NotFound("webhook", "?")
        definition = definition_of(uow, workflow.id, workflow.published_version)
        if not any(t.type == TRIGGER_TYPE for t in definition.active_triggers()):
            raise NotFound("webhook", "?")
        workflow_id, sub_account_id = workflow.id, workflow.sub_account_id
    contact_id = _contact(uows, sub_account_id, body)
    event = WorkflowWebhookReceived(
        sub_account_id=sub_account_id, workflow_id=workflow_id, contact_id=contact_id,
        body=body,
    )  # fmt: skip
    with uows.tenant(SYSTEM, sub_account_id) as uow:
        uow.record(event)
        uow.commit()
    return HookReceipt(workflow_id, contact_id, event.event_id)
