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
from ghl_desktop.core.ids import new_id as generate_id
from ghl_desktop.models.workflows import WorkflowAction, WorkflowTrigger
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.authoring import (
    MANAGE,
    create_workflow,
    draft_definition,
    load_workflow,
    touch,
)
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


def relocate_action(
    uow: UnitOfWork,
    action_id: str,
    *,
    parent_action_id: str | None,
    branch: str | None,
    position: int | None = None,
) -> None:
    """Move a step (with everything under it) to another place of the tree: under
    ``parent_action_id`` on ``branch`` at ``position`` (None: last). A step cannot move under
    itself or one of its own steps."""
    uow.require(MANAGE)
    action = _action(uow, action_id)
    workflow = load_workflow(uow, action.workflow_id)
    _check_place(uow, workflow.id, parent_action_id, branch)
    node = parent_action_id
    while node is not None:
        if node == action.id:
            raise ValidationError("parent_action_id", "a step cannot move under itself")
        parent = uow.session.get(WorkflowAction, node)
        node = parent.parent_action_id if parent is not None else None
    old_chain = _siblings(uow, workflow.id, action.parent_action_id, action.branch)
    old_chain.remove(action)
    _renumber(old_chain)
    action.parent_action_id, action.branch = parent_action_id, branch
    chain = [a for a in _siblings(uow, workflow.id, parent_action_id, branch) if a is not action]
    chain.insert(len(chain) if position is None else max(0, min(position, len(chain))), action)
    _renumber(chain)
    touch(uow, workflow)


def duplicate_workflow(uow: UnitOfWork, workflow_id: str, name: str | None = None) -> str:
    """A new draft workflow with a copy of this one's draft (new ids; if/else conditions on
    ``steps.<id>`` follow the copied steps). Nothing of the original's versions is copied."""
    uow.require(MANAGE)
    source = load_workflow(uow, workflow_id)
    definition = draft_definition(uow, workflow_id)
    new_id = create_workflow(
        uow, name or f"{source.name} (copy)", folder=source.folder, description=source.description
    )
    copy = load_workflow(uow, new_id)
    copy.allow_reentry = source.allow_reentry
    copy.max_enrolments = source.max_enrolments
    copy.enrolment_window_minutes = source.enrolment_window_minutes
    for trigger in definition.triggers:
        uow.session.add(
            WorkflowTrigger(
                workflow_id=new_id,
                type=trigger.type,
                conditions=dict(trigger.conditions),
                is_active=trigger.is_active,
            )
        )
    ids = {a.id: generate_id() for a in definition.actions}

    def remap(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("steps."):
            parts = value.split(".")
            parts[1] = ids.get(parts[1], parts[1])
            return ".".join(parts)
        if isinstance(value, list):
            return [remap(v) for v in value]
        if isinstance(value, dict):
            return {k: remap(v) for k, v in value.items()}
        return value

    # Parents before children (the self-referencing key is checked row by row).
    pending, placed = list(definition.actions), set[str]()
    while pending:
        ready = [a for a in pending if a.parent_action_id is None or a.parent_action_id in placed]
        if not ready:
            break  # the rest hang under a loop of parents: unreachable, not worth copying
        for action in ready:
            uow.session.add(
                WorkflowAction(
                    id=ids[action.id],
                    workflow_id=new_id,
                    parent_action_id=ids.get(action.parent_action_id or ""),
                    branch=action.branch,
                    type=action.type,
                    name=action.name,
                    settings=remap(dict(action.settings)),
                    position=action.position,
                )
            )
            placed.add(action.id)
        uow.flush()
        pending = [a for a in pending if a.id not in placed]
    return new_id
