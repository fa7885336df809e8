"""Editing a workflow's draft: its triggers and its tree of actions.

The draft may be incomplete while it is being built (a step without its template yet); what
cannot be stored at all is refused here: an unknown type, a setting the type does not have,
a step under a parent of another workflow, on a branch its parent does not have, or under a
step that ends the run. ``publishing.publish`` runs the full validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.workflows import WorkflowAction, WorkflowTrigger
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.authoring import MANAGE, load_workflow, touch
from ghl_desktop.services.workflows.specs import ActionSpec

MAX_STEP_NAME = 200


def _known_keys(values: Mapping[str, Any] | None, keys: set[str], what: str) -> dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValidationError(what, "must be an object of names and values")
    for key in values:
        if key not in keys:
            raise ValidationError(f"{what}.{key}", "is not a setting of this type")
    return dict(values)


# -- triggers ---------------------------------------------------------------------------------


def add_trigger(
    uow: UnitOfWork,
    workflow_id: str,
    trigger_type: str,
    conditions: Mapping[str, Any] | None = None,
) -> str:
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    spec = registry.trigger_spec(trigger_type)
    values = _known_keys(conditions, {f.key for f in spec.filters}, "conditions")
    trigger = WorkflowTrigger(workflow_id=workflow.id, type=spec.type, conditions=values)
    uow.session.add(trigger)
    touch(uow, workflow)
    uow.flush()
    return trigger.id


def _trigger(uow: UnitOfWork, trigger_id: str) -> WorkflowTrigger:
    trigger = uow.session.get(WorkflowTrigger, trigger_id)
    if trigger is None:
        raise NotFound("workflow trigger", trigger_id)
    return trigger


def update_trigger(
    uow: UnitOfWork,
    trigger_id: str,
    *,
    conditions: Mapping[str, Any] | None = None,
    is_active: bool | None = None,
) -> None:
    """Replace the trigger's filters (``conditions``) and/or switch it on or off."""
    uow.require(MANAGE)
    trigger = _trigger(uow, trigger_id)
    workflow = load_workflow(uow, trigger.workflow_id)
    if conditions is not None:
        spec = registry.trigger_spec(trigger.type)
        trigger.conditions = _known_keys(conditions, {f.key for f in spec.filters}, "conditions")
    if is_active is not None:
        trigger.is_active = bool(is_active)
    touch(uow, workflow)


def delete_trigger(uow: UnitOfWork, trigger_id: str) -> None:
    uow.require(MANAGE)
    trigger = _trigger(uow, trigger_id)
    workflow = load_workflow(uow, trigger.workflow_id)
    uow.session.delete(trigger)
    touch(uow, workflow)


# -- actions ----------------------------------------------------------------------------------


def _action(uow: UnitOfWork, action_id: str) -> WorkflowAction:
    action = uow.session.get(WorkflowAction, action_id)
    if action is None:
        raise NotFound("workflow step", action_id)
    return action


def _siblings(
    uow: UnitOfWork, workflow_id: str, parent_id: str | None, branch: str | None
) -> list[WorkflowAction]:
    query = select(WorkflowAction).where(WorkflowAction.workflow_id == workflow_id)
    query = query.where(
        WorkflowAction.parent_action_id.is_(None)
        if parent_id is None
        else WorkflowAction.parent_action_id == parent_id,
        WorkflowAction.branch.is_(None) if branch is None else WorkflowAction.branch == branch,
    )
    return list(uow.session.scalars(query.order_by(WorkflowAction.position, WorkflowAction.id)))


def _check_place(
    uow: UnitOfWork, workflow_id: str, parent_id: str | None, branch: str | None
) -> None:
    if parent_id is None:
        if branch is not None:
            raise ValidationError("branch", "a first-level step has no branch")
        return
    parent = uow.session.get(WorkflowAction, parent_id)
    if parent is None or parent.workflow_id != workflow_id:
        raise ValidationError("parent_action_id", "is not a step of this workflow")
    spec: ActionSpec = registry.action_spec(parent.type)
    label = parent.name or spec.label
    if spec.terminal:
        raise ValidationError("parent_action_id", f'"{label}" ends the run: nothing can follow')
    if spec.branches and branch not in spec.branch_labels:
        labels = " or ".join(spec.branch_labels)
        raise ValidationError("branch", f'a step under "{label}" goes on branch {labels}')
    if not spec.branches and branch is not None:
        raise ValidationError("branch", f'"{label}" does not branch')


