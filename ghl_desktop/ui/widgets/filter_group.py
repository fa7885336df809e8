"""The filter builder's parts: a condition row (field, operator, value) and a group of rows and
nested groups joined by AND ("all of") or OR ("any of"), as deep as the smart-list model
allows."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.smart_lists.filters import MAX_DEPTH, Condition, Group
from ghl_desktop.ui.widgets.filter_fields import OPERATOR_LABELS, FilterField, operators_for
from ghl_desktop.ui.widgets.filter_value import FilterValueEditor


class ConditionRow(QWidget):
    remove_requested = Signal(QWidget)

    def __init__(self, fields: list[FilterField], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterCondition")
        self.fields = {f.key: f for f in fields}
        self.field_combo = QComboBox()
        self.field_combo.setAccessibleName("Field")
        for f in fields:
            self.field_combo.addItem(f.label, f.key)
        self.operator_combo = QComboBox()
        self.operator_combo.setAccessibleName("Operator")
        self.value_editor = FilterValueEditor()
        self.remove_button = QPushButton("✕")
        self.remove_button.setToolTip("Remove this condition")
        self.remove_button.setFixedWidth(30)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field_combo, 2)
        layout.addWidget(self.operator_combo, 2)
        layout.addWidget(self.value_editor, 3)
        layout.addWidget(self.remove_button)
        self.field_combo.currentIndexChanged.connect(self._field_changed)
        self.operator_combo.currentIndexChanged.connect(self._operator_changed)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self._field_changed()

    @property
    def field(self) -> FilterField:
        return self.fields[str(self.field_combo.currentData())]

    @property
    def operator(self) -> str:
        return str(self.operator_combo.currentData())

    def _field_changed(self) -> None:
        self.operator_combo.blockSignals(True)
        self.operator_combo.clear()
        for op in operators_for(self.field.kind):
            self.operator_combo.addItem(OPERATOR_LABELS[op], op)
        self.operator_combo.blockSignals(False)
        self.value_editor.kind = "none"  # rebuild: the options differ per field
        self._operator_changed()

    def _operator_changed(self) -> None:
        self.value_editor.configure(self.field, self.operator)

    def condition(self) -> Condition:
        value = self.value_editor.value()
        if self.value_editor.kind == "text" and value == "":
            raise ValidationError(f"filter.{self.field.key}", "give a value")
        return Condition(self.field.key, self.operator, value)

    def set_condition(self, condition: Condition) -> None:
        index = self.field_combo.findData(condition.field)
        if index < 0:
            raise ValidationError(f"filter.{condition.field}", "is not a field of this list")
        self.field_combo.blockSignals(True)
        self.field_combo.setCurrentIndex(index)
        self.field_combo.blockSignals(False)
        self._field_changed()
        op = self.operator_combo.findData(condition.operator)
        if op < 0:
            raise ValidationError(
                f"filter.{condition.field}", f"operator {condition.operator!r} does not apply"
            )
        self.operator_combo.setCurrentIndex(op)
        self._operator_changed()
        self.value_editor.set_value(condition.value)


class GroupBox(QFrame):
    """A group of conditions; the root group cannot be removed."""

    remove_requested = Signal(QWidget)

    def __init__(
        self, fields: list[FilterField], depth: int = 1, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("FilterGroup")
        self.setProperty("role", "card")
        self.fields = fields
        self.level = depth
        self.op_combo = QComboBox()
        self.op_combo.setAccessibleName("Match")
        self.op_combo.addItem("all of these (AND)", "and")
        self.op_combo.addItem("any of these (OR)", "or")
        self.add_condition_button = QPushButton("+ Condition")
        self.add_group_button = QPushButton("+ Group")
        self.add_group_button.setEnabled(depth < MAX_DEPTH)
        self.remove_button = QPushButton("Remove group")
        self.remove_button.setVisible(depth > 1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Match"))
        top.addWidget(self.op_combo)
        top.addStretch(1)
        top.addWidget(self.add_condition_button)
        top.addWidget(self.add_group_button)
        top.addWidget(self.remove_button)
        self.items_layout = QVBoxLayout()
        self.items_layout.setSpacing(6)
        self.empty_label = QLabel("No conditions: every contact matches.")
        self.empty_label.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addLayout(self.items_layout)
        self.items: list[ConditionRow | GroupBox] = []
        self.add_condition_button.clicked.connect(lambda: self.add_condition())
        self.add_group_button.clicked.connect(lambda: self.add_group())
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def add_condition(self, condition: Condition | None = None) -> ConditionRow:
        row = ConditionRow(self.fields)
        if condition is not None:
            row.set_condition(condition)
        self._add(row)
        return row

    def add_group(self, group: Group | None = None) -> GroupBox:
        if self.level >= MAX_DEPTH:
            raise ValidationError("filter", f"groups nest at most {MAX_DEPTH} deep")
        box = GroupBox(self.fields, self.level + 1)
        if group is not None:
            box.set_group(group)
        else:
            box.add_condition()
        self._add(box)
        return box

    def _add(self, item: ConditionRow | GroupBox) -> None:
        item.remove_requested.connect(self._remove)
        self.items.append(item)
        self.items_layout.addWidget(item)
        self.empty_label.setVisible(False)

    def _remove(self, item: QWidget) -> None:
        if item in self.items:
            self.items.remove(item)
            self.items_layout.removeWidget(item)
            item.deleteLater()
        self.empty_label.setVisible(not self.items)

    def clear(self) -> None:
        for item in list(self.items):
            self._remove(item)

    def group(self) -> Group:
        """The group as the smart-list model has it (ValidationError names a bad condition)."""
        parts = tuple(
            item.group() if isinstance(item, GroupBox) else item.condition() for item in self.items
        )
        return Group(str(self.op_combo.currentData()), parts)

    def set_group(self, group: Group) -> None:
        self.clear()
        self.op_combo.setCurrentIndex(max(0, self.op_combo.findData(group.op)))
        for item in group.conditions:
            if isinstance(item, Group):
                self.add_group(item)
            else:
                self.add_condition(item)
