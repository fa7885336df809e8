"""The trigger and action registries: every type a workflow may use.

Trigger/action ``type`` columns are plain strings; this registry is what makes a type valid.
Later capabilities add their own with ``register_trigger`` / ``register_action`` at import
time. The runtime (``services/workflows/engine/``) keys its executors by action type and asks
``triggers_for_event(name)`` which trigger specs an event can fire.
"""

from __future__ import annotations

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows.builtin_actions import BUILTIN_ACTIONS, IF_ELSE_BRANCHES
from ghl_desktop.services.workflows.builtin_triggers import BUILTIN_TRIGGERS
from ghl_desktop.services.workflows.fields import (
    CONDITION_OPERATORS,
    FieldSpec,
    Kind,
    Reference,
)
from ghl_desktop.services.workflows.specs import ActionSpec, FilterSpec, Match, TriggerSpec

__all__ = [
    "CONDITION_OPERATORS",
    "IF_ELSE_BRANCHES",
    "ActionSpec",
    "FieldSpec",
    "FilterSpec",
    "Kind",
    "Match",
    "Reference",
    "TriggerSpec",
    "action_spec",
    "action_specs",
    "register_action",
    "register_trigger",
    "trigger_spec",
    "trigger_specs",
    "triggers_for_event",
]

_TRIGGERS: dict[str, TriggerSpec] = {}
_ACTIONS: dict[str, ActionSpec] = {}


def register_trigger(spec: TriggerSpec) -> None:
    if spec.type in _TRIGGERS and _TRIGGERS[spec.type] is not spec:
        raise ValueError(f"trigger type {spec.type!r} is already registered")
    _TRIGGERS[spec.type] = spec


def register_action(spec: ActionSpec) -> None:
    if spec.type in _ACTIONS and _ACTIONS[spec.type] is not spec:
        raise ValueError(f"action type {spec.type!r} is already registered")
    _ACTIONS[spec.type] = spec


def trigger_spec(trigger_type: str) -> TriggerSpec:
    spec = _TRIGGERS.get(str(trigger_type))
    if spec is None:
        raise ValidationError("type", f"unknown trigger type {trigger_type!r}")
    return spec


def action_spec(action_type: str) -> ActionSpec:
    spec = _ACTIONS.get(str(action_type))
    if spec is None:
        raise ValidationError("type", f"unknown action type {action_type!r}")
    return spec


def step_title(name: str, action_type: str) -> str:
    """What a step is called where people read it: its name, else its type's label
    ("Send SMS", not ``send_sms``)."""
    if name:
        return name
    spec = _ACTIONS.get(str(action_type))
    return spec.label if spec is not None else action_type


def trigger_specs() -> list[TriggerSpec]:
    return list(_TRIGGERS.values())


def action_specs() -> list[ActionSpec]:
    return list(_ACTIONS.values())


def triggers_for_event(event_name: str) -> list[TriggerSpec]:
    """The trigger types an event of this name can fire."""
    return [spec for spec in _TRIGGERS.values() if event_name in spec.event_names]


for _trigger in BUILTIN_TRIGGERS:
    register_trigger(_trigger)
for _action in BUILTIN_ACTIONS:
    register_action(_action)
