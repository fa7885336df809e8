"""Send email, send SMS, outbound webhook: each queues one outbox row under the step's
idempotency key (execution id + action id) in the transaction that completes the step.

Sends respect the contact's do-not-disturb flag for the channel (``dnd_email`` is also what an
unsubscribe sets): the step is skipped with the reason, and the run goes on.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.marketing import EmailTemplate, SmsTemplate
from ghl_desktop.services import outbox
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.services.custom_values import merge_context, render_merge_fields
from ghl_desktop.services.outbox.queue import message_row
from ghl_desktop.services.workflows.engine.batch_writes import writes_of
from ghl_desktop.services.workflows.engine.runtime import (
    StepContext,
    StepOutcome,
    StepSkipped,
    executor,
)

SOURCE = "workflow"


def merge_values(ctx: StepContext) -> dict[str, Any]:
    """The merge fields of the step's contact. The sub-account's part (custom values, name)
    is read once per batch: the executor's unit of work lives for one batch only."""
    info = ctx.uow.session.info
    base = info.get("workflow_merge_base")
    if base is None:
        base = info["workflow_merge_base"] = merge_context(ctx.uow)
    contact = contact_fields(ctx)
    contact["tags"] = ", ".join(contact["tags"])
    return {**base, "contact": contact, "context": dict(ctx.execution.context or {})}


_CONTACT_FIELDS = tuple(name for name in ContactInfo.__dataclass_fields__ if name != "tags")


def contact_fields(ctx: StepContext) -> dict[str, Any]:
    """The contact's fields as ``services.custom_values.merge_context`` lays them out, read
    from the batch's preloaded row and tags (no query per step); ``tags`` is a list here."""
    contact = ctx.contact
    fields = {name: getattr(contact, name) for name in _CONTACT_FIELDS}
    fields["custom_fields"] = dict(contact.custom_fields or {})
    fields["full_name"] = contact.full_name
    fields["tags"] = ctx.tag_names()
    return fields


TAG = re.compile(r"<[^>]+>")


def with_template_variables(values: dict[str, Any], variables: Any) -> dict[str, Any]:
    """Templates use bare ``{{first_name}}`` / ``{{company_name}}`` placeholders with a default
    per variable (``EmailTemplate.variables``): the contact's fields are offered at the top
    level too, and a variable the contact has no value for takes its default."""
    contact = values.get("contact") or {}
    merged = {**{k: v for k, v in contact.items() if k not in values}, **values}
    merged.setdefault("company_name", contact.get("company"))
    for variable in variables or []:
        if isinstance(variable, dict) and variable.get("name"):
            name = str(variable["name"])
            if merged.get(name) in (None, ""):
                merged[name] = variable.get("default", "")
    return merged


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, Mapping):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def _template(ctx: StepContext, model: type[Any], template_id: str) -> Any:
    # ``get``: a template already loaded in this batch comes from the identity map.
    found = ctx.uow.session.get(model, template_id)
    if found is None or found.deleted_at is not None:
        raise NotFound("template", template_id)
    return found


def _enqueue(ctx: StepContext, channel: str, payload: dict[str, Any]) -> str:
    writes = writes_of(ctx.uow.session)
    if writes is not None:  # the executor's batched pass: queued in one go at its flush
        return writes.add_message(
            message_row(
                ctx.uow, channel=channel, payload=payload, idempotency_key=ctx.idempotency_key,
                contact_id=ctx.execution.contact_id, source=SOURCE, source_ref=ctx.step.id,
            )
        )  # fmt: skip
    return outbox.enqueue(
        ctx.uow, channel=channel, payload=payload, idempotency_key=ctx.idempotency_key,
        contact_id=ctx.execution.contact_id, source=SOURCE, source_ref=ctx.step.id,
        autoflush=False,  # it references the run's contact and step: rows already stored
    )  # fmt: skip


