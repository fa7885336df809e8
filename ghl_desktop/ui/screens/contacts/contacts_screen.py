"""Contacts: the list (search, smart lists, filters, columns) with the actions on contacts -
new contact, import, export, bulk actions and their log - and a contact's detail page."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.contact_form import ContactFormDialog
from ghl_desktop.ui.dialogs.export_dialog import ExportDialog
from ghl_desktop.ui.dialogs.import_wizard import ImportWizard
from ghl_desktop.ui.dialogs.merge_dialog import MergeDialog
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.contacts.bulk_runner import BulkRunner
from ghl_desktop.ui.screens.contacts.contact_detail import ContactDetailPanel
from ghl_desktop.ui.screens.contacts.contact_list import ContactListPanel
from ghl_desktop.ui.screens.contacts.loaders import load_lookups
from ghl_desktop.ui.screens.contacts.lookups import EMPTY_LOOKUPS, CrmLookups
from ghl_desktop.ui.widgets.job_progress import JobProgress
from ghl_desktop.ui.workspace import Workspace, WorkspaceSnapshot

REFRESH_DELAY_MS = 120
# Changes after which the tags, fields or users offered may differ.
LOOKUP_TOPICS = ("tag", "custom_field", "user", "membership")
# What the contacts screen follows on the bridge (event names up to their first dot).
CRM_TOPICS = (
    "contact", "contacts", "tag", "note", "task", "smart_list", "bulk_action", "custom_field",
)  # fmt: skip


class ContactsScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("ContactsScreen")
        self.lookups: CrmLookups = EMPTY_LOOKUPS
        self.lookups_for: str | None = None
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DELAY_MS)
        self.refresh_timer.timeout.connect(super().request_refresh)
        self.opened_contact_id: str | None = None
        # Built top-down, every widget with its parent from the start: with the app's style
        # sheet each move of a built widget into another parent restyles all of it again,
        # which was half of the screen's build time.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 12)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages, 1)
        self.list_page = list_page = QWidget(self.pages)
        self.pages.addWidget(list_page)
        self.list_layout = QVBoxLayout(list_page)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Contacts", list_page)
        heading.setProperty("role", "heading")
        self.new_button = QPushButton("&New contact…", list_page)
        self.new_button.setObjectName("NewContact")
        self.import_button = QPushButton("&Import…", list_page)
        self.import_button.setObjectName("ImportContacts")
        self.bulk_button = QPushButton("&Bulk actions", list_page)
        self.bulk_button.setObjectName("BulkActions")
        self.export_button = QPushButton("E&xport…", list_page)
        self.export_button.setObjectName("ExportContacts")
        self.action_bar = QHBoxLayout()
        self.action_bar.setSpacing(8)
        self.list_layout.addLayout(self.action_bar)
        self.action_bar.addWidget(heading)
        self.action_bar.addStretch(1)
        self.action_bar.addWidget(self.bulk_button)
        self.action_bar.addWidget(self.export_button)
        self.action_bar.addWidget(self.import_button)
        self.action_bar.addWidget(self.new_button)
        self.list_panel = ContactListPanel(ctx, workspace, list_page)
        self.list_layout.addWidget(self.list_panel, 1)
        self._lookups_after_first_rows: str | None = None
        snapshot = self.snapshot
        if snapshot is not None and snapshot.sub_account is not None:
            # A screen is built to be shown at once: the list is set up now and reads its
            # first screenful when it is shown (``ContactListPanel.showEvent``), not after
            # the first paint (what refresh() on show would do).
            self._stale = False
            self.list_panel.show_sub_account(snapshot.sub_account.id, EMPTY_LOOKUPS)
            self._lookups_after_first_rows = snapshot.sub_account.id
        self._bulk_progress: JobProgress | None = None  # built for the first bulk action
        self._empty: QLabel | None = None  # built when there is no sub-account to show
        self._detail: ContactDetailPanel | None = None  # built when first opened
        self.new_button.clicked.connect(self.new_contact)
        self.import_button.clicked.connect(self.import_contacts)
        self.export_button.clicked.connect(self.export_contacts)
        self.bulk = BulkRunner(ctx, workspace, self.list_panel, lambda: self.bulk_progress, self)
        self.bulk_button.clicked.connect(self.show_bulk_menu)
        self.list_panel.open_contact.connect(self.open_contact)
        self.list_panel.model.first_rows_shown.connect(self._first_rows_shown)

    @property
    def bulk_progress(self) -> JobProgress:
        """The bulk actions' progress bar under the list, built the first time it is needed
        (it is hidden until then)."""
        if self._bulk_progress is None:
            self._bulk_progress = JobProgress(self.list_page)
            self._bulk_progress.setVisible(False)
            self.list_layout.addWidget(self._bulk_progress)
        return self._bulk_progress

    @property
    def empty(self) -> QLabel:
        """What shows when no sub-account is chosen (built the first time that happens)."""
        if self._empty is None:
            self._empty = QLabel("Choose a sub-account to see its contacts.", self.pages)
            self._empty.setProperty("role", "muted")
            self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.pages.addWidget(self._empty)
        return self._empty

    # -- Screen ----------------------------------------------------------------------------
    def request_refresh(self) -> None:
        """Changes come in bursts (a bulk action over 10,000 contacts records 10,000 events):
        they are gathered into one refresh after a short pause."""
        if not self.refresh_timer.isActive():
            self.refresh_timer.start()

    # -- what the base asks for ---------------------------------------------------------
    def concerns(self, change: Change) -> bool:
        sub = self.snapshot.sub_account if self.snapshot else None
        same_place = change.sub_account_id is None or (
            sub is not None and change.sub_account_id == sub.id
        )
        if not (same_place and change.concerns(*CRM_TOPICS)):
            return False
        if change.concerns(*LOOKUP_TOPICS):
            self.lookups_for = None  # reload tags and fields with the next refresh
        return True

    def workspace_changed(self, snapshot: WorkspaceSnapshot) -> None:
        self.new_button.setVisible(snapshot.can("contacts.write"))
        self.import_button.setVisible(snapshot.can("contacts.write"))
        self.export_button.setVisible(snapshot.can("contacts.export"))

    def refresh(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            self.pages.setCurrentWidget(self.empty)
            return
        sub_id = snapshot.sub_account.id
        if self._empty is not None and self.pages.currentWidget() is self._empty:
            self.pages.setCurrentWidget(self.list_page)
        if self.list_panel.sub_account_id != sub_id:
            self.show_list()
            # The list starts at once; the lookups (tags, fields, users) are read once its
            # first rows are on screen, so they never hold up the first paint.
            same = self.lookups_for == sub_id
            self.list_panel.show_sub_account(sub_id, self.lookups if same else EMPTY_LOOKUPS)
            if not same:
                self._lookups_after_first_rows = sub_id
                return
        else:
            self.list_panel.refresh()
            if self._detail is not None and self.pages.currentWidget() is self._detail:
                self._detail.reload()
        if self.lookups_for == sub_id:
            return  # unchanged since they were loaded
        self.load_lookups(sub_id)

    def _first_rows_shown(self) -> None:
        sub_id, self._lookups_after_first_rows = self._lookups_after_first_rows, None
        if sub_id is not None and sub_id == self.list_panel.sub_account_id:
            self.load_lookups(sub_id)

    def load_lookups(self, sub_id: str) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        uows, actor = self.ctx.uows, snapshot.actor
        # The list's first rows are painted first.
        read = self.list_panel.paint_gate.after_paint(lambda: load_lookups(uows, actor, sub_id))
        ReadOp(self.ctx.ops, self, read, key="lookups").success(
            lambda lookups: self._lookups_loaded(sub_id, lookups)
        ).run()

    def _lookups_loaded(self, sub_id: str, lookups: CrmLookups) -> None:
        self.lookups, self.lookups_for = lookups, sub_id
        if self._detail is not None:
            self._detail.lookups = lookups
        if self.list_panel.sub_account_id == sub_id:
            self.list_panel.set_lookups(lookups)

    # -- actions ---------------------------------------------------------------------------
    def new_contact(self) -> ContactFormDialog | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        dialog = ContactFormDialog(self.ctx, self, snapshot, self.lookups)
        dialog.open_existing.connect(self.open_contact)
        dialog.succeeded.connect(self._tags_may_be_new)
        dialog.open()
        return dialog

    def import_contacts(self) -> ImportWizard | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        wizard = ImportWizard(self.ctx, self, snapshot)
        wizard.finished_import.connect(self._tags_may_be_new)
        wizard.open()
        return wizard

    def show_bulk_menu(self) -> QMenu:
        menu = self.bulk.menu()
        menu.popup(self.bulk_button.mapToGlobal(self.bulk_button.rect().bottomLeft()))
        self.bulk_menu = menu
        return menu

    def export_contacts(self) -> ExportDialog | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        panel = self.list_panel
        dialog = ExportDialog(
            self.ctx, self, snapshot, self.lookups, selection=panel.list_keywords(),
            list_count=panel.model.rowCount(), selected_count=panel.table.selected_count(),
            selected_ids=panel.selected_ids_call(),
        )  # fmt: skip
        dialog.open()
        return dialog

    def merge_contacts(self, keep_id: str, merge_id: str) -> MergeDialog | None:
        """Merge ``merge_id`` into ``keep_id``, choosing per field."""
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None or not keep_id:
            return None
        dialog = MergeDialog(self.ctx, self, snapshot, keep_id, merge_id)
        dialog.merged.connect(lambda info: self.open_contact(info.id))
        dialog.open()
        return dialog

    @property
    def detail(self) -> ContactDetailPanel:
        """The contact detail page, built the first time a contact is opened (the list's
        first paint does not wait for it)."""
        if self._detail is None:
            self._detail = ContactDetailPanel(self.ctx, self.workspace)
            self._detail.back_requested.connect(self.show_list)
            self._detail.edit_requested.connect(self.edit_contact)
            self.pages.addWidget(self._detail)
        return self._detail

    def open_contact(self, contact_id: str) -> ContactDetailPanel:
        """Show a contact's detail page (the list stays as it was behind it)."""
        self.detail.show_contact(contact_id, self.lookups)
        self.pages.setCurrentWidget(self.detail)
        return self.detail

    def show_list(self) -> None:
        if self._detail is not None:
            self._detail.contact_id = None
        self.pages.setCurrentWidget(self.list_page)
        self.list_panel.table.setFocus()

    def edit_contact(self, info: ContactInfo) -> ContactFormDialog | None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.sub_account is None:
            return None
        dialog = ContactFormDialog(self.ctx, self, snapshot, self.lookups, info)
        dialog.open_existing.connect(self.open_contact)
        dialog.merge_requested.connect(self.merge_contacts)
        dialog.succeeded.connect(lambda _info: self.detail.reload())
        dialog.succeeded.connect(self._tags_may_be_new)
        dialog.open()
        return dialog

    def _tags_may_be_new(self, _info: object) -> None:
        """The form may have created tags (no event says so): reload what the form offers."""
        self.lookups_for = None
        self.request_refresh()
