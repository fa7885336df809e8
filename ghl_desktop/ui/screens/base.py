"""The base of every screen: refresh when shown, and only then.

A screen says which changes concern it (``concerns``) and how to reload (``refresh``). A change
while the screen is hidden only marks it stale; it reloads the next time it is shown, so hidden
screens cost no queries.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot


class Screen(QWidget):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__()
        self.ctx = ctx
        self.workspace = workspace
        self._stale = True
        workspace.changed.connect(self._on_workspace_changed)
        ctx.bridge.data_changed.connect(self._on_data_changed)

    @property
    def snapshot(self) -> WorkspaceSnapshot | None:
        return self.workspace.snapshot

    # -- what subclasses provide ---------------------------------------------------------
    def refresh(self) -> None:
        """Reload what the screen shows (through a ReadOp)."""
        raise NotImplementedError

    def concerns(self, change: Change) -> bool:  # noqa: ARG002 (for overrides)
        return False

    def workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        """Adjust to a new agency, sub-account or permissions (before the refresh)."""

    # -- plumbing ------------------------------------------------------------------------
    def request_refresh(self) -> None:
        if self.snapshot is not None and self.isVisible():
            self._stale = False
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self.snapshot is not None:
            self._stale = False
            self.refresh()

    def _on_workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        self.workspace_changed(snapshot)
        self.request_refresh()

    def _on_data_changed(self, change: Change) -> None:
        if self.snapshot is not None and self.concerns(change):
            self.request_refresh()
