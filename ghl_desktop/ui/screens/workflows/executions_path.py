"""One run drawn on its version's tree: the steps it took in bold green with their status, the
branch of each if/else it chose, and for each if/else the values that decided it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QVBoxLayout, QWidget

from ghl_desktop.services.workflows.engine.queries import ExecutionDetail, StepInfo
from ghl_desktop.services.workflows.explain import decisions_text
from ghl_desktop.services.workflows.lookups import Option
from ghl_desktop.ui.screens.workflows.tree_view import Node, fill_tree, make_tree

PATH_COLOUR = QColor("#1E8449")
SKIPPED_COLOUR = QColor("#B9770E")


def decision_text(step: StepInfo) -> str:
    """``branch yes: context.opened_email is true (was yes) → yes`` - the values that
    decided."""
    return decisions_text(step.branch, step.decisions)


def step_text(step: StepInfo) -> str:
    when = step.completed_at or step.scheduled_for
    stamp = when.strftime("%Y-%m-%d %H:%M") if when else ""
    extra = ""
    if step.result.get("skipped"):
        extra = f" - skipped: {step.result['skipped']}"
    elif step.error:
        extra = f" - {step.error}"
    elif step.branch:
        extra = f" - {decision_text(step)}"
    return f"{step.status} {stamp}{extra}"


class ExecutionPath(QWidget):
    """The tree of the run's version with the path highlighted, plus a summary line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree: QTreeWidget = make_tree("ExecutionPathTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Step", "Type", "What happened"])
        # The outcome text is the long one: it takes the spare width, the step names keep 320px.
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 320)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setObjectName("ExecutionSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        self.highlighted: list[str] = []

    def clear(self) -> None:
        self.tree.clear()
        self.summary.setText("")
        self.highlighted = []

    def show_run(
        self,
        detail: ExecutionDetail,
        definition: Any,
        options: Mapping[str, Sequence[Option]] | None = None,
    ) -> None:
        items = fill_tree(self.tree, definition, options=options)
        by_action = {s.action_id: s for s in detail.steps if s.action_id}
        bold = QFont()
        bold.setBold(True)
        self.highlighted = []
        for node_key, item in items.items():
            node = Node(*node_key)
            if node.kind == "action" and node.item_id in by_action:
                step = by_action[node.item_id]
                item.setText(2, step_text(step))
                item.setToolTip(2, step_text(step))
                if step.status == "cancelled":
                    continue
                colour = SKIPPED_COLOUR if step.status in ("skipped", "failed") else PATH_COLOUR
                for column in range(3):
                    item.setForeground(column, QBrush(colour))
                    item.setFont(column, bold)
                self.highlighted.append(node.item_id)
            elif node.kind == "branch":
                chosen = by_action.get(node.item_id)
                if chosen is not None and chosen.branch == node.branch:
                    item.setForeground(0, QBrush(PATH_COLOUR))
                    item.setFont(0, bold)
                    item.setText(2, f"taken: {decision_text(chosen)}")
        s = detail.summary
        finished = s.finished_at.strftime("%Y-%m-%d %H:%M") if s.finished_at else "not yet"
        why = detail.context.get("finished_because") or s.error or ""
        self.summary.setText(
            f"{s.contact_name} in {s.workflow_name} v{s.workflow_version}: {s.status} "
            f"(started {s.started_at:%Y-%m-%d %H:%M}, finished {finished})"
            + (f" - {why}" if why else "")
        )
        self.tree.expandAll()
