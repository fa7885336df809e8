"""Table models of the sites screens. Visitor-supplied values are shown as plain text only:
table cells never interpret markup, and tooltips (which Qt would read as rich text when they
look like HTML) are escaped first."""

from __future__ import annotations

import html
from typing import Any

from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.funnels import FunnelInfo, StepInfo
from ghl_desktop.services.sites.pages import PageVersionInfo
from ghl_desktop.services.sites.submissions import SubmissionRow
from ghl_desktop.services.sites.survey_responses import ResponseRow
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.ui.models.base import RecordTableModel


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally, whatever markup it contains."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""


def cell(value: Any) -> str:
    """A visitor value as one line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return " ".join(str(value).split())


def when(moment: Any) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


class FunnelTableModel(RecordTableModel[FunnelInfo]):
    HEADERS = ("Name", "Address", "Steps", "Published", "Custom domain")

    def display(self, item: FunnelInfo, column: int) -> str:
        return (item.name, f"/{item.slug}/", str(item.step_count),
                "yes" if item.is_published else "no", item.custom_domain or "")[column]  # fmt: skip

    def is_dimmed(self, item: FunnelInfo) -> bool:
        return not item.is_published


class StepTableModel(RecordTableModel[StepInfo]):
    HEADERS = ("#", "Step", "Address", "Type", "Status")

    def display(self, item: StepInfo, column: int) -> str:
        if column == 4:
            if not item.is_published:
                return "draft only"
            return "published · changes not published" if item.has_unpublished_changes else (
                "published"
            )  # fmt: skip
        return (str(item.position + 1), item.name, f"/{item.slug}" if item.slug else "/ (first)",
                item.page_type.value.replace("_", " "), "")[column]  # fmt: skip


class VersionTableModel(RecordTableModel[PageVersionInfo]):
    HEADERS = ("Version", "Published", "Live")

    def display(self, item: PageVersionInfo, column: int) -> str:
        return (f"v{item.version}", when(item.published_at), "● live" if item.is_current else "")[
            column
        ]


class FormTableModel(RecordTableModel[FormInfo]):
    HEADERS = ("Form", "Fields", "Submissions", "On success")

    def display(self, item: FormInfo, column: int) -> str:
        return (item.name, str(len(item.fields)), str(item.submission_count),
                item.settings.get("on_success", "").replace("_", " "))[column]  # fmt: skip


class SurveyTableModel(RecordTableModel[SurveyInfo]):
    HEADERS = ("Survey", "Questions", "Responses", "Active")

    def display(self, item: SurveyInfo, column: int) -> str:
        return (item.name, str(len(item.questions)), str(item.response_count),
                "yes" if item.is_active else "no")[column]  # fmt: skip


class SubmissionTableModel(RecordTableModel[SubmissionRow]):
    """One column per form field, after when, contact and page."""

    FIXED = ("Submitted", "Contact", "Page")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.keys: list[str] = []
        self.HEADERS = self.FIXED

    def set_fields(self, fields: tuple[dict[str, Any], ...]) -> None:
        self.beginResetModel()
        self.keys = [str(f["key"]) for f in fields]
        self.HEADERS = (*self.FIXED, *(str(f.get("label") or f["key"]) for f in fields))
        self.endResetModel()

    def _value(self, item: SubmissionRow, column: int) -> Any:
        if column == 0:
            return when(item.created_at)
        if column == 1:
            return item.contact_name or "— not linked —"
        if column == 2:
            return item.page_name
        return item.data.get(self.keys[column - len(self.FIXED)])

    def display(self, item: SubmissionRow, column: int) -> str:
        return cell(self._value(item, column))

    def tooltip(self, item: SubmissionRow, column: int) -> str | None:
        value = self._value(item, column)
        return plain_tooltip(cell(value) if not isinstance(value, str) else value) or None


class ResponseTableModel(RecordTableModel[ResponseRow]):
    FIXED = ("Finished", "Contact", "Score")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.keys: list[str] = []
        self.HEADERS = self.FIXED

    def set_questions(self, questions: tuple[dict[str, Any], ...]) -> None:
        self.beginResetModel()
        self.keys = [str(q["key"]) for q in questions]
        self.HEADERS = (*self.FIXED, *(str(q.get("label") or q["key"]) for q in questions))
        self.endResetModel()

    def display(self, item: ResponseRow, column: int) -> str:
        if column < len(self.FIXED):
            score = "" if item.score is None else str(item.score)
            return (when(item.created_at), item.contact_name or "— not linked —", score)[column]
        return cell(item.answers.get(self.keys[column - len(self.FIXED)]))

    def tooltip(self, item: ResponseRow, column: int) -> str | None:
        return plain_tooltip(self.display(item, column)) or None
