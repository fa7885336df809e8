"""Domain events the workflow runtime records (docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class WorkflowWebhookReceived(DomainEvent):
    """A POST to a workflow's secret inbound-webhook URL matched ``contact_id``; the
    ``inbound_webhook`` trigger of that workflow (only) enrols the contact."""

    name = "workflow.webhook_received"
    workflow_id: str
    contact_id: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class WorkflowEmailOpened(DomainEvent):
    """An email a workflow sent was opened (simulated until email tracking exists:
    ``signals.record_email_open``)."""

    name = "workflow.email_opened"
    contact_id: str
    execution_id: str | None = None
