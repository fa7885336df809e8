"""The demo agency: every example of the entity-relationship description as coherent data,
created through the same service calls users make (so validation and events run).

``create_demo`` is idempotent: a marker in ``app_settings`` records a finished demo; a demo
interrupted half-way is completed on the next run because each step checks what exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ghl_desktop.services import settings
from ghl_desktop.services.demo.activity import seed_activity_example, seed_tasks_and_notes
from ghl_desktop.services.demo.ai import seed_ai
from ghl_desktop.services.demo.calendars import seed_calendars
from ghl_desktop.services.demo.context import DEMO_PASSWORD, DemoContext
from ghl_desktop.services.demo.conversations import seed_conversations
from ghl_desktop.services.demo.crm import seed_crm, seed_smart_lists
from ghl_desktop.services.demo.inbox_sandbox import seed_sandbox_inbox
from ghl_desktop.services.demo.integrations import seed_integrations
from ghl_desktop.services.demo.marketing import seed_marketing
from ghl_desktop.services.demo.outbox import seed_outbox
from ghl_desktop.services.demo.payments import seed_payments
from ghl_desktop.services.demo.pipelines import seed_pipelines
from ghl_desktop.services.demo.sites import seed_sites
from ghl_desktop.services.demo.tenancy import seed_tenancy
from ghl_desktop.services.demo.workflows import seed_workflows
from ghl_desktop.services.uow import UnitOfWorkFactory

DEMO_MARKER = "demo_agency_id"

# Each step takes the context built so far and adds its area's data; later steps read what
# earlier ones created, so the order matters.
STEPS: list[Callable[[UnitOfWorkFactory, DemoContext], None]] = [
    seed_crm,
    seed_smart_lists,
    seed_pipelines,
    seed_calendars,
    seed_marketing,
    seed_payments,
    seed_sites,
    seed_workflows,  # sends the marketing templates, listens to the sites' form
    seed_conversations,
    seed_sandbox_inbox,  # inbound and replies through the inbox services
    seed_tasks_and_notes,
    seed_ai,  # answers on the conversations' webchat channel
    seed_integrations,
    seed_outbox,  # messages the scheduler sends on the first run
    seed_activity_example,
]


@dataclass(frozen=True)
class DemoResult:
    created: bool
    agency_id: str
    agency_name: str
    owner_email: str
    password: str
    sub_accounts: dict[str, str]


def create_demo(uows: UnitOfWorkFactory) -> DemoResult:
    done = settings.get(uows, DEMO_MARKER)
    ctx = seed_tenancy(uows)
    if done != ctx.agency_id:
        for step in STEPS:
            step(uows, ctx)
        settings.put(uows, DEMO_MARKER, ctx.agency_id)
    return DemoResult(
        created=done != ctx.agency_id,
        agency_id=ctx.agency_id,
        agency_name=ctx.agency_name,
        owner_email=ctx.owner_email,
        password=DEMO_PASSWORD,
        sub_accounts=dict(ctx.sub_accounts),
    )
