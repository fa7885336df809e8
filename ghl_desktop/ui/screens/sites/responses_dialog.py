"""A survey's finished responses: answers, score and the contact they were linked to."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from ghl_desktop.services.sites import survey_responses
from ghl_desktop.services.sites.survey_responses import ResponseRow
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.screens.sites.models import ResponseTableModel
from ghl_desktop.ui.widgets.data_table import DataTable
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class ResponsesDialog(QDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        survey: SurveyInfo,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(f"Responses · {survey.name}")
        self.resize(900, 500)
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.model = ResponseTableModel(self)
        self.model.set_questions(survey.questions)
        self.table = DataTable(self.model, widths={0: 130, 1: 170, 2: 60})
        self.table.setObjectName("ResponsesTable")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        uows, actor, survey_id = ctx.uows, snapshot.actor, survey.id
        sub = snapshot.sub_account.id if snapshot.sub_account else ""
        ReadOp(
            ctx.ops, self, lambda: survey_responses.list_responses(uows, actor, sub, survey_id)
        ).success(self.show_rows).run()

    def show_rows(self, rows: list[ResponseRow]) -> None:
        self.model.set_items(rows)
        scores = [r.score for r in rows if r.score is not None]
        average = f" · average score {sum(scores) / len(scores):.1f}" if scores else ""
        self.summary.setText(f"{len(rows)} responses{average}")