def _renumber(chain: list[WorkflowAction]) -> None:
    for index, action in enumerate(chain):
        if action.position != index:
            action.position = index


def add_action(
    uow: UnitOfWork,
    workflow_id: str,
    action_type: str,
    *,
    parent_action_id: str | None = None,
    branch: str | None = None,
    position: int | None = None,
    name: str = "",
    settings: Mapping[str, Any] | None = None,
) -> str:
    """Add a step under ``parent_action_id`` (None: first level) on ``branch`` (an if/else's
    "yes"/"no"), at ``position`` among its siblings (None: last). Settings start from the
    type's defaults."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    spec = registry.action_spec(action_type)
    _check_place(uow, workflow.id, parent_action_id, branch)
    values = {f.key: f.default for f in spec.fields if f.default is not None}
    values.update(_known_keys(settings, {f.key for f in spec.fields}, "settings"))
    chain = _siblings(uow, workflow.id, parent_action_id, branch)
    index = len(chain) if position is None else max(0, min(position, len(chain)))
    action = WorkflowAction(
        workflow_id=workflow.id,
        parent_action_id=parent_action_id,
        branch=branch,
        type=spec.type,
        name=_step_name(name),
        settings=values,
        position=index,
    )
    chain.insert(index, action)
    uow.session.add(action)
    _renumber(chain)
    touch(uow, workflow)
    uow.flush()
    return action.id


def _step_name(value: str | None) -> str:
    text = " ".join((value or "").split())
    if len(text) > MAX_STEP_NAME:
        raise ValidationError("name", f"must be at most {MAX_STEP_NAME} characters")
    return text


def update_action(
    uow: UnitOfWork,
    action_id: str,
    *,
    name: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Rename the step and/or replace its settings."""
    uow.require(MANAGE)
    action = _action(uow, action_id)
    workflow = load_workflow(uow, action.workflow_id)
    if name is not None:
        action.name = _step_name(name)
    if settings is not None:
        spec = registry.action_spec(action.type)
        action.settings = _known_keys(settings, {f.key for f in spec.fields}, "settings")
    touch(uow, workflow)


def delete_action(uow: UnitOfWork, action_id: str) -> int:
    """Delete the step and everything under it; returns how many steps went."""
    uow.require(MANAGE)
    action = _action(uow, action_id)
    workflow = load_workflow(uow, action.workflow_id)
    rows = list(
        uow.session.scalars(select(WorkflowAction).where(WorkflowAction.workflow_id == workflow.id))
    )
    children: dict[str | None, list[WorkflowAction]] = {}
    for row in rows:
        children.setdefault(row.parent_action_id, []).append(row)
    doomed: list[WorkflowAction] = []
    stack = [action]
    while stack:
        node = stack.pop()
        doomed.append(node)
        stack.extend(children.get(node.id, ()))
    # Leaves first, one flush each: the ORM does not know the self-reference, so a batched
    # DELETE could remove a parent first and let the database cascade under its feet.
    for node in reversed(doomed):
        uow.session.delete(node)
        uow.flush()
    _renumber(_siblings(uow, workflow.id, action.parent_action_id, action.branch))
    touch(uow, workflow)
    return len(doomed)


def move_action(uow: UnitOfWork, action_id: str, position: int) -> None:
    """Reorder among siblings: put the step at ``position`` (0 = first) of its chain."""
    uow.require(MANAGE)
    action = _action(uow, action_id)
    workflow = load_workflow(uow, action.workflow_id)
    chain = _siblings(uow, workflow.id, action.parent_action_id, action.branch)
    chain.remove(action)
    chain.insert(max(0, min(position, len(chain))), action)
    _renumber(chain)
    touch(uow, workflow)
