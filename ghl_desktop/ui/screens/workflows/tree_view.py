"""The workflow as a tree: triggers, then the steps with an if/else's branches as child
nodes ("Yes" / "No"). Shared by the builder (the draft) and the versions tab (a snapshot)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.workflows import registry
from ghl_desktop.services.workflows.definition import ActionDef, TriggerDef, WorkflowDefinition
from ghl_desktop.services.workflows.lookups import Option

ROLE = Qt.ItemDataRole.UserRole
PROBLEM_COLOUR = QColor("#C0392B")


@dataclass(frozen=True)
class Node:
    """What a tree item stands for. ``kind``: "triggers" (the heading), "trigger", "actions"
    (the heading: first-level steps go under it), "action", "branch" (an if/else's yes/no)."""

    kind: str
    item_id: str = ""
    branch: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.item_id, self.branch)


def node_of(item: QTreeWidgetItem | None) -> Node | None:
    if item is None:
        return None
    node = item.data(0, ROLE)
    return node if isinstance(node, Node) else None


class WorkflowTree(QTreeWidget):
    """The tree; with ``draggable`` a step can be dragged to another place. The drop is only
    reported (``step_dropped(action_id, target node, "on" | "above" | "below")``): the builder
    moves the step through the services and reloads, so the tree never shows a move the
    services refused."""

    step_dropped = Signal(str, object, str)

    def __init__(self, draggable: bool = False) -> None:
        super().__init__()
        if draggable:
            self.setDragEnabled(True)
            self.setAcceptDrops(True)
            self.setDropIndicatorShown(True)
            self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)

    def dropEvent(self, event: QDropEvent) -> None:
        dragged = node_of(self.currentItem())
        target = node_of(self.itemAt(event.position().toPoint()))
        # Never let Qt move the items itself: the reload after the service call does.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if dragged is None or dragged.kind != "action" or target is None:
            return
        where = {
            QAbstractItemView.DropIndicatorPosition.AboveItem: "above",
            QAbstractItemView.DropIndicatorPosition.BelowItem: "below",
        }.get(self.dropIndicatorPosition(), "on")
        self.step_dropped.emit(dragged.item_id, target, where)


def make_tree(object_name: str, *, draggable: bool = False) -> WorkflowTree:
    tree = WorkflowTree(draggable)
    tree.setObjectName(object_name)
    tree.setColumnCount(2)
    tree.setHeaderLabels(["Step", "Type"])
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
    header.resizeSection(1, 110)
    tree.setUniformRowHeights(True)
    tree.setAccessibleName("Workflow tree")
    return tree


def _type_label(action_type: str) -> str:
    try:
        return registry.action_spec(action_type).label
    except ValidationError:
        return f"{action_type} (unknown)"


def step_label(action: ActionDef) -> str:
    """The step's name, else its type as the registry names it ("Send SMS", not send_sms)."""
    if action.name:
        return action.name
    spec = _spec(action.type)
    return spec.label if spec is not None else action.type


def _filter_value(value: Any, kind: str, options: Mapping[str, Sequence[Option]]) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_filter_value(v, kind, options) for v in value)
    names = {o.value: o.label for o in options.get(kind, ())}
    return names.get(str(value), str(value))


def trigger_text(trigger: TriggerDef, options: Mapping[str, Sequence[Option]] | None = None) -> str:
    """ "Form submitted — Form = Lead Capture Form": the filters by their labels, the records
    they name (forms, stages, users, calendars…) by their names rather than their ids."""
    try:
        spec: registry.TriggerSpec | None = registry.trigger_spec(trigger.type)
    except ValidationError:
        spec = None
    label = spec.label if spec is not None else f"{trigger.type} (unknown)"
    fields = {f.key: f for f in spec.filters} if spec is not None else {}
    parts = []
    for key, value in trigger.conditions.items():
        field = fields.get(key)
        name = field.label if field is not None else key
        kind = field.kind if field is not None else ""
        parts.append(f"{name} = {_filter_value(value, kind, options or {})}")
    suffix = "" if trigger.is_active else " (off)"
    return label + suffix + (f" — {', '.join(parts)}" if parts else "")


def _item(
    parent: QTreeWidget | QTreeWidgetItem, node: Node, text: str, kind: str
) -> QTreeWidgetItem:
    item = QTreeWidgetItem(parent, [text, kind])
    item.setData(0, ROLE, node)
    return item


def fill_tree(
    tree: QTreeWidget,
    definition: WorkflowDefinition,
    problems: Mapping[str, list[str]] | None = None,
    options: Mapping[str, Sequence[Option]] | None = None,
) -> dict[tuple[str, str, str | None], QTreeWidgetItem]:
    """Rebuild ``tree`` from ``definition``; items with problems are red with the problems
    as their tooltip. ``options`` (the editor's pickers, by reference kind) name the records
    trigger filters point at. Returns the items by node key (to restore a selection)."""
    problems = problems or {}
    tree.clear()
    items: dict[tuple[str, str, str | None], QTreeWidgetItem] = {}

    def mark(item: QTreeWidgetItem, item_id: str) -> None:
        found = problems.get(item_id)
        if found:
            item.setForeground(0, QBrush(PROBLEM_COLOUR))
            item.setToolTip(0, "\n".join(found))
            item.setText(0, "⚠ " + item.text(0))

    heading = _item(tree, Node("triggers"), "When…", "")
    items[Node("triggers").key] = heading
    for trigger in definition.triggers:
        node = Node("trigger", trigger.id)
        text = trigger_text(trigger, options)
        item = _item(heading, node, text, "trigger")
        item.setToolTip(0, text)
        mark(item, trigger.id)
        items[node.key] = item
    steps = _item(tree, Node("actions"), "Then…", "")
    items[Node("actions").key] = steps

    def add_chain(parent: QTreeWidgetItem, chain: tuple[ActionDef, ...]) -> None:
        for action in chain:
            node = Node("action", action.id)
            item = _item(parent, node, step_label(action), _type_label(action.type))
            mark(item, action.id)
            items[node.key] = item
            spec = _spec(action.type)
            if spec is not None and spec.branches:
                for label in spec.branch_labels:
                    branch_node = Node("branch", action.id, label)
                    branch = _item(item, branch_node, label.capitalize(), "branch")
                    items[branch_node.key] = branch
                    add_chain(branch, definition.children(action.id, label))
            add_chain(item, definition.children(action.id, None))

    add_chain(steps, definition.roots())
    # Steps the walk above never reached (a wrong branch label, a missing parent) still show,
    # under their own heading, so they can be found and deleted.
    lost = [a for a in definition.actions if Node("action", a.id).key not in items]
    if lost:
        heading = _item(tree, Node("unreachable"), "Unreachable", "")
        for action in lost:
            node = Node("action", action.id)
            item = _item(heading, node, step_label(action), _type_label(action.type))
            mark(item, action.id)
            items[node.key] = item
    tree.expandAll()
    return items


def action_spec_or_none(action_type: str) -> registry.ActionSpec | None:
    try:
        return registry.action_spec(action_type)
    except ValidationError:
        return None


def trigger_spec_or_none(trigger_type: str) -> registry.TriggerSpec | None:
    try:
        return registry.trigger_spec(trigger_type)
    except ValidationError:
        return None


_spec = action_spec_or_none
