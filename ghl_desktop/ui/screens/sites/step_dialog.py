"""Add a step (a page) to a funnel: its name, address and kind."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ghl_desktop.models.sites import PageEditor, PageType
from ghl_desktop.services.sites import funnels
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class StepDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot, funnel_id: str
    ) -> None:
        super().__init__(ctx, parent, "New step", "Add step")
        self.snapshot = snapshot
        self.funnel_id = funnel_id
        self.change_topics = ("sites",)
        self.name = QLineEdit()
        self.name.setObjectName("StepName")
        self.name.setPlaceholderText("e.g. Thank you")
        self.slug = QLineEdit()
        self.slug.setObjectName("StepSlug")
        self.slug.setPlaceholderText("made from the name when empty")
        self.page_type = QComboBox()
        for kind in PageType:
            self.page_type.addItem(kind.value.replace("_", " ").capitalize(), kind)
        self.page_type.setCurrentIndex(list(PageType).index(PageType.STANDARD))
        self.editor = QComboBox()
        self.editor.addItem("Blocks (builder)", PageEditor.BUILDER)
        self.editor.addItem("My own HTML/CSS/JS", PageEditor.HTML)
        self.add_field("Name", self.name, "name")
        self.add_field("Address", self.slug, "slug")
        self.add_field("Kind", self.page_type)
        self.add_field("Built with", self.editor)

    def operation(self) -> Callable[[], object]:
        uows, actor, funnel_id = self.ctx.uows, self.snapshot.actor, self.funnel_id
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        name, slug = self.name.text(), self.slug.text().strip() or None
        kind, editor = self.page_type.currentData(), self.editor.currentData()
        return lambda: funnels.add_step(
            uows, actor, sub, funnel_id, name, slug_text=slug, page_type=kind, editor=editor
        )
