"""The bar above every screen: the app name, the agency and sub-account switchers (only what
the signed-in user can open) and who is signed in."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ghl_desktop.ui.workspace import WorkspaceSnapshot


class TopBar(QWidget):
    agency_chosen = Signal(str)
    sub_account_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        # Let the style sheet paint the bar's background.
        self.setAutoFillBackground(True)
        title = QLabel("GHL Desktop")
        title.setObjectName("AppTitle")
        self.agency_label = QLabel("Agency")
        self.agency_label.setProperty("role", "muted")
        self.agency_combo = QComboBox()
        self.agency_combo.setObjectName("AgencySwitcher")
        self.agency_combo.setAccessibleName("Agency")
        self.agency_name = QLabel()
        self.agency_name.setObjectName("AgencyName")
        self.agency_name.setProperty("role", "subheading")
        sub_label = QLabel("Sub-account")
        sub_label.setProperty("role", "muted")
        self.sub_account_combo = QComboBox()
        self.sub_account_combo.setObjectName("SubAccountSwitcher")
        self.sub_account_combo.setAccessibleName("Sub-account")
        self.sub_account_combo.setMinimumContentsLength(22)
        self.sub_account_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        sub_label.setBuddy(self.sub_account_combo)
        self.user_label = QLabel()
        self.user_label.setObjectName("SignedInUser")
        self.user_label.setProperty("role", "muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addSpacing(24)
        layout.addWidget(self.agency_label)
        layout.addWidget(self.agency_combo)
        layout.addWidget(self.agency_name)
        layout.addSpacing(16)
        layout.addWidget(sub_label)
        layout.addWidget(self.sub_account_combo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(spacer)
        layout.addWidget(self.user_label)
        self.agency_combo.activated.connect(self._agency_activated)
        self.sub_account_combo.activated.connect(self._sub_account_activated)

    def show_snapshot(self, snapshot: WorkspaceSnapshot) -> None:
        self.user_label.setText(f"Signed in as {snapshot.actor.label}")
        several = len(snapshot.agencies) > 1
        self.agency_combo.setVisible(several)
        self.agency_name.setVisible(not several)
        self.agency_name.setText(snapshot.agency.name if snapshot.agency else "No agency")
        self.agency_combo.blockSignals(True)
        self.agency_combo.clear()
        for agency in snapshot.agencies:
            self.agency_combo.addItem(agency.name, agency.id)
        if snapshot.agency is not None:
            self.agency_combo.setCurrentIndex(self.agency_combo.findData(snapshot.agency.id))
        self.agency_combo.blockSignals(False)
        combo = self.sub_account_combo
        combo.blockSignals(True)
        combo.clear()
        for sub in snapshot.sub_accounts:
            combo.addItem(sub.name, sub.id)
        if snapshot.sub_account is not None:
            combo.setCurrentIndex(combo.findData(snapshot.sub_account.id))
        else:
            combo.addItem("No sub-account yet", None)
        combo.setEnabled(bool(snapshot.sub_accounts))
        combo.blockSignals(False)

    def _agency_activated(self, index: int) -> None:
        agency_id = self.agency_combo.itemData(index)
        if isinstance(agency_id, str):
            self.agency_chosen.emit(agency_id)

    def _sub_account_activated(self, index: int) -> None:
        sub_id = self.sub_account_combo.itemData(index)
        if isinstance(sub_id, str):
            self.sub_account_chosen.emit(sub_id)
