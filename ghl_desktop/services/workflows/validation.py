"""Is a workflow definition fit to publish? Every problem names the step (or trigger) and the
field, so the builder can point at it.

The same checks run on a published snapshot to flag references broken after a tag, field,
user, stage, template or workflow was deleted or renamed (``references.broken_references``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.definition import ActionDef, WorkflowDefinition
from ghl_desktop.services.workflows.fields import Kind, Reference, step_operands
from ghl_desktop.services.workflows.lookups import KIND_LABELS, existing
from ghl_desktop.services.workflows.specs import ActionSpec, TriggerSpec


@dataclass(frozen=True)
class Problem:
    """``where`` is "workflow", "trigger" or "action"; ``item_id`` the trigger/step id."""

    where: str
    item_id: str | None
    label: str
    field: str
    problem: str
    broken_reference: bool = False

    def __str__(self) -> str:
        what = {"trigger": "Trigger", "action": "Step"}.get(self.where, "Workflow")
        name = f' "{self.label}"' if self.label else ""
        return f"{what}{name}: {self.field}: {self.problem}"


class WorkflowInvalid(ValidationError):
    """Publishing refused: ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__("workflow", f"cannot be published: {summary}{more}")
        self.problems = problems


def validate(
    uow: UnitOfWork, definition: WorkflowDefinition, *, live: LiveRecords | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    refs: list[tuple[Problem, Reference]] = []  # a template problem per reference
    if not definition.actions:
        problems.append(Problem("workflow", None, definition.name, "actions", "has no steps"))
    for trigger in definition.triggers:
        label = _trigger_label(trigger.type)
        try:
            tspec = registry.trigger_spec(trigger.type)
        except ValidationError as error:
            problems.append(Problem("trigger", trigger.id, label, "type", error.problem))
            continue
        for key, problem in tspec.problems(trigger.conditions):
            problems.append(Problem("trigger", trigger.id, label, key, problem))
        for ref in tspec.references(trigger.conditions):
            refs.append((Problem("trigger", trigger.id, label, ref.field, ""), ref))
    for action in definition.actions:
        try:
            aspec = registry.action_spec(action.type)
        except ValidationError as error:
            problems.append(Problem("action", action.id, action.label, "type", error.problem))
            continue
        problems.extend(_settings_problems(definition, action, aspec))
        for ref in aspec.references(action.settings) + _event_filter_references(action):
            refs.append((Problem("action", action.id, action.label, ref.field, ""), ref))
    problems.extend(structure_problems(definition))
    problems.extend(_reference_problems(live or LiveRecords(uow), refs))
    return problems


def _trigger_label(trigger_type: str) -> str:
    try:
        return registry.trigger_spec(trigger_type).label
    except ValidationError:
        return trigger_type


def _settings_problems(
    definition: WorkflowDefinition, action: ActionDef, spec: ActionSpec
) -> list[Problem]:
    found = [
        Problem("action", action.id, action.label, key, problem)
        for key, problem in spec.problems(action.settings)
    ]
    event_type = action.settings.get("event_type")
    if any(f.kind == Kind.TRIGGER_TYPE for f in spec.fields) and event_type:
        found.extend(_event_problems(action, event_type, action.settings.get("event_filters")))
    for index, step_id in step_operands(action.settings.get("conditions")):
        if not _runs_before(definition, step_id, action):
            found.append(
                Problem(
                    "action",
                    action.id,
                    action.label,
                    f"conditions[{index}].field",
                    "refers to a step that does not run before this one",
                )
            )
    return found


def _event_problems(action: ActionDef, event_type: Any, filters: Any) -> list[Problem]:
    try:
        tspec: TriggerSpec = registry.trigger_spec(str(event_type))
    except ValidationError as error:
        return [Problem("action", action.id, action.label, "event_type", error.problem)]
    if not tspec.event_names:
        problem = f"{tspec.label} is not an event a step can wait for"
        return [Problem("action", action.id, action.label, "event_type", problem)]
    if not isinstance(filters, Mapping):
        return []
    return [
        Problem("action", action.id, action.label, f"event_filters.{key}", problem)
        for key, problem in tspec.problems(filters)
    ]


def _event_filter_references(action: ActionDef) -> list[Reference]:
    """What the filters of a wait-until-event or goal refer to (a tag, a form...)."""
    filters = action.settings.get("event_filters")
    event_type = action.settings.get("event_type")
    if not event_type or not isinstance(filters, Mapping):
        return []
    try:
        tspec = registry.trigger_spec(str(event_type))
    except ValidationError:
        return []
    return [
        Reference(ref.kind, ref.value, f"event_filters.{ref.field}")
        for ref in tspec.references(filters)
    ]


def _runs_before(definition: WorkflowDefinition, step_id: str, action: ActionDef) -> bool:
    """Whether ``step_id`` always ran before ``action``: an ancestor of it, or an earlier
    sibling of it or of one of its ancestors."""
    if not definition.has_action(step_id) or step_id == action.id:
        return False
    node: ActionDef | None = action
    while node is not None:
        chain = definition.siblings(node.id)
        earlier = {a.id for a in chain[: [a.id for a in chain].index(node.id)]}
        if step_id in earlier or step_id == node.parent_action_id:
            return True
        node = definition.action(node.parent_action_id) if node.parent_action_id else None
    return False


def structure_problems(definition: WorkflowDefinition) -> list[Problem]:
    """Unreachable steps: under a missing parent (or a loop of parents), under a branch label
    its parent does not have, under a step that does not branch yet carrying a label, under an
    if/else without one, after or under a terminal step (end, goal)."""
    found: list[Problem] = []
    ids = {a.id for a in definition.actions}
    for action in definition.actions:
        reason = _unreachable_reason(definition, action, ids)
        if reason:
            found.append(Problem("action", action.id, action.label, "position", reason))
    return found


def _unreachable_reason(definition: WorkflowDefinition, action: ActionDef, ids: set[str]) -> str:
    parent_id = action.parent_action_id
    if parent_id is None:
        if action.branch is not None:
            return f"unreachable: a first-level step cannot sit on branch {action.branch!r}"
    elif parent_id not in ids:
        return "unreachable: its parent step does not exist"
    elif _in_parent_loop(definition, action):
        return "unreachable: its parent steps form a loop"
    else:
        parent = definition.action(parent_id)
        spec = _spec_or_none(parent.type)
        if spec is not None and spec.terminal:
            return f'unreachable: "{parent.label}" ends the run, nothing runs after it'
        if spec is not None and spec.branches and action.branch not in spec.branch_labels:
            labels = " or ".join(spec.branch_labels)
            return f'unreachable: under "{parent.label}" a step must be on branch {labels}'
        if spec is not None and not spec.branches and action.branch is not None:
            return (
                f'unreachable: "{parent.label}" does not branch, '
                f"so nothing runs on its branch {action.branch!r}"
            )
    for earlier in definition.siblings(action.id):
        if earlier.id == action.id:
            break
        spec = _spec_or_none(earlier.type)
        if spec is not None and spec.terminal:
            return f'unreachable: it comes after "{earlier.label}", which ends the run'
    return ""


def _in_parent_loop(definition: WorkflowDefinition, action: ActionDef) -> bool:
    seen = {action.id}
    node = action
    while node.parent_action_id is not None:
        if node.parent_action_id in seen or not definition.has_action(node.parent_action_id):
            return node.parent_action_id in seen
        seen.add(node.parent_action_id)
        node = definition.action(node.parent_action_id)
    return False


def _spec_or_none(action_type: str) -> ActionSpec | None:
    try:
        return registry.action_spec(action_type)
    except ValidationError:
        return None


class LiveRecords:
    """Which referenced records exist, asked once per kind and value (checking many workflows
    at once shares one instance: one query per kind instead of per workflow)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._known: dict[str, dict[str, bool]] = {}

    def prefetch(self, refs: Iterable[Reference]) -> None:
        wanted: dict[str, set[str]] = {}
        for ref in refs:
            if ref.value not in self._known.get(ref.kind, {}):
                wanted.setdefault(ref.kind, set()).add(ref.value)
        for kind, values in wanted.items():
            found = existing(self.uow, kind, values)
            known = self._known.setdefault(kind, {})
            known.update({value: value in found for value in values})

    def exists(self, ref: Reference) -> bool:
        if ref.value not in self._known.get(ref.kind, {}):
            self.prefetch([ref])
        return self._known[ref.kind][ref.value]


def _reference_problems(
    live: LiveRecords, refs: Iterable[tuple[Problem, Reference]]
) -> list[Problem]:
    pending = list(refs)
    live.prefetch(ref for _template, ref in pending)
    found: list[Problem] = []
    for template, ref in pending:
        if live.exists(ref):
            continue
        what = KIND_LABELS.get(ref.kind, ref.kind)
        gone = (
            "does not exist (deleted or renamed?)"
            if ref.kind == Kind.TAG
            else "does not exist or was deleted"
        )
        found.append(
            Problem(
                template.where,
                template.item_id,
                template.label,
                template.field,
                f"{what} {ref.value!r} {gone}",
                broken_reference=True,
            )
        )
    return found
