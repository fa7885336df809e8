"""Merge two contacts: for every field where they differ, choose which value the merged
contact keeps. The other contact's notes, tasks, messages and the rest move over, and it is
deleted (restorable); the merge is logged in the activity."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services import contact_merge
from ghl_desktop.services.contact_merge import MergePreview
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp, describe_error
from ghl_desktop.ui.widgets.filter_fields import FIELD_LABELS
from ghl_desktop.ui.workspace import WorkspaceSnapshot


def _value(info: ContactInfo, field: str) -> str:
    if field.startswith("custom_fields."):
        value: Any = info.custom_fields.get(field[len("custom_fields.") :])
    else:
        value = getattr(info, field)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "—" if value in (None, "") else str(value)


def _radio(text: str) -> QRadioButton:
    # A radio button's text is never rich text; "&" would make a shortcut, so double it.
    return QRadioButton(text.replace("&", "&&"))


class MergeDialog(QDialog):
    merged = Signal(object)  # ContactInfo of the contact that stays

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        keep_id: str, merge_id: str,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        assert snapshot.sub_account is not None
        self.ctx = ctx
        self.actor = snapshot.actor
        self.sub_account_id = snapshot.sub_account.id
        self.keep_id, self.merge_id = keep_id, merge_id
        self.setWindowTitle("Merge contacts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 480)
        self.preview: MergePreview | None = None
        self.choices: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        self.intro = QLabel("Loading…")
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        self.grid = QGridLayout()
        body = QWidget()
        body.setLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.error_label = QLabel()
        self.error_label.setProperty("role", "error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Merge")
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        uows, actor, sub_id = ctx.uows, self.actor, self.sub_account_id
        ReadOp(
            ctx.ops, self,
            lambda: contact_merge.merge_preview(uows, actor, sub_id, keep_id, merge_id),
        ).success(self._show).failure(self._failed).run()  # fmt: skip

    def _show(self, preview: MergePreview) -> None:
        self.preview = preview
        keep, other = preview.winner, preview.loser
        self.intro.setText(
            f"{other.display_name} is merged into {keep.display_name}. Choose the value to "
            "keep where they differ; empty fields take the other contact's value."
        )
        for column, text in enumerate(("Field", keep.display_name, other.display_name)):
            header = QLabel(text)
            header.setTextFormat(Qt.TextFormat.PlainText)
            header.setProperty("role", "subheading")
            self.grid.addWidget(header, 0, column)
        for row, field in enumerate(preview.differing, start=1):
            label = FIELD_LABELS.get(field, field.removeprefix("custom_fields.").replace("_", " "))
            mine, theirs = _radio(_value(keep, field)), _radio(_value(other, field))
            group = QButtonGroup(self)
            group.addButton(mine)
            group.addButton(theirs)
            mine.setChecked(True)
            self.grid.addWidget(QLabel(label.capitalize()), row, 0)
            self.grid.addWidget(mine, row, 1)
            self.grid.addWidget(theirs, row, 2)
            self.choices[field] = (mine, theirs)
        if not preview.differing:
            self.grid.addWidget(QLabel("Every field is the same."), 1, 0, 1, 3)
        self.ok_button.setEnabled(True)

    def take(self, field: str) -> None:
        """Keep the other contact's value of ``field``."""
        self.choices[field][1].setChecked(True)

    def taken_from_other(self) -> list[str]:
        return [f for f, (_mine, theirs) in self.choices.items() if theirs.isChecked()]

    def accept(self) -> None:
        uows, actor, sub_id = self.ctx.uows, self.actor, self.sub_account_id
        keep_id, merge_id, taken = self.keep_id, self.merge_id, self.taken_from_other()
        self.ok_button.setEnabled(False)
        WriteOp(
            self.ctx.ops, self,
            lambda: contact_merge.merge_contacts(
                uows, actor, sub_id, keep_id, merge_id, take_from_loser=taken
            ),
        ).success(self._merged).failure(self._failed).run()  # fmt: skip

    def _merged(self, info: ContactInfo) -> None:
        self.merged.emit(info)
        super().accept()

    def _failed(self, error: Exception) -> None:
        self.error_label.setText(describe_error(error))
        self.error_label.setVisible(True)
        self.ok_button.setEnabled(self.preview is not None)
