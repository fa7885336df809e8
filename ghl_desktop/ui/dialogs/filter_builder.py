"""Build a contact filter: nested AND/OR groups of conditions over standard fields, custom
fields and tags. Apply it to the list, count its matches, or save it as a smart list.

The caller passes how to count and how to save (service calls built from a ``Group``); both run
in the background and their errors are shown inside the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import DomainError
from ghl_desktop.services.smart_lists.filters import Group
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.filter_fields import filter_fields
from ghl_desktop.ui.widgets.filter_group import GroupBox

CountCall = Callable[[Group], Callable[[], int]]
SaveCall = Callable[[str, bool, Group], Callable[[], object]]


class FilterBuilderDialog(QDialog):
    applied = Signal(object)  # Group
    saved = Signal(object)  # what the save call returned

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, lookups: CrmLookups, *,
        initial: Group | None = None, count_call: CountCall | None = None,
        save_call: SaveCall | None = None, name: str = "", shared: bool = False,
        title: str = "Filter contacts",
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 520)
        self._count_call = count_call
        self._save_call = save_call
        self.root = GroupBox(filter_fields(lookups))
        if initial is not None and initial.conditions:
            self.root.set_group(initial)
        else:
            self.root.add_condition()
        # The conditions sit under "Match", not floating in the middle of the empty space.
        root_layout = self.root.layout()
        if root_layout is not None:
            cast(QVBoxLayout, root_layout).addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.root)
        self.count_button = QPushButton("Count matches")
        self.count_label = QLabel()
        self.count_label.setObjectName("FilterCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_button.setVisible(count_call is not None)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_button)
        count_row.addWidget(self.count_label, 1)
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("SmartListName")
        self.name_edit.setPlaceholderText("Smart list name, e.g. VIPs in New York")
        self.shared_check = QCheckBox("Share with everyone in the sub-account")
        self.shared_check.setChecked(shared)
        self.save_button = QPushButton("Save as smart list")
        self.save_button.setObjectName("SaveSmartList")
        save_row = QHBoxLayout()
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.shared_check)
        save_row.addWidget(self.save_button)
        save_box = QWidget()
        save_box.setLayout(save_row)
        save_box.setVisible(save_call is not None)
        self.error_label = QLabel()
        self.error_label.setObjectName("FormError")
        self.error_label.setProperty("role", "error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel
        )
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText("Apply to the list")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(count_row)
        layout.addWidget(save_box)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.count_button.clicked.connect(self.count)
        self.save_button.clicked.connect(self.save)

    def _group(self) -> Group | None:
        self.error_label.setVisible(False)
        try:
            return self.root.group()
        except DomainError as exc:
            self.show_error(exc)
            return None

    def show_error(self, error: Exception) -> None:
        self.error_label.setText(describe_error(error))
        self.error_label.setVisible(True)
        self.save_button.setEnabled(True)

    def apply(self) -> None:
        group = self._group()
        if group is not None:
            self.applied.emit(group)
            self.accept()

    def count(self) -> None:
        group = self._group()
        if group is None or self._count_call is None:
            return
        self.count_label.setText("Counting…")
        ReadOp(self.ctx.ops, self, self._count_call(group), key="count").success(
            lambda n: self.count_label.setText(f"{n:,} contacts match")
        ).failure(self._count_failed).run()

    def _count_failed(self, error: Exception) -> None:
        self.count_label.clear()
        self.show_error(error)

    def save(self) -> None:
        group = self._group()
        if group is None or self._save_call is None:
            return
        call = self._save_call(self.name_edit.text(), self.shared_check.isChecked(), group)
        self.save_button.setEnabled(False)
        WriteOp(self.ctx.ops, self, call).changes("smart_list").success(self._saved).failure(
            self.show_error
        ).run()

    def _saved(self, result: object) -> None:
        self.saved.emit(result)
        self.accept()
