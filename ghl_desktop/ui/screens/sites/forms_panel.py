"""Forms and surveys of the sub-account: build them, delete them, see what visitors sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ghl_desktop.services.sites import forms, surveys
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.models.base import RecordTableModel
from ghl_desktop.ui.ops import WriteOp
from ghl_desktop.ui.screens.sites.form_builder import FormBuilder
from ghl_desktop.ui.screens.sites.models import FormTableModel, SurveyTableModel
from ghl_desktop.ui.screens.sites.responses_dialog import ResponsesDialog
from ghl_desktop.ui.screens.sites.submissions_dialog import SubmissionsDialog
from ghl_desktop.ui.screens.sites.survey_builder import SurveyBuilder
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot

Opener = Callable[[UiContext, QWidget, WorkspaceSnapshot, Any], QDialog]


class CollectionPanel(QWidget):
    """A table of forms (or surveys) with New, Edit, Delete and their visitors' data."""

    changed = Signal()

    def __init__(
        self,
        ctx: UiContext,
        noun: str,
        model: RecordTableModel[Any],
        builder: Opener,
        viewer: Opener,
        viewer_label: str,
        delete: Callable[..., None],
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.snapshot: WorkspaceSnapshot | None = None
        self.model = model
        self._builder, self._viewer, self._delete = builder, viewer, delete
        self.table = DataTable(model, stretch_column=0)
        self.table.setObjectName(f"{noun}Table")
        self.table.item_activated.connect(lambda _i: self.open_viewer())
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text, action in (
            (f"New{noun}", f"New {noun.lower()}…", lambda: self.open_builder(None)),
            (f"Edit{noun}", "Edit…", lambda: self.open_builder(self.current())),
            (f"View{noun}", viewer_label, self.open_viewer),
            (f"Delete{noun}", "Delete", self.delete),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(action)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.noun = noun
        self.table.current_item_changed.connect(lambda _i: self._enable())

    def current(self) -> Any:
        return self.table.current_item()

    def show_items(self, snapshot: WorkspaceSnapshot, items: Sequence[Any]) -> None:
        self.snapshot = snapshot
        self.model.set_items(items)
        self.table.select_row(0)
        self._enable()

    def _enable(self) -> None:
        can = self.snapshot is not None and self.snapshot.can("sites.publish")
        chosen = self.current() is not None
        self.buttons[f"New{self.noun}"].setEnabled(can)
        self.buttons[f"Edit{self.noun}"].setEnabled(can and chosen)
        self.buttons[f"Delete{self.noun}"].setEnabled(can and chosen)
        self.buttons[f"View{self.noun}"].setEnabled(chosen)

    def open_builder(self, existing: Any) -> QDialog | None:
        if self.snapshot is None:
            return None
        dialog = self._builder(self.ctx, self, self.snapshot, existing)
        dialog.succeeded.connect(lambda _r: self.changed.emit())  # type: ignore[attr-defined]
        dialog.open()
        return dialog

    def open_viewer(self) -> QDialog | None:
        item = self.current()
        if self.snapshot is None or item is None:
            return None
        dialog = self._viewer(self.ctx, self, self.snapshot, item)
        dialog.open()
        return dialog

    def delete(self) -> None:
        item = self.current()
        if self.snapshot is None or item is None:
            return
        uows, actor = self.ctx.uows, self.snapshot.actor
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        delete = self._delete
        WriteOp(self.ctx.ops, self, lambda: delete(uows, actor, sub, item.id)).changes(
            "sites", sub_account_id=sub
        ).success(lambda _r: self.changed.emit()).run()


def forms_panel(ctx: UiContext) -> CollectionPanel:
    def viewer(c: UiContext, p: QWidget, s: WorkspaceSnapshot, form: FormInfo) -> QDialog:
        return SubmissionsDialog(c, p, s, form)

    return CollectionPanel(
        ctx, "Form", FormTableModel(), FormBuilder, viewer, "Submissions…", forms.delete_form
    )


def surveys_panel(ctx: UiContext) -> CollectionPanel:
    def viewer(c: UiContext, p: QWidget, s: WorkspaceSnapshot, survey: SurveyInfo) -> QDialog:
        return ResponsesDialog(c, p, s, survey)

    return CollectionPanel(
        ctx,
        "Survey",
        SurveyTableModel(),
        SurveyBuilder,
        viewer,
        "Responses…",
        surveys.delete_survey,
    )
