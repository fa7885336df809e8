"""Create a workflow, or rename it and file it in another folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ghl_desktop.services.workflows import authoring
from ghl_desktop.services.workflows.authoring import WorkflowSummary
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class WorkflowDialog(FormDialog):
    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None,
        snapshot: WorkspaceSnapshot,
        folders: Sequence[str],
        existing: WorkflowSummary | None = None,
    ) -> None:
        title = "New workflow" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        self.snapshot = snapshot
        self.existing = existing
        self.change_topics = ("workflow",)
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("WorkflowName")
        self.name.setPlaceholderText("e.g. Welcome Series")
        self.folder = QComboBox()
        self.folder.setObjectName("WorkflowFolder")
        self.folder.setEditable(True)
        self.folder.addItems(["", *folders])
        self.folder.setCurrentText(existing.folder if existing else "")
        line = self.folder.lineEdit()
        if line is not None:
            line.setPlaceholderText("no folder; type a name to make one")
        self.add_field("Name", self.name, "name")
        self.add_field("Folder", self.folder, "folder")

    def operation(self) -> Callable[[], object]:
        uows, actor = self.ctx.uows, self.snapshot.actor
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        name, folder = self.name.text(), self.folder.currentText()
        existing = self.existing

        def call() -> object:
            with uows.tenant(actor, sub) as uow:
                if existing is None:
                    result: object = authoring.create_workflow(uow, name, folder=folder)
                else:
                    authoring.rename_workflow(uow, existing.id, name)
                    authoring.move_to_folder(uow, existing.id, folder)
                    result = existing.id
                uow.commit()
                return result

        return call
