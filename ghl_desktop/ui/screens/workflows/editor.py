"""The workflow editor: a tab per concern of the selected workflow.

Built-in tabs: "Builder" (the tree), "Versions", "Settings". Other parts add tabs with
``register_extra_tab(title, factory)``; the runtime's panels do so from modules of this package
named ``executions_*.py`` or ``dry_run_*.py``, which the editor imports on first use (so they
plug in without editing this file)::

    # ui/screens/workflows/executions_panel.py
    from ghl_desktop.ui.screens.workflows.editor import register_extra_tab

    class ExecutionsPanel(QWidget):
        def show_workflow(self, snapshot: WorkspaceSnapshot, workflow_id: str | None) -> None:
            ...  # load with a ReadOp; workflow_id None = nothing selected

    register_extra_tab("Executions", ExecutionsPanel)  # called as ExecutionsPanel(ctx)

Every extra tab is told the selected workflow whenever it changes or its data reloads.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.screens.workflows.builder import BuilderPanel
from ghl_desktop.ui.screens.workflows.editor_data import EditorData
from ghl_desktop.ui.screens.workflows.settings_tab import WorkflowSettingsTab
from ghl_desktop.ui.screens.workflows.versions_panel import VersionsPanel
from ghl_desktop.ui.workspace import WorkspaceSnapshot

log = logging.getLogger(__name__)

PLUGIN_PREFIXES = ("executions_", "dry_run_")


@runtime_checkable
class WorkflowTab(Protocol):
    def show_workflow(self, snapshot: WorkspaceSnapshot, workflow_id: str | None) -> None: ...


ExtraTabFactory = Callable[[UiContext], QWidget]
_EXTRA_TABS: list[tuple[str, ExtraTabFactory]] = []
_plugins_loaded = False


def register_extra_tab(title: str, factory: ExtraTabFactory) -> None:
    """Add a tab to every workflow editor made from now on. ``factory(ctx)`` returns a QWidget
    with a ``show_workflow(snapshot, workflow_id)`` method. Registering a title twice keeps
    the first (modules may be imported more than once in tests)."""
    if any(existing == title for existing, _ in _EXTRA_TABS):
        return
    _EXTRA_TABS.append((title, factory))


def extra_tabs() -> list[tuple[str, ExtraTabFactory]]:
    _load_plugins()
    return list(_EXTRA_TABS)


def _load_plugins() -> None:
    """Import this package's executions_*/dry_run_* modules: they register their tabs."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    package = importlib.import_module(__package__ or "ghl_desktop.ui.screens.workflows")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith(PLUGIN_PREFIXES):
            try:
                importlib.import_module(f"{package.__name__}.{info.name}")
            except Exception:  # a broken plug-in must not take the editor down
                log.exception("workflow editor tab %s failed to load", info.name)


class WorkflowEditor(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.title = QLabel("No workflow selected")
        self.title.setObjectName("WorkflowTitle")
        self.title.setProperty("role", "subheading")
        self.builder = BuilderPanel(ctx)
        self.versions = VersionsPanel(ctx)
        self.settings = WorkflowSettingsTab(ctx)
        for panel in (self.builder, self.versions, self.settings):
            panel.changed.connect(self.changed.emit)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("WorkflowTabs")
        self.tabs.addTab(self.builder, "Builder")
        self.tabs.addTab(self.versions, "Versions")
        self.tabs.addTab(self.settings, "Settings")
        self.extra: list[QWidget] = []
        for title, factory in extra_tabs():
            try:
                widget = factory(ctx)
            except Exception:
                log.exception("workflow editor tab %r failed to open", title)
                continue
            self.extra.append(widget)
            self.tabs.addTab(widget, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        self.setEnabled(False)

    def show_data(self, snapshot: WorkspaceSnapshot, data: EditorData) -> None:
        self.setEnabled(True)
        self.title.setText(data.summary.name)
        self.builder.show_data(snapshot, data)
        self.versions.show_data(snapshot, data)
        self.settings.show_data(snapshot, data)
        self._tell_extra(snapshot, data.workflow_id)

    def show_nothing(self, snapshot: WorkspaceSnapshot | None) -> None:
        self.title.setText("No workflow selected")
        self.setEnabled(False)
        if snapshot is not None:
            self._tell_extra(snapshot, None)

    def _tell_extra(self, snapshot: WorkspaceSnapshot, workflow_id: str | None) -> None:
        for widget in self.extra:
            if isinstance(widget, WorkflowTab):
                widget.show_workflow(snapshot, workflow_id)
