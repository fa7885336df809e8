"""The if/else conditions editor in the builder's narrow settings panel."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from ghl_desktop.ui.screens.workflows.conditions_editor import ConditionsEditor


def test_columns_fit_and_unary_operators_take_no_value(qtbot: QtBot) -> None:
    editor = ConditionsEditor(["tags", "context.opened_email"], ["VIP"])
    qtbot.addWidget(editor)
    editor.resize(320, 240)
    editor.show()
    qtbot.waitExposed(editor)
    editor.set_conditions([{"field": "context.opened_email", "operator": "is_true"},
                           {"field": "tags", "operator": "has_tag", "value": "VIP"}])  # fmt: skip
    assert editor.table.horizontalScrollBar().maximum() == 0
    value = editor.table.cellWidget(0, 2)
    assert isinstance(value, QLineEdit)
    assert not value.isEnabled()
    assert value.placeholderText() == "no value needed"
    operator = editor.table.cellWidget(0, 1)
    assert isinstance(operator, QComboBox)
    operator.setCurrentText("equals")
    assert value.isEnabled()
    assert editor.conditions()[1] == {"field": "tags", "operator": "has_tag", "value": "VIP"}
