"""What a trigger type and an action type are: their fields, their rules, their references."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ghl_desktop.services.workflows.fields import FieldSpec, Reference, is_blank


class Match:
    """How a trigger filter compares its value with the event."""

    EQUALS = "equals"  # event attribute == value
    EQUALS_CI = "equals_ci"  # the same ignoring case (tag names, sources)
    CONTAINS = "contains"  # value (case-insensitive) is one of a list attribute (tags)
    TEXT_CONTAINS = "text_contains"  # value is a substring of a text attribute (keywords)
    CHANGED = "changed"  # value is in the event's changed_fields
    CHANGED_CUSTOM = "changed_custom"  # custom_fields.<value> is in changed_fields
    AT_LEAST = "at_least"  # event attribute >= value
    ENGINE = "engine"  # not visible on the event: the runtime evaluates it


@dataclass(frozen=True)
class FilterSpec(FieldSpec):
    """A trigger filter: a field plus the event attribute it is compared with."""

    attr: str = ""
    match: str = Match.EQUALS


def event_value(event: Any, attr: str) -> Any:
    """An attribute of a domain event, or a key of a mapping (dry runs pass plain dicts)."""
    if isinstance(event, Mapping):
        return event.get(attr)
    return getattr(event, attr, None)


def _filter_matches(spec: FilterSpec, wanted: Any, event: Any) -> bool:
    if spec.match == Match.ENGINE:
        return True
    if spec.match in (Match.CHANGED, Match.CHANGED_CUSTOM):
        changed = event_value(event, "changed_fields") or ()
        name = f"custom_fields.{wanted}" if spec.match == Match.CHANGED_CUSTOM else str(wanted)
        return name in changed
    actual = event_value(event, spec.attr)
    if actual is None:
        return False
    if spec.match == Match.EQUALS_CI:
        return str(actual).casefold() == str(wanted).casefold()
    if spec.match == Match.CONTAINS:
        return str(wanted).casefold() in {str(v).casefold() for v in actual}
    if spec.match == Match.TEXT_CONTAINS:
        return str(wanted).casefold() in str(actual).casefold()
    if spec.match == Match.AT_LEAST:
        return bool(actual >= wanted)
    return bool(actual == wanted)


def settings_problems(
    fields: tuple[FieldSpec, ...], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(field key, problem) for every wrong or missing value and every unknown key."""
    known = {f.key for f in fields}
    problems = [(key, "is not a setting of this step") for key in values if key not in known]
    for spec in fields:
        problems.extend((spec.key, p) for p in spec.problems(values.get(spec.key), values))
    return problems


def field_references(fields: tuple[FieldSpec, ...], values: Mapping[str, Any]) -> list[Reference]:
    found: list[Reference] = []
    for spec in fields:
        found.extend(spec.references(values.get(spec.key)))
    return found


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger type. ``event_names`` are the domain events it listens to (empty for triggers
    the runtime fires itself: date reminders, manual enrolment). ``scoped_to_workflow``: the
    event carries a ``workflow_id`` and enrols only that workflow (inbound webhooks)."""

    type: str
    label: str
    group: str
    event_names: tuple[str, ...]
    filters: tuple[FilterSpec, ...] = ()
    description: str = ""
    scoped_to_workflow: bool = False
    # An extra rule every matching event must satisfy (e.g. "some custom field changed").
    predicate: Callable[[Any], bool] | None = None

    def matches(self, conditions: Mapping[str, Any], event: Any) -> bool:
        """Whether ``event`` satisfies this trigger's filters as set in ``conditions``. Empty
        filters match anything; ``Match.ENGINE`` filters are left to the runtime."""
        name = getattr(type(event), "name", None) or event_value(event, "name")
        if self.event_names and name not in self.event_names:
            return False
        if self.predicate is not None and not self.predicate(event):
            return False
        for spec in self.filters:
            wanted = conditions.get(spec.key)
            if not is_blank(wanted) and not _filter_matches(spec, wanted, event):
                return False
        return True

    def problems(self, conditions: Mapping[str, Any]) -> list[tuple[str, str]]:
        return settings_problems(self.filters, conditions)

    def references(self, conditions: Mapping[str, Any]) -> list[Reference]:
        return field_references(self.filters, conditions)

    def field(self, key: str) -> FilterSpec:
        return next(f for f in self.filters if f.key == key)


@dataclass(frozen=True)
class ActionSpec:
    """An action type. ``branch_labels`` non-empty: the action branches (if/else: yes, no) and
    its children must carry one of them. ``terminal``: nothing runs after it (end, goal).
    ``one_of``: groups of settings of which at least one must be set (a template or a body)."""

    type: str
    label: str
    group: str
    fields: tuple[FieldSpec, ...] = ()
    branch_labels: tuple[str, ...] = ()
    terminal: bool = False
    description: str = ""
    one_of: tuple[tuple[str, ...], ...] = ()
    # Whether the step has an external effect (sent through the outbox with an idempotency key).
    external: bool = False

    @property
    def branches(self) -> bool:
        return bool(self.branch_labels)

    def problems(self, settings: Mapping[str, Any]) -> list[tuple[str, str]]:
        found = settings_problems(self.fields, settings)
        for group in self.one_of:
            if all(is_blank(settings.get(key)) for key in group):
                found.append((group[0], f"set one of {', '.join(group)}"))
        return found

    def references(self, settings: Mapping[str, Any]) -> list[Reference]:
        return field_references(self.fields, settings)

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)
