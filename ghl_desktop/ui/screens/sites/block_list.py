"""The page's blocks in order: add one of the builder's block types, remove, move up/down.
Sections and columns keep their inner blocks in their properties."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.sites.blocks import CATALOGUE, default_block


def describe(block: dict[str, Any]) -> str:
    spec = CATALOGUE.get(str(block.get("type")))
    props = block.get("props") or {}
    label = spec.label if spec else str(block.get("type"))
    summary = next((str(props[k]) for k in ("title", "text", "label", "quote", "src", "url")
                    if props.get(k)), "")  # fmt: skip
    summary = " ".join(summary.split())
    return f"{label} — {summary[:50]}" if summary else label


class BlockList(QWidget):
    current_changed = Signal(int)  # index, -1 for none
    blocks_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blocks: list[dict[str, Any]] = []
        self.forms: list[tuple[str, str]] = []
        self.surveys: list[tuple[str, str]] = []
        self.list = QListWidget()
        self.list.setObjectName("BlockList")
        self.list.setAccessibleName("Blocks of the page")
        self.list.currentRowChanged.connect(self.current_changed.emit)
        self.add_button = QToolButton()
        self.add_button.setObjectName("AddBlock")
        self.add_button.setText("Add block")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for kind, spec in CATALOGUE.items():
            action = QAction(spec.label, menu)
            action.setObjectName(f"add-{kind}")
            action.setToolTip(spec.description)
            action.triggered.connect(lambda _checked=False, k=kind: self.add(k))
            menu.addAction(action)
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("RemoveBlock")
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button = QPushButton("Up")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("Down")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        buttons = QHBoxLayout()
        for widget in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)

    def set_blocks(self, blocks: list[dict[str, Any]]) -> None:
        self.blocks = [dict(b) for b in blocks]
        self._fill(0 if self.blocks else -1)

    def _fill(self, current: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([describe(b) for b in self.blocks])
        self.list.blockSignals(False)
        self.list.setCurrentRow(current)
        self.current_changed.emit(current)

    def add(self, kind: str) -> None:
        given: dict[str, Any] = {}
        if kind == "form":
            given["form_id"] = self.forms[0][0] if self.forms else ""
        if kind == "survey":
            given["survey_id"] = self.surveys[0][0] if self.surveys else ""
        at = self.list.currentRow() + 1 if self.list.currentRow() >= 0 else len(self.blocks)
        self.blocks.insert(at, default_block(kind, **given))
        self._fill(at)
        self.blocks_changed.emit()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            del self.blocks[row]
            self._fill(min(row, len(self.blocks) - 1))
            self.blocks_changed.emit()

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < len(self.blocks):
            return
        self.blocks[row], self.blocks[target] = self.blocks[target], self.blocks[row]
        self._fill(target)
        self.blocks_changed.emit()

    def update_current(self, props: dict[str, Any]) -> None:
        """The property panel changed the current block."""
        row = self.list.currentRow()
        if row < 0:
            return
        self.blocks[row] = {**self.blocks[row], "props": props}
        item = self.list.item(row)
        if item is not None:
            item.setText(describe(self.blocks[row]))
        self.blocks_changed.emit()
