"""Automation: the workflows of the sub-account by folder with their status, and the editor
of the selected one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import authoring, draft_steps, references
from ghl_desktop.services.workflows.authoring import WorkflowSummary
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.workflows.access import TOPIC, read_op, write_op
from ghl_desktop.ui.screens.workflows.contact_runs import ContactRunsDialog
from ghl_desktop.ui.screens.workflows.editor import WorkflowEditor
from ghl_desktop.ui.screens.workflows.editor_data import EditorData, load_editor
from ghl_desktop.ui.screens.workflows.references_dialog import ReferencesDialog
from ghl_desktop.ui.screens.workflows.workflow_dialog import WorkflowDialog
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

ROLE = Qt.ItemDataRole.UserRole
NO_FOLDER = "No folder"
STATUS_COLOURS = {"published": "#27AE60", "draft": "#7F8C8D"}
# Topics that change what a workflow shows: its own, and what its steps refer to (a deleted tag
# or pipeline stage breaks references). Runtime events (an email opened, a webhook received)
# carry the workflow topic too but change no definition.
TOPICS = (TOPIC, "tag", "pipeline", "sub_account")
DEFINITION_EVENTS = frozenset({"workflow.published", "workflow.unpublished", "workflow.deleted"})


BELOW_THE_LIST = ("References", "ContactRuns")


def broken_counts(uow: UnitOfWork) -> dict[str, tuple[int, int]]:
    """Per workflow: broken references in its live version and in its draft."""
    counts: dict[str, tuple[int, int]] = {}
    for broken in references.broken_references(uow):
        live, draft = counts.get(broken.workflow_id, (0, 0))
        is_live = broken.version == references.LIVE
        counts[broken.workflow_id] = (live + is_live, draft + (not is_live))
    return counts


def status_label(s: WorkflowSummary) -> str:
    if s.published_version is None:
        return "Draft"
    return f"Published v{s.published_version}" + (" · edited" if s.has_draft_changes else "")


class WorkflowsScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("WorkflowsScreen")
        self.heading = QLabel("Workflows")
        self.heading.setProperty("role", "heading")
        self.summaries: list[WorkflowSummary] = []
        self.broken: dict[str, tuple[int, int]] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self.list = QTreeWidget()
        self.list.setObjectName("WorkflowList")
        self.list.setHeaderLabels(["Workflow", "Status", "Steps"])
        # The name takes what the status and step count leave: no horizontal scroll bar.
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.setUniformRowHeights(True)
        self.list.currentItemChanged.connect(lambda *_: self._selected())
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text, action in (
            ("NewWorkflow", "New…", self.new_workflow),
            ("EditWorkflow", "Edit…", self.edit_workflow),
            ("DuplicateWorkflow", "Copy", self.duplicate_workflow),
            ("DeleteWorkflow", "Delete", self.delete_workflow),
            ("References", "Find references…", self.open_references),
            ("ContactRuns", "A contact's runs…", self.open_contact_runs),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(action)
            self.buttons[name] = button
            if name not in BELOW_THE_LIST:
                row.addWidget(button)
        row.addStretch(1)
        below = QHBoxLayout()
        for name in BELOW_THE_LIST:
            below.addWidget(self.buttons[name])
        below.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(row)
        left_layout.addWidget(self.list, 1)
        left_layout.addLayout(below)
        self.editor = WorkflowEditor(ctx)
        self.editor.changed.connect(self.request_refresh)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([360, 1000])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)
        self._wanted: str | None = None

    def concerns(self, change: Change) -> bool:
        current = self.snapshot.sub_account if self.snapshot else None
        name = change.event_name or ""
        if name.startswith(f"{TOPIC}.") and name not in DEFINITION_EVENTS:
            return False
        return change.concerns(*TOPICS) and (
            change.sub_account_id is None
            or (current is not None and change.sub_account_id == current.id)
        )

    def workspace_changed(self, _snapshot: WorkspaceSnapshot) -> None:
        self._wanted = None

    # -- loading -----------------------------------------------------------------------------
    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return
        read_op(self.ctx, self, snapshot, authoring.list_workflows, key="list").success(
            self.show_list
        ).run()
        # Broken references take longer to find: the list shows first, the flags follow.
        read_op(self.ctx, self, snapshot, broken_counts, key="broken").success(
            self.show_broken
        ).run()

    def show_list(self, summaries: list[WorkflowSummary]) -> None:
        self.summaries = summaries
        wanted = self._wanted or self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        self._items = {}
        folders: dict[str, QTreeWidgetItem] = {}
        chosen: QTreeWidgetItem | None = None
        for s in summaries:
            folder = s.folder or NO_FOLDER
            parent = folders.get(folder)
            if parent is None:
                parent = QTreeWidgetItem(self.list, [folder, "", ""])
                parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                folders[folder] = parent
            item = QTreeWidgetItem(parent, [s.name, status_label(s), str(s.step_count)])
            item.setData(0, ROLE, s.id)
            self._items[s.id] = item
            colour = STATUS_COLOURS["published" if s.published_version else "draft"]
            item.setForeground(1, QBrush(QColor(colour)))
            if s.id == wanted or chosen is None:
                chosen = item
        self.list.expandAll()
        self.list.blockSignals(False)
        can = self.snapshot is not None and self.snapshot.can(authoring.MANAGE)
        self.buttons["NewWorkflow"].setEnabled(can)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        self.show_broken(self.broken)  # the newest flags known; fresh ones may follow
        self._selected()

    def show_broken(self, counts: dict[str, tuple[int, int]]) -> None:
        """Flag the workflows pointing at something deleted or renamed."""
        self.broken = counts
        for workflow_id, (live, draft) in counts.items():
            item = self._items.get(workflow_id)
            if item is None or not (live or draft):
                continue
            item.setText(0, "⚠ " + item.text(0).removeprefix("⚠ "))
            item.setForeground(0, QBrush(QColor("#C0392B")))
            item.setToolTip(
                0,
                f"Broken references: {live} in the live version, {draft} in the draft "
                "(References… → Broken references)",
            )

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(0, ROLE) if item is not None else None
        return value if isinstance(value, str) else None

    def current(self) -> WorkflowSummary | None:
        wid = self.current_id()
        return next((s for s in self.summaries if s.id == wid), None)

    def select_workflow(self, workflow_id: str) -> None:
        self._wanted = workflow_id
        self.request_refresh()

    def _selected(self) -> None:
        snapshot, wid = self.snapshot, self.current_id()
        can = snapshot is not None and snapshot.can(authoring.MANAGE)
        self.buttons["EditWorkflow"].setEnabled(can and wid is not None)
        self.buttons["DeleteWorkflow"].setEnabled(can and wid is not None)
        self.buttons["DuplicateWorkflow"].setEnabled(can and wid is not None)
        if snapshot is None or wid is None:
            self.editor.show_nothing(snapshot)
            return
        self._wanted = wid
        read_op(self.ctx, self, snapshot, lambda uow: load_editor(uow, wid), key="editor").success(
            self._show_editor
        ).run()

    def _show_editor(self, data: EditorData) -> None:
        if self.snapshot is not None and data.workflow_id == self.current_id():
            self.editor.show_data(self.snapshot, data)

    # -- actions -----------------------------------------------------------------------------
    def new_workflow(self) -> None:
        if self.snapshot is None:
            return
        folders = sorted({s.folder for s in self.summaries if s.folder})
        dialog = WorkflowDialog(self.ctx, self, self.snapshot, folders)
        dialog.succeeded.connect(lambda wid: self.select_workflow(str(wid)))
        dialog.open()

    def edit_workflow(self) -> None:
        current = self.current()
        if self.snapshot is None or current is None:
            return
        folders = sorted({s.folder for s in self.summaries if s.folder})
        dialog = WorkflowDialog(self.ctx, self, self.snapshot, folders, current)
        dialog.open()

    def delete_workflow(self) -> None:
        wid = self.current_id()
        if self.snapshot is None or wid is None:
            return
        self._wanted = None
        write_op(
            self.ctx, self, self.snapshot, lambda uow: authoring.delete_workflow(uow, wid)
        ).run()

    def duplicate_workflow(self) -> None:
        wid = self.current_id()
        if self.snapshot is None or wid is None:
            return
        write_op(
            self.ctx, self, self.snapshot, lambda uow: draft_steps.duplicate_workflow(uow, wid)
        ).success(lambda new_id: self.select_workflow(str(new_id))).run()

    def open_references(self) -> None:
        if self.snapshot is None:
            return
        dialog = ReferencesDialog(self.ctx, self, self.snapshot)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_workflow.connect(self.select_workflow)
        dialog.open()

    def open_contact_runs(self, contact_id: str | None = None) -> ContactRunsDialog | None:
        """Every workflow run of one contact (searched for, or ``contact_id``)."""
        if self.snapshot is None or self.snapshot.sub_account is None:
            return None
        dialog = ContactRunsDialog(self.ctx, self, self.snapshot)
        if contact_id:
            dialog.open_for(contact_id)
        else:
            dialog.find_contacts()
        dialog.open()
        return dialog
