"""Ask what a bulk action needs (a tag, a user, a stage) and on which contacts: the selected
rows or every contact of the list shown (the whole smart list, filter or search - not only
the page on screen). The action itself runs in ``ContactsScreen`` with progress and Cancel."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.models.crm_lists import BulkActionKind
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups
from ghl_desktop.ui.widgets.filter_fields import stage_label

TITLES = {
    BulkActionKind.ADD_TAG: "Add a tag",
    BulkActionKind.REMOVE_TAG: "Remove a tag",
    BulkActionKind.ASSIGN_USER: "Assign to a user",
    BulkActionKind.SET_LIFECYCLE_STAGE: "Change the lifecycle stage",
    BulkActionKind.DELETE: "Delete contacts",
}


@dataclass(frozen=True)
class BulkRequest:
    kind: BulkActionKind
    whole_list: bool
    tag: str | None = None
    user_id: str | None = None
    lifecycle_stage: str | None = None


class BulkActionDialog(QDialog):
    chosen = Signal(object)  # BulkRequest

    def __init__(
        self, parent: QWidget | None, kind: BulkActionKind, lookups: CrmLookups, *,
        selected: int, list_count: int,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(TITLES[kind])
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(420)
        self.selected_rows = QRadioButton(f"The selected contacts ({selected:,})")
        self.whole_list = QRadioButton(f"Every contact of the list shown ({list_count:,})")
        self.selected_rows.setEnabled(selected > 0)
        (self.selected_rows if selected > 0 else self.whole_list).setChecked(True)
        form = QFormLayout()
        self.tag_combo = QComboBox()
        self.tag_combo.setObjectName("BulkTag")
        self.user_combo = QComboBox()
        self.stage_combo = QComboBox()
        if kind in (BulkActionKind.ADD_TAG, BulkActionKind.REMOVE_TAG):
            # Adding may name a new tag; removing picks one that exists.
            self.tag_combo.setEditable(kind is BulkActionKind.ADD_TAG)
            for tag in lookups.tags:
                self.tag_combo.addItem(tag.name, tag.name)
            form.addRow("Tag", self.tag_combo)
        elif kind is BulkActionKind.ASSIGN_USER:
            self.user_combo.addItem("Nobody (unassign)", "")
            for user in lookups.users:
                self.user_combo.addItem(user.label, user.id)
            form.addRow("User", self.user_combo)
        elif kind is BulkActionKind.SET_LIFECYCLE_STAGE:
            for stage in LifecycleStage:
                self.stage_combo.addItem(stage_label(stage.value), stage.value)
            form.addRow("Stage", self.stage_combo)
        else:
            warning = QLabel("Deleted contacts can be restored from the bulk-actions log (Undo).")
            warning.setWordWrap(True)
            form.addRow(warning)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Run")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Apply to"))
        layout.addWidget(self.selected_rows)
        layout.addWidget(self.whole_list)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def request(self) -> BulkRequest:
        return BulkRequest(
            self.kind,
            self.whole_list.isChecked(),
            tag=self.tag_combo.currentText().strip() or None,
            user_id=str(self.user_combo.currentData() or "") or None,
            lifecycle_stage=self.stage_combo.currentData(),
        )

    def accept(self) -> None:
        self.chosen.emit(self.request())
        super().accept()
