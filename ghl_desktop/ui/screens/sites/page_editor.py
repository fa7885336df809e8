"""The page editor: the block list, the property panel of the chosen block and a live preview
served by the embedded funnel server - or, for pages written by hand, their HTML, CSS and JS.

Edits are saved to the draft a moment after they stop (then the preview refreshes); visitors
see nothing of it until Publish, which snapshots the draft as the next version. Versions lists
every published version; reverting makes one live again and loads it into the draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.sites import PageEditor as EditorKind
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.sites import forms, pages, surveys
from ghl_desktop.services.sites.forms import FormInfo
from ghl_desktop.services.sites.pages import PageDetail, PageVersionInfo
from ghl_desktop.services.sites.surveys import SurveyInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.screens.sites.block_list import BlockList
from ghl_desktop.ui.screens.sites.block_properties import BlockProperties
from ghl_desktop.ui.screens.sites.preview_pane import PreviewPane
from ghl_desktop.ui.workspace import WorkspaceSnapshot

AUTOSAVE_MS = 1200


@dataclass(frozen=True)
class EditorData:
    page: PageDetail
    forms: list[FormInfo]
    surveys: list[SurveyInfo]


def load_editor(uows: UnitOfWorkFactory, actor: Actor, sub: str, page_id: str) -> EditorData:
    return EditorData(
        pages.get_page(uows, actor, sub, page_id),
        forms.list_forms(uows, actor, sub),
        surveys.list_surveys(uows, actor, sub),
    )


def _code_area(name: str) -> QPlainTextEdit:
    area = QPlainTextEdit()
    area.setObjectName(name)
    area.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return area


class PageEditorDialog(QDialog):
    saved = Signal(object)  # PageDetail

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot, page_id: str
    ) -> None:
        super().__init__(parent)
        self.ctx, self.snapshot, self.page_id = ctx, snapshot, page_id
        self.sub = snapshot.sub_account.id if snapshot.sub_account else ""
        self.detail: PageDetail | None = None
        self.setWindowTitle("Page editor")
        self.resize(1400, 860)
        self.name, self.slug = QLineEdit(), QLineEdit()
        self.name.setObjectName("PageName")
        self.slug.setObjectName("PageSlug")
        self.seo_title, self.seo_description, self.seo_image = QLineEdit(), QLineEdit(), QLineEdit()
        self.seo_title.setObjectName("SeoTitle")
        self.mode = QComboBox()
        self.mode.setObjectName("EditorMode")
        self.mode.addItem("Blocks", EditorKind.BUILDER)
        self.mode.addItem("My own HTML/CSS/JS", EditorKind.HTML)
        details = QFormLayout()
        for label, widget in (
            ("Name", self.name),
            ("Address", self.slug),
            ("Built with", self.mode),
            ("SEO title", self.seo_title),
            ("SEO description", self.seo_description),
            ("Social image URL", self.seo_image),
        ):
            details.addRow(label, widget)
        self.blocks = BlockList()
        self.properties = BlockProperties()
        builder = QSplitter(Qt.Orientation.Horizontal)
        builder.addWidget(self.blocks)
        builder.addWidget(self.properties)
        self.html, self.css, self.js = (
            _code_area("HtmlCode"),
            _code_area("CssCode"),
            _code_area("JsCode"),
        )
        code = QTabWidget()
        for area, title in ((self.html, "HTML"), (self.css, "CSS"), (self.js, "JavaScript")):
            code.addTab(area, title)
        self.stack = QStackedWidget()
        self.stack.addWidget(builder)
        self.stack.addWidget(code)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(details)
        left_layout.addWidget(self.stack, 1)
        self.preview = PreviewPane(ctx)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setSizes([760, 640])
        self.status = QLabel()
        self.status.setObjectName("EditorStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save draft")
        self.save_button.setObjectName("SaveDraft")
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("PublishPage")
        self.versions_button = QToolButton()
        self.versions_button.setObjectName("Versions")
        self.versions_button.setText("Versions")
        self.versions_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.versions_button.setMenu(QMenu(self.versions_button))
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        for button in (self.versions_button, self.save_button, self.publish_button):
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.timeout.connect(self.save)
        self._loading = True
        self.blocks.current_changed.connect(self._block_chosen)
        self.blocks.blocks_changed.connect(self._edited)
        self.properties.changed.connect(self._props_changed)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        for line in (self.name, self.slug, self.seo_title, self.seo_description, self.seo_image):
            line.textChanged.connect(self._edited)
        for area in (self.html, self.css, self.js):
            area.textChanged.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.publish_button.clicked.connect(self.publish)
        can_publish = snapshot.can("sites.publish")
        for button in (self.save_button, self.publish_button, self.versions_button):
            button.setEnabled(can_publish)
        uows, actor, sub = ctx.uows, snapshot.actor, self.sub
        ReadOp(ctx.ops, self, lambda: load_editor(uows, actor, sub, page_id)).success(
            self._loaded
        ).run()

    # -- loading ----------------------------------------------------------------------------
    def _loaded(self, data: EditorData) -> None:
        self.blocks.forms = self.properties.forms = [(f.id, f.name) for f in data.forms]
        self.blocks.surveys = self.properties.surveys = [(s.id, s.name) for s in data.surveys]
        self._show(data.page)

    def _show(self, page: PageDetail) -> None:
        self._loading = True
        self.detail = page
        self.setWindowTitle(f"Page editor · {page.name}")
        self.name.setText(page.name)
        self.slug.setText(page.slug)
        self.seo_title.setText(page.seo_title)
        self.seo_description.setText(page.seo_description)
        self.seo_image.setText(page.seo_image_url)
        self.mode.setCurrentIndex(0 if page.editor is EditorKind.BUILDER else 1)
        self.stack.setCurrentIndex(self.mode.currentIndex())
        self.blocks.set_blocks(list(page.builder_json.get("blocks") or []))
        self.html.setPlainText(page.html)
        self.css.setPlainText(page.css)
        self.js.setPlainText(page.js)
        self._versions(page.versions)
        self._loading = False
        self._saved_state(page)

    def _versions(self, versions: tuple[PageVersionInfo, ...]) -> None:
        menu = self.versions_button.menu()
        menu.clear()
        for version in reversed(versions):
            stamp = version.published_at.astimezone().strftime("%Y-%m-%d %H:%M")
            action = QAction(
                f"v{version.version} · {stamp}" + (" (live)" if version.is_current else ""), menu
            )
            action.setObjectName(f"revert-{version.version}")
            action.triggered.connect(lambda _c=False, v=version.version: self.revert(v))
            menu.addAction(action)
        if not versions:
            menu.addAction("Not published yet").setEnabled(False)

    # -- editing ------------------------------------------------------------------------------
    def _block_chosen(self, row: int) -> None:
        self.properties.edit(
            self.blocks.blocks[row] if 0 <= row < len(self.blocks.blocks) else None
        )

    def _props_changed(self, props: dict[str, Any]) -> None:
        self.blocks.update_current(props)

    def _mode_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._edited()

    def _edited(self) -> None:
        if not self._loading and self.snapshot.can("sites.publish"):
            self.status.setText("Unsaved changes…")
            self._autosave.start(AUTOSAVE_MS)

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "slug": self.slug.text().strip(),
            "seo_title": self.seo_title.text(),
            "seo_description": self.seo_description.text(),
            "seo_image_url": self.seo_image.text(),
            "editor": self.mode.currentData(),
            "builder_json": {"blocks": self.blocks.blocks},
            "html": self.html.toPlainText(),
            "css": self.css.toPlainText(),
            "js": self.js.toPlainText(),
        }

    # -- saving, publishing, reverting ---------------------------------------------------------
    def save(self, then: Any = None) -> None:
        self._autosave.stop()
        uows, actor, sub, page_id, changes = (
            self.ctx.uows,
            self.snapshot.actor,
            self.sub,
            self.page_id,
            self.changes(),
        )

        def done(page: PageDetail) -> None:
            self._saved_state(page)
            self.saved.emit(page)
            if callable(then):
                then()

        WriteOp(
            self.ctx.ops, self, lambda: pages.update_page(uows, actor, sub, page_id, changes)
        ).changes("sites", sub_account_id=sub).success(done).failure(self._failed).run()

    def publish(self) -> None:
        uows, actor, sub, page_id = self.ctx.uows, self.snapshot.actor, self.sub, self.page_id

        def after_save() -> None:
            WriteOp(
                self.ctx.ops, self, lambda: pages.publish_page(uows, actor, sub, page_id)
            ).success(self._published).failure(self._failed).run()

        self.save(then=after_save)

    def revert(self, version: int) -> None:
        uows, actor, sub, page_id = self.ctx.uows, self.snapshot.actor, self.sub, self.page_id
        WriteOp(
            self.ctx.ops, self, lambda: pages.revert_page(uows, actor, sub, page_id, version)
        ).success(lambda page: self._reverted(page, version)).failure(self._failed).run()

    def _reverted(self, page: PageDetail, version: int) -> None:
        self._show(page)
        self.status.setText(f"v{version} is live again (and in the draft).")

    def _published(self, version: PageVersionInfo) -> None:
        self.status.setText(f"Published as v{version.version}: visitors see it now.")
        uows, actor, sub, page_id = self.ctx.uows, self.snapshot.actor, self.sub, self.page_id
        ReadOp(self.ctx.ops, self, lambda: pages.get_page(uows, actor, sub, page_id)).success(
            self._refreshed
        ).run()

    def _refreshed(self, page: PageDetail) -> None:
        self._versions(page.versions)
        self.saved.emit(page)

    def _saved_state(self, page: PageDetail) -> None:
        self.detail = page
        self.status.setProperty("role", "")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        live = f"v{page.published_version} is live" if page.published_version else "not published"
        pending = " · the draft has changes" if page.has_unpublished_changes else ""
        self.status.setText(f"Draft saved ({live}{pending}).")
        host = self.ctx.funnel_server
        self.preview.show_url(host.preview_url(page.id) if host is not None else None)

    def _failed(self, error: Exception) -> None:
        self.status.setText(describe_error(error))
        self.status.setProperty("role", "error")  # until the next successful save
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
