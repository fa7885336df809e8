"""Building published workflows for runtime tests without the builder: a tree of ``Node``s is
snapshotted into ``workflow_versions`` exactly as publishing does (definition JSON)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.marketing import EmailTemplate
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.models.workflows import Workflow, WorkflowStatus, WorkflowVersion
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.workflows.definition import (
    ActionDef,
    ReentryPolicy,
    TriggerDef,
    WorkflowDefinition,
)


@dataclass
class Node:
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    branch: str | None = None
    children: list[Node] = field(default_factory=list)
    id: str = field(default_factory=new_id)


def chain(*nodes: Node) -> Node:
    """``a -> b -> c``: each node the only child of the one before."""
    for parent, child in itertools.pairwise(nodes):
        parent.children.append(child)
    return nodes[0]


def _flatten(node: Node, parent: str | None, position: int, out: list[ActionDef]) -> None:
    out.append(
        ActionDef(node.id, parent, node.branch, node.type, node.name, node.settings, position)
    )
    for index, child in enumerate(node.children):
        _flatten(child, node.id, index, out)


def publish(
    rt: Any, sub_account_id: str, name: str, root: Node | list[Node] | None,
    triggers: list[tuple[str, dict[str, Any]]] = (), *, reentry: ReentryPolicy | None = None,
    version: int = 1, workflow_id: str | None = None,
) -> WorkflowDefinition:  # fmt: skip
    actions: list[ActionDef] = []
    roots = root if isinstance(root, list) else [root] if root is not None else []
    for position, node in enumerate(roots):  # several roots run one after the other
        _flatten(node, None, position, actions)
    workflow_id = workflow_id or new_id()
    definition = WorkflowDefinition(
        workflow_id=workflow_id, version=version, name=name,
        triggers=tuple(TriggerDef(new_id(), t, c) for t, c in triggers),
        actions=tuple(actions), reentry=reentry or ReentryPolicy(),
    )  # fmt: skip
    now = rt.clock.now()
    with rt.uows.tenant(SYSTEM, sub_account_id) as uow:
        workflow = uow.session.get(Workflow, workflow_id)
        if workflow is None:
            workflow = Workflow(id=workflow_id, name=name, created_at=now, updated_at=now)
            uow.session.add(workflow)
        workflow.status = WorkflowStatus.PUBLISHED
        workflow.version = version
        workflow.published_version = version
        policy = definition.reentry
        workflow.allow_reentry = policy.allow_reentry
        workflow.max_enrolments = policy.max_enrolments
        workflow.enrolment_window_minutes = policy.window_minutes
        uow.flush()
        uow.session.add(
            WorkflowVersion(
                workflow_id=workflow_id, version=version, definition=definition.to_json(),
                published_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        uow.commit()
    return definition


def email_template(rt: Any, sub_account_id: str, name: str, subject: str, text: str) -> str:
    with rt.uows.tenant(SYSTEM, sub_account_id) as uow:
        row = EmailTemplate(name=name, subject=subject, text=text, html=f"<p>{text}</p>")
        uow.session.add(row)
        uow.commit()
        return row.id


def outbox_rows(rt: Any, sub_account_id: str | None = None) -> list[Any]:
    """The outbox rows as plain result rows (channel, payload, idempotency_key, ...)."""
    cols = [OutboxMessage.id, OutboxMessage.channel, OutboxMessage.payload,
            OutboxMessage.idempotency_key, OutboxMessage.source, OutboxMessage.source_ref,
            OutboxMessage.contact_id, OutboxMessage.status]  # fmt: skip
    with rt.uows.system(read_only=True) as uow:
        stmt = select(*cols).order_by(OutboxMessage.created_at, OutboxMessage.id)
        if sub_account_id is not None:
            stmt = stmt.where(OutboxMessage.sub_account_id == sub_account_id)
        return list(uow.session.execute(stmt).all())


def welcome_series(rt: Any, sub_account_id: str) -> tuple[WorkflowDefinition, dict[str, Node]]:
    """The description's Welcome Series: welcome email -> wait 1 day -> opened? -> yes: tips
    + tag Engaged; no: re-engagement + tag Needs Nurture."""
    welcome = email_template(rt, sub_account_id, "Welcome", "Welcome, {{contact.first_name}}!",
                             "Hi {{contact.first_name}}, thanks for signing up.")  # fmt: skip
    tips = email_template(rt, sub_account_id, "Tips", "Product tips", "Here are some tips.")
    again = email_template(rt, sub_account_id, "Again", "We miss you", "Come back soon.")
    nodes = {
        "welcome": Node("send_email", {"template_id": welcome}, "Send Welcome Email"),
        "wait": Node("wait", {"mode": "duration", "amount": 1, "unit": "days"}, "Wait 1 Day"),
        "if": Node("if_else", {"conditions": [
            {"field": "context.opened_email", "operator": "is_true"}]}, "Opened Email?"),
        "tips": Node("send_email", {"template_id": tips}, "Send Product Tips", "yes"),
        "engaged": Node("add_tag", {"tag": "Engaged"}, "Add Tag: Engaged"),
        "again": Node("send_email", {"template_id": again}, "Send Re-engagement Email", "no"),
        "nurture": Node("add_tag", {"tag": "Needs Nurture"}, "Add Tag: Needs Nurture"),
    }  # fmt: skip
    chain(nodes["tips"], nodes["engaged"])
    chain(nodes["again"], nodes["nurture"])
    nodes["if"].children = [nodes["tips"], nodes["again"]]
    chain(nodes["welcome"], nodes["wait"], nodes["if"])
    definition = publish(
        rt, sub_account_id, "Welcome Series", nodes["welcome"],
        [("contact_created", {"source": "website_form"})],
    )  # fmt: skip
    return definition, nodes
