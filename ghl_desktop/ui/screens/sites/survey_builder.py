"""The survey builder: questions shown one per step, with jumps by answer and scores, and what
happens at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from ghl_desktop.services.sites import surveys
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.sites.field_table import FieldTable
from ghl_desktop.ui.screens.sites.form_builder import field_buttons, success_combo
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot

STARTER_QUESTIONS: list[dict[str, Any]] = [
    {"key": "goal", "label": "What is your main goal?", "type": "radio", "required": True,
     "options": ["More leads", "More sales"]},
    {"key": "email", "label": "Where should we send your results?", "type": "email",
     "required": True},
]  # fmt: skip


class SurveyBuilder(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: SurveyInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New survey" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        self.setMinimumWidth(1100)
        self.snapshot = snapshot
        self.existing = existing
        self.change_topics = ("sites",)
        settings = existing.settings if existing else {}
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("SurveyName")
        self.table = FieldTable(survey=True)
        self.table.setObjectName("QuestionTable")
        self.table.setMinimumHeight(220)
        self.table.set_fields(existing.questions if existing else STARTER_QUESTIONS)
        self.active = QCheckBox("Takes answers")
        self.active.setChecked(existing.is_active if existing else True)
        self.progress = QCheckBox("Show a progress bar")
        self.progress.setChecked(bool(settings.get("show_progress", True)))
        self.scoring = QCheckBox("Add up the points of the answers")
        self.scoring.setObjectName("Scoring")
        self.scoring.setChecked(bool(settings.get("scoring", False)))
        self.on_success = success_combo(settings.get("on_success", "message"))
        self.thanks = QLineEdit(settings.get("thank_you_message", ""))
        self.redirect = QLineEdit(settings.get("redirect_url", ""))
        self.tags = QLineEdit(", ".join(settings.get("tags") or []))
        self.tags.setPlaceholderText("tags added to the contact, comma-separated")
        self.add_field("Name", self.name, "name")
        self.add_field("Questions", self.table, "questions")
        self.add_field("", field_buttons(self.table))
        self.add_field("", self.active)
        self.add_field("", self.progress)
        self.add_field("", self.scoring)
        self.add_field("At the end", self.on_success, "settings.on_success")
        self.add_field("Thank-you message", self.thanks, "settings.thank_you_message")
        self.add_field("Redirect to", self.redirect, "settings.redirect_url")
        self.add_field("Tags", self.tags, "settings.tags")

    def operation(self) -> Callable[[], object]:
        uows, actor = self.ctx.uows, self.snapshot.actor
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        name, questions = self.name.text(), self.table.fields()
        settings = {
            "on_success": self.on_success.currentData(), "thank_you_message": self.thanks.text(),
            "redirect_url": self.redirect.text(), "show_progress": self.progress.isChecked(),
            "scoring": self.scoring.isChecked(),
            "tags": [t.strip() for t in self.tags.text().split(",") if t.strip()],
        }  # fmt: skip
        if self.existing is None:
            return lambda: surveys.create_survey(uows, actor, sub, name, questions, settings)
        survey_id, active = self.existing.id, self.active.isChecked()
        changes = {"name": name, "questions": questions, "settings": settings,
                   "is_active": active}  # fmt: skip
        return lambda: surveys.update_survey(uows, actor, sub, survey_id, changes)
