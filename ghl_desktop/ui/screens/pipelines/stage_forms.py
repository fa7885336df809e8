"""The small forms of pipeline settings: a stage (name, probability, kind, colour), deleting
a stage (and where its opportunities go), a pipeline's name; and the lost reason asked when a
deal is dropped on a lost stage."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox, QWidget

from ghl_desktop.models.pipelines import StageKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.pipelines import opportunities, structure
from ghl_desktop.services.pipelines.structure import PipelineInfo, StageInfo, StageInput
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog

NEW_PIPELINE_STAGES = (
    StageInput("New Lead", 10, StageKind.OPEN, "#3498DB"),
    StageInput("Qualified", 30, StageKind.OPEN, "#9B59B6"),
    StageInput("Won", 100, StageKind.WON, "#27AE60"),
    StageInput("Lost", 0, StageKind.LOST, "#C0392B"),
)


class StageFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, actor: Actor, sub_account_id: str,
        pipeline_id: str, existing: StageInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New stage" if existing is None else f"Stage “{existing.name}”"
        super().__init__(ctx, parent, title, "Add" if existing is None else "Save")
        self.setObjectName("StageForm")
        self.actor, self.sub_account_id, self.pipeline_id = actor, sub_account_id, pipeline_id
        self.existing = existing
        self.change_topics = ("pipeline",)
        self.name_edit = QLineEdit(existing.name if existing else "")
        self.name_edit.setObjectName("StageName")
        self.probability = QSpinBox()
        self.probability.setRange(0, 100)
        self.probability.setSuffix(" %")
        self.probability.setValue(existing.probability if existing else 10)
        self.kind = QComboBox()
        for kind in StageKind:
            self.kind.addItem(kind.value.capitalize(), kind.value)
        if existing is not None:
            self.kind.setCurrentIndex(self.kind.findData(existing.kind.value))
        self.colour = QLineEdit(existing.colour or "" if existing else "#3498DB")
        self.colour.setPlaceholderText("#RRGGBB")
        self.add_field("&Name", self.name_edit, "name")
        self.add_field("&Probability", self.probability, "probability")
        self.add_field("&Kind", self.kind, "kind")
        self.add_field("&Colour", self.colour, "colour")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        name, probability = self.name_edit.text(), self.probability.value()
        kind, colour = StageKind(self.kind.currentData()), self.colour.text()
        if self.existing is None:
            spec = StageInput(name, probability, kind, colour)
            pipeline_id = self.pipeline_id
            return lambda: structure.add_stage(uows, actor, sub, pipeline_id, spec)
        stage_id = self.existing.id
        return lambda: structure.update_stage(
            uows, actor, sub, stage_id, name=name, probability=probability, kind=kind,
            colour=colour,
        )  # fmt: skip


class DeleteStageDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, actor: Actor, sub_account_id: str,
        pipeline: PipelineInfo, stage: StageInfo,
    ) -> None:  # fmt: skip
        super().__init__(ctx, parent, f"Delete stage “{stage.name}”", "Delete stage")
        self.setObjectName("DeleteStageForm")
        self.actor, self.sub_account_id, self.stage = actor, sub_account_id, stage
        self.change_topics = ("pipeline", "opportunity")
        self.target = QComboBox()
        self.target.setObjectName("MoveToStage")
        for other in pipeline.stages:
            if other.id != stage.id:
                self.target.addItem(other.name, other.id)
        self.add_field("&Move its opportunities to", self.target, "move_to_stage_id")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        stage_id, target = self.stage.id, str(self.target.currentData() or "") or None
        return lambda: structure.delete_stage(uows, actor, sub, stage_id, move_to_stage_id=target)


class PipelineNameDialog(FormDialog):
    """A new pipeline (with starter stages to edit), or a new name for one."""

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, actor: Actor, sub_account_id: str,
        existing: PipelineInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New pipeline" if existing is None else f"Rename “{existing.name}”"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Rename")
        self.setObjectName("PipelineNameForm")
        self.actor, self.sub_account_id, self.existing = actor, sub_account_id, existing
        self.change_topics = ("pipeline",)
        self.name_edit = QLineEdit(existing.name if existing else "")
        self.name_edit.setObjectName("PipelineName")
        self.add_field("&Name", self.name_edit, "name")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub, name = (
            self.ctx.uows,
            self.actor,
            self.sub_account_id,
            self.name_edit.text(),
        )
        if self.existing is None:
            return lambda: structure.create_pipeline(uows, actor, sub, name, NEW_PIPELINE_STAGES)
        pipeline_id = self.existing.id
        return lambda: structure.rename_pipeline(uows, actor, sub, pipeline_id, name)


class LostReasonDialog(FormDialog):
    """Dropping a deal on a lost stage asks why (the move happens on OK; Cancel leaves the
    deal where it was)."""

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, actor: Actor, sub_account_id: str,
        opportunity_id: str, stage: StageInfo,
    ) -> None:  # fmt: skip
        super().__init__(ctx, parent, f"Move to “{stage.name}”", "Mark lost")
        self.setObjectName("LostReasonForm")
        self.actor, self.sub_account_id = actor, sub_account_id
        self.opportunity_id, self.stage = opportunity_id, stage
        self.change_topics = ("opportunity",)
        self.reason = QLineEdit()
        self.reason.setObjectName("LostReasonInput")
        self.reason.setPlaceholderText("e.g. went with a competitor")
        self.add_field("Why was it &lost?", self.reason, "lost_reason")

    def operation(self) -> Callable[[], object]:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        opportunity_id, stage_id, reason = self.opportunity_id, self.stage.id, self.reason.text()
        return lambda: opportunities.move_opportunity(
            uows, actor, sub, opportunity_id, stage_id, lost_reason=reason
        )
