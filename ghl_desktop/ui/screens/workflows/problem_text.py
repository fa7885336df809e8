"""Publish problems in the builder's words: the step's name (or its type's label), the
setting's label and, for "set one of", the labels of the settings to choose from - rather than
the keys the validator reports (send_sms, template_id)."""

from __future__ import annotations

from ghl_desktop.services.workflows.validation import Problem
from ghl_desktop.ui.screens.workflows.editor_data import EditorData
from ghl_desktop.ui.screens.workflows.tree_view import (
    action_spec_or_none,
    step_label,
    trigger_spec_or_none,
)

ONE_OF = "set one of "


def named_problem(problem: Problem, data: EditorData | None) -> tuple[str, str, str, str]:
    """(Step/Trigger/Workflow, its name, the setting's label, the problem)."""
    where = {"trigger": "Trigger", "action": "Step"}.get(problem.where, "Workflow")
    label, field = problem.label, problem.field
    draft = data.draft if data is not None else None
    fields: dict[str, str] = {}
    if draft is not None and problem.where == "action":
        action = next((a for a in draft.actions if a.id == problem.item_id), None)
        spec = action_spec_or_none(action.type) if action is not None else None
        if action is not None:
            label = step_label(action)
        fields = {f.key: f.label for f in spec.fields} if spec is not None else {}
    elif draft is not None and problem.where == "trigger":
        trigger = next((t for t in draft.triggers if t.id == problem.item_id), None)
        tspec = trigger_spec_or_none(trigger.type) if trigger is not None else None
        fields = {f.key: f.label for f in tspec.filters} if tspec is not None else {}
    head, dot, rest = field.partition(".")
    text = problem.problem
    if text.startswith(ONE_OF):  # "set one of template_id, body"
        keys = text.removeprefix(ONE_OF).split(", ")
        text = ONE_OF + ", ".join(fields.get(k, k) for k in keys)
    return where, label, (fields[head] + dot + rest) if head in fields else field, text
