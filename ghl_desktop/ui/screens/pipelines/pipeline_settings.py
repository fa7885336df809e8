"""Pipeline settings: pick a pipeline, create or rename one, make it the default; its stages
in order with probability, kind and colour - add, edit, move up or down, delete (choosing
where the stage's opportunities go); and the opportunity fields (a second tab). Every change
is saved at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.pipelines import structure
from ghl_desktop.services.pipelines.structure import PipelineInfo, StageInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.screens.pipelines.fields_tab import FieldsTab
from ghl_desktop.ui.screens.pipelines.stage_forms import (
    DeleteStageDialog,
    PipelineNameDialog,
    StageFormDialog,
)
from ghl_desktop.ui.workspace import WorkspaceSnapshot

HEADERS = ("Stage", "Probability", "Kind", "Colour")


class PipelineSettingsDialog(QDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        pipeline_id: str | None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx, self.actor, self.sub_account_id = ctx, snapshot.actor, snapshot.sub_account.id
        self.setObjectName("PipelineSettings")
        self.setWindowTitle("Pipeline settings")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(680, 460)
        self.pipelines: list[PipelineInfo] = []
        self.wanted = pipeline_id
        self.picker = QComboBox()
        self.picker.setObjectName("SettingsPipeline")
        self.picker.setMinimumWidth(220)
        self.new_button = QPushButton("&New pipeline…")
        self.rename_button = QPushButton("&Rename…")
        self.default_button = QPushButton("Make &default")
        self.archive_button = QPushButton("Arc&hive")
        self.archive_button.setObjectName("ArchivePipeline")
        self.archive_button.setToolTip("Hide this pipeline; its deals and history stay")
        top = QHBoxLayout()
        for widget in (self.picker, self.new_button, self.rename_button, self.default_button,
                       self.archive_button):  # fmt: skip
            top.addWidget(widget)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("StageTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("&Add stage…")
        self.add_button.setObjectName("AddStage")
        self.edit_button = QPushButton("&Edit…")
        self.up_button = QPushButton("Move &up")
        self.up_button.setObjectName("StageUp")
        self.down_button = QPushButton("Move do&wn")
        self.down_button.setObjectName("StageDown")
        self.delete_button = QPushButton("De&lete…")
        self.delete_button.setObjectName("DeleteStage")
        side = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.up_button, self.down_button,
                       self.delete_button):  # fmt: skip
            side.addWidget(button)
        side.addStretch(1)
        stages_page = QWidget()
        middle = QHBoxLayout(stages_page)
        middle.addWidget(self.table, 1)
        middle.addLayout(side)
        stages_box = QVBoxLayout()
        stages_box.addLayout(top)
        stages_box.addWidget(stages_page, 1)
        stages_tab = QWidget()
        stages_tab.setLayout(stages_box)
        self.fields = FieldsTab(ctx, self.actor, self.sub_account_id)
        self.tabs = QTabWidget()
        self.tabs.addTab(stages_tab, "Pipelines and stages")
        self.tabs.addTab(self.fields, "Opportunity fields")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self.picker.currentIndexChanged.connect(lambda _i: self._show_stages())
        self.new_button.clicked.connect(lambda: self._open(PipelineNameDialog(
            ctx, self, self.actor, self.sub_account_id)))  # fmt: skip
        self.rename_button.clicked.connect(self._rename)
        self.default_button.clicked.connect(self._make_default)
        self.archive_button.clicked.connect(self._archive)
        self.add_button.clicked.connect(self._add_stage)
        self.edit_button.clicked.connect(self._edit_stage)
        self.table.itemDoubleClicked.connect(lambda _i: self._edit_stage())
        self.up_button.clicked.connect(lambda: self._shift(-1))
        self.down_button.clicked.connect(lambda: self._shift(1))
        self.delete_button.clicked.connect(self._delete_stage)
        self.reload()

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        uows, actor, sub = self.ctx.uows, self.actor, self.sub_account_id
        ReadOp(self.ctx.ops, self, lambda: structure.list_pipelines(uows, actor, sub),
               key="pipelines").success(self._show).run()  # fmt: skip

    def _show(self, pipelines: list[PipelineInfo]) -> None:
        keep = self.wanted or self.picker.currentData()
        self.pipelines = pipelines
        self.picker.blockSignals(True)
        self.picker.clear()
        for p in pipelines:
            self.picker.addItem(f"{p.name} (default)" if p.is_default else p.name, p.id)
        self.picker.setCurrentIndex(max(0, self.picker.findData(keep)))
        self.picker.blockSignals(False)
        self.wanted = None
        self._show_stages()

    def pipeline(self) -> PipelineInfo | None:
        return next((p for p in self.pipelines if p.id == self.picker.currentData()), None)

    def _show_stages(self, select: int | None = None) -> None:
        pipeline = self.pipeline()
        stages = pipeline.stages if pipeline else ()
        row = self.table.currentRow() if select is None else select
        self.table.setRowCount(len(stages))
        for index, stage in enumerate(stages):
            cells = (stage.name, f"{stage.probability} %", stage.kind.value.capitalize(),
                     stage.colour or "")  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and stage.colour:
                    item.setBackground(QColor(stage.colour))
                self.table.setItem(index, column, item)
        if stages:
            self.table.selectRow(max(0, min(row, len(stages) - 1)))
        self.default_button.setEnabled(pipeline is not None and not pipeline.is_default)
        self.archive_button.setEnabled(pipeline is not None and not pipeline.is_default)

    def selected_stage(self) -> StageInfo | None:
        pipeline, row = self.pipeline(), self.table.currentRow()
        if pipeline is None or not 0 <= row < len(pipeline.stages):
            return None
        return pipeline.stages[row]

    # -- actions ---------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> QDialog:
        dialog.succeeded.connect(lambda _r: self.reload())  # type: ignore[attr-defined]
        dialog.open()
        return dialog

    def _rename(self) -> None:
        if (pipeline := self.pipeline()) is not None:
            self._open(PipelineNameDialog(self.ctx, self, self.actor, self.sub_account_id,
                                          pipeline))  # fmt: skip

    def _make_default(self) -> None:
        pipeline = self.pipeline()
        if pipeline is None:
            return
        uows, actor, sub, pid = self.ctx.uows, self.actor, self.sub_account_id, pipeline.id
        WriteOp(self.ctx.ops, self, lambda: structure.set_default_pipeline(uows, actor, sub, pid)
                ).success(lambda _r: self.reload()).run()  # fmt: skip

    def _archive(self) -> None:
        pipeline = self.pipeline()
        if pipeline is None:
            return
        uows, actor, sub, pid = self.ctx.uows, self.actor, self.sub_account_id, pipeline.id
        WriteOp(self.ctx.ops, self, lambda: structure.archive_pipeline(uows, actor, sub, pid)
                ).success(lambda _r: self.reload()).run()  # fmt: skip

    def _add_stage(self) -> QDialog | None:
        pipeline = self.pipeline()
        if pipeline is None:
            return None
        return self._open(StageFormDialog(self.ctx, self, self.actor, self.sub_account_id,
                                          pipeline.id))  # fmt: skip

    def _edit_stage(self) -> QDialog | None:
        pipeline, stage = self.pipeline(), self.selected_stage()
        if pipeline is None or stage is None:
            return None
        return self._open(StageFormDialog(self.ctx, self, self.actor, self.sub_account_id,
                                          pipeline.id, stage))  # fmt: skip

    def _delete_stage(self) -> QDialog | None:
        pipeline, stage = self.pipeline(), self.selected_stage()
        if pipeline is None or stage is None:
            return None
        return self._open(DeleteStageDialog(self.ctx, self, self.actor, self.sub_account_id,
                                            pipeline, stage))  # fmt: skip

    def _shift(self, step: int) -> None:
        pipeline, row = self.pipeline(), self.table.currentRow()
        if pipeline is None or not 0 <= row + step < len(pipeline.stages) or row < 0:
            return
        ids = [s.id for s in pipeline.stages]
        ids[row], ids[row + step] = ids[row + step], ids[row]
        uows, actor, sub, pid = self.ctx.uows, self.actor, self.sub_account_id, pipeline.id
        self.table.selectRow(row + step)
        WriteOp(self.ctx.ops, self,
                lambda: structure.reorder_stages(uows, actor, sub, pid, ids)
                ).success(lambda _r: self.reload()).run()  # fmt: skip
