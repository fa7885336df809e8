"""The status bar: one entry per embedded service (database, event bus, ...) and a
"Working…" note while background operations run."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from ghl_desktop.ui.ops import OpRunner
from ghl_desktop.ui.service_status import ServiceState, ServiceStatusRegistry


class _ServiceEntry(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.text = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)

    def show_state(self, state: ServiceState) -> None:
        self.dot.setProperty("level", state.level.value)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)
        self.text.setText(f"{state.label}: {state.text}")
        self.setToolTip(f"{state.label} ({state.level.value})\n{state.detail}".strip())


class ServiceStatusBar(QStatusBar):
    def __init__(
        self, registry: ServiceStatusRegistry, ops: OpRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ServiceStatusBar")
        self.setSizeGripEnabled(False)
        self._entries: dict[str, _ServiceEntry] = {}
        self.busy_label = QLabel("Working…")
        self.busy_label.setProperty("role", "muted")
        self.busy_label.setVisible(not ops.idle)
        self.addPermanentWidget(self.busy_label)
        for state in registry.states():
            self._show(state)
        registry.changed.connect(self._show)
        ops.busy_changed.connect(self.busy_label.setVisible)

    def entry_text(self, key: str) -> str:
        entry = self._entries.get(key)
        return entry.text.text() if entry else ""

    def _show(self, state: ServiceState) -> None:
        entry = self._entries.get(state.key)
        if entry is None:
            entry = _ServiceEntry(self)
            entry.setObjectName(f"service-{state.key}")
            self._entries[state.key] = entry
            self.addWidget(entry)
        entry.show_state(state)
