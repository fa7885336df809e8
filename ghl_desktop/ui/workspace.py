"""Where the signed-in user is working: the agency, the sub-account, and what they may do there.

``load_workspace`` (plain Python, run on a reader thread) asks the services; ``Workspace``
keeps the latest snapshot on the Qt thread and announces every new one with ``changed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.agencies import Access, AgencyInfo, SubAccountInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp
from ghl_desktop.ui.qt_bridge import Change

NO_ACCESS = Access(frozenset(), frozenset())

# Changes after which the switcher's lists or the user's permissions may differ.
WORKSPACE_TOPICS = ("sub_account", "agency", "user", "role", "membership")


@dataclass(frozen=True)
class WorkspaceSnapshot:
    actor: Actor
    agencies: tuple[AgencyInfo, ...]
    agency: AgencyInfo | None
    sub_accounts: tuple[SubAccountInfo, ...]  # the ones the actor can open, archived excluded
    sub_account: SubAccountInfo | None
    access: Access

    def can(self, permission: str) -> bool:
        """Held in the current sub-account (agency-wide grants included)."""
        return permission in self.access.sub_account or permission in self.access.agency

    def can_agency(self, permission: str) -> bool:
        """Held agency-wide (what agency administration needs)."""
        return permission in self.access.agency

    @property
    def is_agency_member(self) -> bool:
        return bool(self.access.agency)


def load_workspace(
    uows: UnitOfWorkFactory, actor: Actor, agency_id: str | None, sub_account_id: str | None
) -> WorkspaceSnapshot:
    """The wanted agency and sub-account if the actor can still open them, else the first."""
    visible = tuple(agencies.list_agencies(uows, actor))
    agency = next((a for a in visible if a.id == agency_id), visible[0] if visible else None)
    if agency is None:
        return WorkspaceSnapshot(actor, visible, None, (), None, NO_ACCESS)
    subs = tuple(agencies.list_sub_accounts(uows, actor, agency.id))
    sub = next((s for s in subs if s.id == sub_account_id), subs[0] if subs else None)
    access = agencies.access_for(uows, actor, agency.id, sub.id if sub else None)
    return WorkspaceSnapshot(actor, visible, agency, subs, sub, access)


class Workspace(QObject):
    changed = Signal(object)  # WorkspaceSnapshot

    def __init__(self, ctx: UiContext, actor: Actor) -> None:
        super().__init__()
        self._ctx = ctx
        self.actor = actor
        self.snapshot: WorkspaceSnapshot | None = None
        ctx.bridge.data_changed.connect(self._on_data_changed)

    @property
    def user_id(self) -> str:
        return self.actor.user_id or "system"

    def load(self) -> None:
        """Open the agency and sub-account used last time (or the first ones)."""
        prefs = self._ctx.prefs
        self._load(prefs.last_agency(self.user_id), prefs.last_sub_account(self.user_id))

    def reload(self) -> None:
        current = self.snapshot
        if current is None:
            self.load()
        else:
            self._load(
                current.agency.id if current.agency else None,
                current.sub_account.id if current.sub_account else None,
            )

    def switch_agency(self, agency_id: str) -> None:
        self._load(agency_id, None)

    def switch_sub_account(self, sub_account_id: str) -> None:
        current = self.snapshot
        self._load(current.agency.id if current and current.agency else None, sub_account_id)

    def _load(self, agency_id: str | None, sub_account_id: str | None) -> None:
        uows, actor = self._ctx.uows, self.actor
        ReadOp(
            self._ctx.ops, self, lambda: load_workspace(uows, actor, agency_id, sub_account_id),
            key="workspace",
        ).success(self._set).run()  # fmt: skip

    def _set(self, snapshot: WorkspaceSnapshot) -> None:
        self.snapshot = snapshot
        prefs = self._ctx.prefs
        prefs.set_last_agency(self.user_id, snapshot.agency.id if snapshot.agency else None)
        prefs.set_last_sub_account(
            self.user_id, snapshot.sub_account.id if snapshot.sub_account else None
        )
        self.changed.emit(snapshot)

    def close(self) -> None:
        """Stop following changes (the user signed out)."""
        self._ctx.bridge.data_changed.disconnect(self._on_data_changed)

    def _on_data_changed(self, change: Change) -> None:
        if change.concerns(*WORKSPACE_TOPICS):
            self.reload()
