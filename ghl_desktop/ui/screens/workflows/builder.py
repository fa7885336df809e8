"""The tree builder: triggers and the action tree of the draft, a settings panel generated
from the registry for the selected item, publish with the validation problems listed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import draft_steps, publishing, registry
from ghl_desktop.services.workflows.validation import WorkflowInvalid
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import describe_error
from ghl_desktop.ui.screens.workflows.access import write_op
from ghl_desktop.ui.screens.workflows.editor_data import EditorData
from ghl_desktop.ui.screens.workflows.problem_text import named_problem
from ghl_desktop.ui.screens.workflows.settings_panel import SettingsPanel
from ghl_desktop.ui.screens.workflows.tree_view import Node, fill_tree, make_tree, node_of
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def status_text(data: EditorData) -> str:
    s = data.summary
    if s.published_version is not None:
        text = f"Published — version {s.published_version} is live"
        return text + (" · the draft has unpublished changes" if s.has_draft_changes else "")
    if s.version:
        return f"Draft — not live (last published version {s.version})"
    return "Draft — never published"


class BuilderPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.data: EditorData | None = None
        self.status = QLabel()
        self.status.setObjectName("WorkflowStatus")
        self.buttons: dict[str, QPushButton] = {}
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        for name, text in (("Check", "Check"), ("Publish", "Publish"), ("Unpublish", "Unpublish")):
            header.addWidget(self._button(name, text))
        self.buttons["Publish"].setProperty("role", "primary")
        self.trigger_type = QComboBox()
        self.trigger_type.setMinimumContentsLength(20)
        self.trigger_type.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.trigger_type.setObjectName("TriggerType")
        for spec in registry.trigger_specs():
            self.trigger_type.addItem(f"{spec.group}: {spec.label}", spec.type)
        self.step_type = QComboBox()
        self.step_type.setMinimumContentsLength(20)
        self.step_type.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.step_type.setObjectName("StepType")
        for aspec in registry.action_specs():
            self.step_type.addItem(f"{aspec.group}: {aspec.label}", aspec.type)
        tools = QHBoxLayout()
        tools.addWidget(self.trigger_type, 1)
        tools.addWidget(self._button("AddTrigger", "Add trigger"))
        tools.addSpacing(16)
        tools.addWidget(self.step_type, 1)
        tools.addWidget(self._button("AddStep", "Add under"))
        tools.addWidget(self._button("AddAfter", "Add after"))
        # Below the tree: what acts on the selected item.
        item_tools = QHBoxLayout()
        for name, text in (("MoveUp", "Move up"), ("MoveDown", "Move down"), ("Delete", "Delete")):
            item_tools.addWidget(self._button(name, text))
        item_tools.addStretch(1)
        self.tree = make_tree("WorkflowTree", draggable=True)
        self.tree.step_dropped.connect(self.drop_step)
        self.tree.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.settings = SettingsPanel()
        self.settings.save_requested.connect(self.save_item)
        tree_box = QWidget()
        tree_layout = QVBoxLayout(tree_box)
        tree_layout.setContentsMargins(0, 0, 0, 0)
        tree_layout.addWidget(self.tree, 1)
        tree_layout.addLayout(item_tools)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(tree_box)
        split.addWidget(self.settings)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([420, 480])
        split.setChildrenCollapsible(False)
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("ProblemList")
        self.problem_list.setMaximumHeight(90)
        self.problem_list.itemActivated.connect(self._go_to_problem)
        self.problem_list.itemClicked.connect(self._go_to_problem)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(header)
        layout.addLayout(tools)
        layout.addWidget(split, 1)
        layout.addWidget(self.problem_list)
        self._items: dict[tuple[str, str, str | None], Any] = {}
        self._problems: dict[str, list[str]] = {}
        self._field_problems: dict[str, dict[str, str]] = {}
        self._pending_select: Node | None = None
        self._update_buttons()

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        actions: dict[str, Callable[[], None]] = {
            "Check": self.check,
            "Publish": self.publish,
            "Unpublish": self.unpublish,
            "AddTrigger": self.add_trigger,
            "AddStep": lambda: self.add_step(after=False),
            "AddAfter": lambda: self.add_step(after=True),
            "MoveUp": lambda: self.move_step(-1),
            "MoveDown": lambda: self.move_step(1),
            "Delete": self.delete,
        }
        button.clicked.connect(actions[name])
        self.buttons[name] = button
        return button

    # -- showing -----------------------------------------------------------------------------
    def show_data(self, snapshot: WorkspaceSnapshot, data: EditorData) -> None:
        selected = node_of(self.tree.currentItem())
        same_workflow = self.data is not None and self.data.workflow_id == data.workflow_id
        self.snapshot, self.data = snapshot, data
        self.status.setText(status_text(data))
        self._set_problems(data.problems)
        self._items = fill_tree(self.tree, data.draft, self._problems, data.options)
        pending, self._pending_select = self._pending_select, None
        item = self._items.get(pending.key) if pending else None
        if item is None and selected is not None and same_workflow:
            item = self._items.get(selected.key)
        self.tree.setCurrentItem(item or self._items[Node("actions").key])
        self._selection_changed()

    def _set_problems(self, problems: list[Any]) -> None:
        self._problems = defaultdict(list)
        self._field_problems = defaultdict(dict)
        self.problem_list.clear()
        for problem in problems:
            key = problem.item_id or ""
            where, label, field, text = named_problem(problem, self.data)
            self._problems[key].append(f"{field}: {text}")
            self._field_problems[key][problem.field] = text
            entry = QListWidgetItem(f'⚠ {where} "{label}": {field}: {text}')
            entry.setData(Qt.ItemDataRole.UserRole, key)
            self.problem_list.addItem(entry)
        if not problems:
            self.problem_list.addItem("✓ Ready to publish: no problems found.")

    def _go_to_problem(self, entry: QListWidgetItem) -> None:
        key = entry.data(Qt.ItemDataRole.UserRole)
        for kind in ("action", "trigger"):
            item = self._items.get((kind, key, None))
            if item is not None:
                self.tree.setCurrentItem(item)
                return

    def _selection_changed(self) -> None:
        self._update_buttons()
        node = node_of(self.tree.currentItem())
        data = self.data
        if data is None or node is None or node.kind not in ("trigger", "action"):
            self.settings.clear()
            return
        editable = data.can_manage
        problems = self._field_problems.get(node.item_id, {})
        if node.kind == "trigger":
            trigger = next(t for t in data.draft.triggers if t.id == node.item_id)
            try:
                tspec = registry.trigger_spec(trigger.type)
            except ValidationError:
                self.settings.clear()
                return
            self.settings.show_item(
                "trigger",
                trigger.id,
                f"Trigger: {tspec.label}",
                tspec.description,
                tspec.filters,
                trigger.conditions,
                data.options,
                active=trigger.is_active,
                editable=editable,
                problems=problems,
            )
            return
        action = data.draft.action(node.item_id)
        try:
            aspec = registry.action_spec(action.type)
        except ValidationError:
            self.settings.clear()
            return
        self.settings.show_item(
            "action",
            action.id,
            f"Step: {aspec.label}",
            aspec.description,
            aspec.fields,
            action.settings,
            data.options,
            name=action.name,
            editable=editable,
            problems=problems,
        )

    def _update_buttons(self) -> None:
        node = node_of(self.tree.currentItem())
        data = self.data
        can = data is not None and data.can_manage
        kind = node.kind if node else ""
        is_action = kind == "action"
        for name in ("Check",):
            self.buttons[name].setEnabled(data is not None)
        live = data is not None and data.summary.published_version is not None
        self.buttons["Publish"].setEnabled(can)
        self.buttons["Unpublish"].setEnabled(can and live)
        self.buttons["AddTrigger"].setEnabled(can)
        self.buttons["AddStep"].setEnabled(can and kind in ("actions", "action", "branch"))
        self.buttons["AddAfter"].setEnabled(can and is_action)
        self.buttons["MoveUp"].setEnabled(can and is_action)
        self.buttons["MoveDown"].setEnabled(can and is_action)
        self.buttons["Delete"].setEnabled(can and kind in ("action", "trigger"))

    # -- changing ----------------------------------------------------------------------------
    def _write(
        self, fn: Callable[[UnitOfWork], object], done: Callable[[Any], None] | None = None
    ) -> None:
        if self.snapshot is None:
            return

        def finished(result: Any) -> None:
            if done is not None:
                done(result)
            self.changed.emit()

        write_op(self.ctx, self, self.snapshot, fn).success(finished).failure(self._failed).run()

    def _failed(self, error: Exception) -> None:
        if isinstance(error, WorkflowInvalid):
            self._set_problems(error.problems)
            self.problem_list.insertItem(0, "Not published: fix these first.")
        else:
            self.settings.show_error(describe_error(error))

    def add_trigger(self) -> None:
        data = self.data
        if data is None:
            return
        wid, kind = data.workflow_id, self.trigger_type.currentData()
        self._write(lambda uow: draft_steps.add_trigger(uow, wid, kind), self._select("trigger"))

    def add_step(self, *, after: bool) -> None:
        data, node = self.data, node_of(self.tree.currentItem())
        if data is None or node is None:
            return
        wid, kind = data.workflow_id, self.step_type.currentData()
        parent: str | None = None
        branch: str | None = None
        position: int | None = None
        if node.kind == "branch":
            parent, branch = node.item_id, node.branch
        elif node.kind == "action" and after:
            current = data.draft.action(node.item_id)
            parent, branch, position = current.parent_action_id, current.branch, None
            chain = data.draft.siblings(current.id)
            position = [a.id for a in chain].index(current.id) + 1
        elif node.kind == "action":
            spec = registry.action_spec(data.draft.action(node.item_id).type)
            if spec.branches:
                self.settings.show_error(
                    f"Select the {' or '.join(spec.branch_labels)} branch to add a step to it."
                )
                return
            parent = node.item_id
        self._write(
            lambda uow: draft_steps.add_action(
                uow, wid, kind, parent_action_id=parent, branch=branch, position=position
            ),
            self._select("action"),
        )

    def _select(self, kind: str) -> Callable[[Any], None]:
        """After an add: select the new item once the tree reloads."""

        def remember(new_id: Any) -> None:
            self._pending_select = Node(kind, str(new_id))

        return remember

    def select_node(self, node: Node) -> bool:
        item = self._items.get(node.key)
        if item is not None:
            self.tree.setCurrentItem(item)
        return item is not None

    def move_step(self, delta: int) -> None:
        data, node = self.data, node_of(self.tree.currentItem())
        if data is None or node is None or node.kind != "action":
            return
        chain = data.draft.siblings(node.item_id)
        index = [a.id for a in chain].index(node.item_id)
        target = max(0, min(index + delta, len(chain) - 1))
        if target != index:
            aid = node.item_id
            self._write(lambda uow: draft_steps.move_action(uow, aid, target))

    def drop_step(self, action_id: str, target: Node, where: str) -> None:
        """A step dragged onto a heading, a branch or a step ("on": under it, last) or between
        steps ("above"/"below": beside it)."""
        data = self.data
        if data is None or not data.can_manage or target.item_id == action_id:
            return
        place = self._drop_place(action_id, target, where)
        if place is None:
            return
        parent, branch, position = place
        self._pending_select = Node("action", action_id)
        self._write(
            lambda uow: draft_steps.relocate_action(
                uow, action_id, parent_action_id=parent, branch=branch, position=position
            )
        )

    def _drop_place(
        self, moving: str, target: Node, where: str
    ) -> tuple[str | None, str | None, int | None] | None:
        data = self.data
        assert data is not None
        if target.kind == "actions":
            return None, None, 0 if where == "above" else None
        if target.kind == "branch":
            return target.item_id, target.branch, None
        if target.kind != "action":
            return None
        step = data.draft.action(target.item_id)
        if where == "on":
            spec = registry.action_spec(step.type)
            if spec.branches:
                self.settings.show_error("Drop on its Yes or No branch to put a step there.")
                return None
            return step.id, None, None
        # Positions count the chain without the moved step (it may come from the same chain).
        chain = [a.id for a in data.draft.siblings(step.id) if a.id != moving]
        index = chain.index(step.id) + (1 if where == "below" else 0)
        return step.parent_action_id, step.branch, index

    def delete(self) -> None:
        node = node_of(self.tree.currentItem())
        if node is None:
            return
        item_id = node.item_id
        if node.kind == "action":
            self._write(lambda uow: draft_steps.delete_action(uow, item_id))
        elif node.kind == "trigger":
            self._write(lambda uow: draft_steps.delete_trigger(uow, item_id))

    def save_item(self, kind: str, item_id: str, payload: dict[str, Any]) -> None:
        if kind == "action":
            name, settings = payload["name"], payload["settings"]
            self._write(
                lambda uow: draft_steps.update_action(uow, item_id, name=name, settings=settings)
            )
        elif kind == "trigger":
            conditions, active = payload["conditions"], payload["is_active"]
            self._write(
                lambda uow: draft_steps.update_trigger(
                    uow, item_id, conditions=conditions, is_active=active
                )
            )

    def check(self) -> None:
        self.changed.emit()  # a reload re-runs the validation

    def publish(self) -> None:
        data = self.data
        if data is not None:
            wid = data.workflow_id
            self._write(lambda uow: publishing.publish(uow, wid))

    def unpublish(self) -> None:
        data = self.data
        if data is not None:
            wid = data.workflow_id
            self._write(lambda uow: publishing.unpublish(uow, wid))
