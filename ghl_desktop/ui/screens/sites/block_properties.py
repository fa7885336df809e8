"""The property panel of the block being edited: one editor per property of its type.

Text goes in line edits, paragraphs and HTML in text areas, choices in combo boxes, numbers
in spin boxes, forms and surveys are picked by name; lists (pricing plans, features, nested
blocks of sections and columns) are edited as JSON. Values are checked by the service when the
page is saved; JSON that does not parse is marked here and not passed on.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.sites.blocks import CATALOGUE
from ghl_desktop.services.sites.props import Kind, Prop

JSON_KINDS = {Kind.ITEMS, Kind.STRINGS, Kind.BLOCKS, Kind.COLUMNS}
TEXT_AREAS = {Kind.LONG_TEXT: 70, Kind.RICH_TEXT: 140, Kind.TEMPLATE: 180}


class BlockProperties(QWidget):
    changed = Signal(object)  # the block's props (dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Pick a block to edit it")
        self.title.setProperty("role", "subheading")
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.editors: dict[str, QWidget] = {}
        self.props: dict[str, Any] = {}
        self.specs: tuple[Prop, ...] = ()
        self.forms: list[tuple[str, str]] = []
        self.surveys: list[tuple[str, str]] = []
        self._loading = False

    def clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self.specs = ()
        self.title.setText("Pick a block to edit it")
        self.hint.clear()

    def edit(self, block: dict[str, Any] | None) -> None:
        self.clear()
        if block is None:
            return
        spec = CATALOGUE.get(str(block.get("type")))
        if spec is None:
            return
        self._loading = True
        self.title.setText(spec.label)
        self.hint.setText(spec.description)
        self.specs = spec.props
        self.props = dict(block.get("props") or {})
        for prop in spec.props:
            editor = self._editor(prop, self.props.get(prop.name, prop.empty()))
            editor.setObjectName(f"prop-{prop.name}")
            self.editors[prop.name] = editor
            self.form.addRow(prop.title, editor)
        self._loading = False

    # -- editors ----------------------------------------------------------------------------
    def _editor(self, prop: Prop, value: Any) -> QWidget:
        if prop.kind in JSON_KINDS:
            area = QPlainTextEdit(json.dumps(value or [], indent=2, ensure_ascii=False))
            area.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            area.setFixedHeight(150)
            area.textChanged.connect(self._emit)
            return area
        if prop.kind in TEXT_AREAS:
            area = QPlainTextEdit(str(value or ""))
            area.setFixedHeight(TEXT_AREAS[prop.kind])
            if prop.kind is Kind.TEMPLATE:
                area.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            area.textChanged.connect(self._emit)
            return area
        if prop.kind is Kind.CHOICE:
            combo = QComboBox()
            combo.addItems(list(prop.choices))
            combo.setCurrentText(str(value or prop.default or ""))
            combo.currentTextChanged.connect(self._emit)
            return combo
        if prop.kind in (Kind.FORM, Kind.SURVEY):
            combo = QComboBox()
            for item_id, name in self.forms if prop.kind is Kind.FORM else self.surveys:
                combo.addItem(name, item_id)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self._emit)
            return combo
        if prop.kind is Kind.INT:
            spin = QSpinBox()
            spin.setRange(prop.low, prop.high)
            spin.setValue(int(value if value is not None else prop.default or prop.low))
            spin.valueChanged.connect(self._emit)
            return spin
        line = QLineEdit(str(value or ""))
        line.setPlaceholderText({Kind.HREF: "https://… or /funnel/step", Kind.SRC: "https://…",
                                 Kind.COLOUR: "#1A2B3C", Kind.DATETIME: "2030-01-01T18:00"}
                                .get(prop.kind, ""))  # fmt: skip
        line.textChanged.connect(self._emit)
        return line

    def _read(self, prop: Prop, editor: QWidget) -> tuple[bool, Any]:
        if isinstance(editor, QPlainTextEdit):
            text = editor.toPlainText()
            if prop.kind not in JSON_KINDS:
                return True, text
            try:
                return True, json.loads(text or "[]")
            except ValueError:
                return False, None
        if isinstance(editor, QComboBox):
            if prop.kind in (Kind.FORM, Kind.SURVEY):
                return True, editor.currentData() or ""
            return True, editor.currentText()
        if isinstance(editor, QSpinBox):
            return True, editor.value()
        assert isinstance(editor, QLineEdit)
        return True, editor.text()

    def _emit(self) -> None:
        if self._loading:
            return
        props = dict(self.props)
        valid = True
        for prop in self.specs:
            editor = self.editors[prop.name]
            ok, value = self._read(prop, editor)
            editor.setProperty("invalid", not ok)
            editor.style().unpolish(editor)
            editor.style().polish(editor)
            if ok:
                props[prop.name] = value
            valid = valid and ok
        if valid:
            self.props = props
            self.changed.emit(props)