@executor("send_email")
def send_email(ctx: StepContext) -> StepOutcome:
    contact = ctx.contact
    if contact.dnd_email:
        raise StepSkipped("the contact does not want email (DND / unsubscribed)", channel="email")
    if not contact.email:
        raise StepSkipped("the contact has no email address", channel="email")
    settings = ctx.settings
    values = merge_values(ctx)
    if settings.get("template_id"):
        template = _template(ctx, EmailTemplate, str(settings["template_id"]))
        subject, body, body_html = template.subject, template.text, template.html
        values = with_template_variables(values, template.variables)
        if not body.strip():  # an HTML-only template: its text part is the HTML's words
            body = " ".join(TAG.sub(" ", html.unescape(body_html)).split())
    else:
        subject, body, body_html = settings.get("subject") or "", settings.get("body") or "", ""
    payload: dict[str, Any] = {
        "to": contact.email,
        "to_name": contact.full_name,
        "subject": render_merge_fields(str(subject), values).strip(),
        "body": render_merge_fields(str(body), values),
        "kind": "marketing",
    }
    if body_html:
        payload["html"] = render_merge_fields(str(body_html), _escaped(values))
    for key in ("from_name", "reply_to"):
        if settings.get(key):
            payload[key] = str(settings[key])
    outbox_id = _enqueue(ctx, "email", payload)
    ctx.set_context(last_email_step=ctx.action.id)
    return StepOutcome(
        {"outbox_id": outbox_id, "to": contact.email, "subject": payload["subject"],
         "channel": "email"}
    )  # fmt: skip


@executor("send_sms")
def send_sms(ctx: StepContext) -> StepOutcome:
    contact = ctx.contact
    if contact.dnd_sms:
        raise StepSkipped("the contact has SMS DND on", channel="sms")
    if not contact.phone:
        raise StepSkipped("the contact has no phone number", channel="sms")
    settings = ctx.settings
    text = settings.get("body") or ""
    values = merge_values(ctx)
    if settings.get("template_id"):
        template = _template(ctx, SmsTemplate, str(settings["template_id"]))
        text, values = template.body, with_template_variables(values, template.variables)
    body = render_merge_fields(str(text), values).strip()
    if not body:
        raise ValidationError("body", "the message is empty")
    outbox_id = _enqueue(ctx, "sms", {"to": contact.phone, "body": body})
    return StepOutcome({"outbox_id": outbox_id, "to": contact.phone, "body": body,
                        "channel": "sms"})  # fmt: skip


def _webhook_body(ctx: StepContext, template: str) -> Any:
    if not template.strip():
        c = ctx.contact
        return {
            "workflow_id": ctx.execution.workflow_id,
            "execution_id": ctx.execution.id,
            "contact": {
                "id": c.id, "first_name": c.first_name, "last_name": c.last_name,
                "email": c.email, "phone": c.phone, "tags": ctx.tag_names(),
                "custom_fields": dict(c.custom_fields or {}),
            },
            "context": dict(ctx.execution.context or {}),
        }  # fmt: skip
    # Values go into a JSON document: render them JSON-escaped, then parse the result.
    values = merge_values(ctx)
    quoted = _json_escaped(values)
    rendered = render_merge_fields(template, quoted)
    try:
        return json.loads(rendered)
    except ValueError as exc:
        raise ValidationError("body", f"is not JSON after merging fields: {exc}") from None


def _json_escaped(value: Any) -> Any:
    if isinstance(value, str):
        return json.dumps(value)[1:-1]
    if isinstance(value, Mapping):
        return {k: _json_escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_escaped(v) for v in value]
    return value


@executor("webhook")
def webhook(ctx: StepContext) -> StepOutcome:
    settings = ctx.settings
    url = str(settings.get("url") or "").strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ValidationError("url", f"must be an http(s) URL, got {url!r}")
    method = str(settings.get("method") or "POST").upper()
    headers = settings.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise ValidationError("headers", "must be a mapping of header names to values")
    payload = {
        "url": url,
        "method": method,
        "headers": {str(k): str(v) for k, v in headers.items()},
        "body": _webhook_body(ctx, str(settings.get("body") or "")),
        "event": "workflow.webhook",
    }
    outbox_id = _enqueue(ctx, "webhook", payload)
    return StepOutcome({"outbox_id": outbox_id, "url": url, "method": method,
                        "channel": "webhook"})  # fmt: skip
