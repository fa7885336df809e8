"""Create or edit an opportunity: name, contact (searched as you type), pipeline and stage,
value, owner, source, status with the lost reason, the custom fields, and - when creating - a
follow-up task. Editing shows the deal's stage history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ghl_desktop.core.money import Money
from ghl_desktop.models.pipelines import OpportunityStatus
from ghl_desktop.services.contact_listing import fetch_rows
from ghl_desktop.services.pipelines import opportunities, queries
from ghl_desktop.services.pipelines.opportunities import FollowUp
from ghl_desktop.services.pipelines.queries import OpportunityInfo, StageMove
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.screens.pipelines.loaders import PipelineLookups
from ghl_desktop.ui.widgets.custom_field_input import CustomFieldInput
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot

SEARCH_DELAY_MS = 250


class OpportunityFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        lookups: PipelineLookups, *, pipeline_id: str | None = None, stage_id: str | None = None,
        existing: OpportunityInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New opportunity" if existing is None else f"Opportunity “{existing.name}”"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        assert snapshot.sub_account is not None
        self.setObjectName("OpportunityForm")
        self.actor, self.sub_account_id = snapshot.actor, snapshot.sub_account.id
        self.lookups, self.existing = lookups, existing
        self.change_topics = ("opportunity",)
        self.name_edit = QLineEdit(existing.name if existing else "")
        self.name_edit.setObjectName("OpportunityName")
        self.contact = QComboBox()
        self.contact.setObjectName("OpportunityContact")
        self.contact.setEditable(True)
        self.contact.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        if existing is not None:
            self.contact.addItem(existing.contact_name or existing.contact_id, existing.contact_id)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_contacts)
        line = self.contact.lineEdit()
        assert line is not None
        line.textEdited.connect(lambda _t: self._search_timer.start())
        self.pipeline = QComboBox()
        for p in lookups.pipelines:
            self.pipeline.addItem(p.name, p.id)
        chosen_pipeline = existing.pipeline_id if existing else pipeline_id
        self.pipeline.setCurrentIndex(max(0, self.pipeline.findData(chosen_pipeline)))
        self.stage = QComboBox()
        self.stage.setObjectName("OpportunityStage")
        self.pipeline.currentIndexChanged.connect(lambda _i: self._fill_stages(None))
        self._fill_stages(existing.stage_id if existing else stage_id)
        currency = existing.currency if existing else lookups.currency
        self.currency = currency
        self.value = QLineEdit(
            str(Money(existing.value_minor, currency).as_decimal()) if existing else ""
        )
        self.value.setObjectName("OpportunityValue")
        self.value.setPlaceholderText(f"0.00 {currency}")
        self.owner = QComboBox()
        self.owner.addItem("Unassigned", "")
        for user in lookups.users:
            self.owner.addItem(user.label, user.id)
        owner = existing.owner_user_id if existing else snapshot.actor.user_id
        if existing is not None and owner and self.owner.findData(owner) < 0:
            # An owner who left the sub-account (or users not read yet): keep them chosen.
            self.owner.addItem(existing.owner_name or owner, owner)
        self.owner.setCurrentIndex(max(0, self.owner.findData(owner or "")))
        self.source = QLineEdit(existing.source if existing else "")
        self.status = QComboBox()
        self.status.setObjectName("OpportunityStatus")
        for status in OpportunityStatus:
            self.status.addItem(status.value.capitalize(), status.value)
        if existing is not None:
            self.status.setCurrentIndex(self.status.findData(existing.status.value))
        self.lost_reason = QLineEdit(existing.lost_reason or "" if existing else "")
        self.lost_reason.setObjectName("LostReason")
        self.status.currentIndexChanged.connect(lambda _i: self._status_changed())
        self._status_changed()
        self.add_field("&Name", self.name_edit, "name")
        self.add_field("&Contact", self.contact, "contact_id")
        self.add_field("&Pipeline", self.pipeline, "pipeline_id")
        self.add_field("S&tage", self.stage, "stage_id")
        self.add_field(f"&Value ({currency})", self.value, "value_minor")
        self.add_field("&Owner", self.owner, "owner_user_id")
        self.add_field("So&urce", self.source, "source")
        self.add_field("Stat&us", self.status, "status")
        self.add_field("Lost &reason", self.lost_reason, "lost_reason")
        self.custom: list[CustomFieldInput] = []
        for definition in lookups.fields:
            editor = CustomFieldInput(definition)
            if existing is not None:
                editor.set_value(existing.custom_fields.get(definition.key))
            self.custom.append(editor)
            self.add_field(definition.label, editor, editor.field)
        self.follow_up = QCheckBox("Create a follow-up task")
        self.follow_up_title = QLineEdit("Follow up")
        self.follow_up_due = QDateTimeEdit()
        self.follow_up_due.setCalendarPopup(True)
        self.follow_up_due.setDisplayFormat("yyyy-MM-dd HH:mm")
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        self.follow_up_due.setDateTime(QDateTime.fromSecsSinceEpoch(int(tomorrow.timestamp())))
        self.history = QPlainTextEdit()
        self.history.setObjectName("StageHistory")
        self.history.setReadOnly(True)
        self.history.setFixedHeight(96)
        if existing is None:
            self.add_field("", self.follow_up)
            self.add_field("Task", self.follow_up_title, "follow_up.title")
            self.add_field("Due", self.follow_up_due, "follow_up.due_at")
            self.follow_up.toggled.connect(self._follow_up_toggled)
            self._follow_up_toggled(False)
        else:
            self.add_field("History", self.history)
            self._load_history(existing.id)

    def show_error(self, error: Exception) -> None:
        super().show_error(error)
        # The base enables every field again: keep the ones that depend on a choice right.
        self._status_changed()
        self._follow_up_toggled(self.follow_up.isChecked())

    # -- helpers ---------------------------------------------------------------------------
    def _fill_stages(self, stage_id: str | None) -> None:
        self.stage.clear()
        pipeline = self.lookups.pipeline(self.pipeline.currentData())
        for stage in pipeline.stages if pipeline else ():
            self.stage.addItem(f"{stage.name} ({stage.probability}%)", stage.id)
        self.stage.setCurrentIndex(max(0, self.stage.findData(stage_id)))

    def _status_changed(self) -> None:
        self.lost_reason.setEnabled(self.status.currentData() == OpportunityStatus.LOST.value)

    def _follow_up_toggled(self, on: bool) -> None:
        self.follow_up_title.setEnabled(on)
        self.follow_up_due.setEnabled(on)

    def _search_contacts(self) -> None:
        text = self.contact.currentText().strip()
        if not text:
            return
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        ReadOp(self.ctx.ops, self, lambda: fetch_rows(uows, actor, sub, search=text, limit=20),
               key="contacts").success(self._show_contacts).run()  # fmt: skip

    def _show_contacts(self, rows: list[Any]) -> None:
        typed = self.contact.currentText()
        self.contact.clear()
        for row in rows:
            label = " ".join(p for p in (row.first_name, row.last_name) if p) or row.email or ""
            self.contact.addItem(f"{label} <{row.email}>" if row.email else label, row.id)
        if rows:
            self.contact.showPopup()
        else:
            self.contact.setEditText(typed)

    def _load_history(self, opportunity_id: str) -> None:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        ReadOp(self.ctx.ops, self,
               lambda: queries.stage_history(uows, actor, sub, opportunity_id),
               key="history").success(self._show_history).run()  # fmt: skip

    def _show_history(self, moves: list[StageMove]) -> None:
        lines = []
        for move in moves:
            when = move.changed_at.strftime("%Y-%m-%d")
            if move.from_stage_name:
                days = (move.duration_seconds or 0) / 86_400
                lines.append(f"{when}: {move.from_stage_name} → {move.to_stage_name} "
                             f"after {days:.1f} days")  # fmt: skip
            else:
                lines.append(f"{when}: created in {move.to_stage_name}")
        self.history.setPlainText("\n".join(lines))

    # -- the service call ------------------------------------------------------------------
    def operation(self) -> Callable[[], object]:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        value = Money.parse(self.value.text() or "0", self.currency, "value_minor").amount_minor
        custom = {e.definition.key: e.value() for e in self.custom}
        status = str(self.status.currentData())
        reason = self.lost_reason.text() if status == OpportunityStatus.LOST.value else None
        fields: dict[str, Any] = {
            "name": self.name_edit.text(), "value_minor": value,
            "owner_user_id": str(self.owner.currentData() or "") or None,
            "source": self.source.text(), "custom_fields": custom,
        }  # fmt: skip
        stage_id = str(self.stage.currentData() or "")
        contact_id = str(self.contact.currentData() or "")
        if self.existing is None:
            follow_up = None
            if self.follow_up.isChecked():
                due = datetime.fromtimestamp(self.follow_up_due.dateTime().toSecsSinceEpoch(), UTC)
                follow_up = FollowUp(self.follow_up_title.text(), due, fields["owner_user_id"])

            def create() -> OpportunityInfo:
                info = opportunities.create_opportunity(
                    uows, actor, sub, contact_id=contact_id, stage_id=stage_id or None,
                    follow_up=follow_up, **fields,
                )  # fmt: skip
                if status != info.status.value:
                    info = opportunities.set_status(uows, actor, sub, info.id, status,
                                                    lost_reason=reason)  # fmt: skip
                return info

            return create
        opportunity_id = self.existing.id
        changes = {**fields, "stage_id": stage_id}
        if status != self.existing.status.value or reason != self.existing.lost_reason:
            # Only a status the user chose: a move to a won or lost stage sets its own.
            changes.update(status=status, lost_reason=reason)
        if contact_id and contact_id != self.existing.contact_id:
            changes["contact_id"] = contact_id
        return lambda: opportunities.update_opportunity(uows, actor, sub, opportunity_id, changes)
