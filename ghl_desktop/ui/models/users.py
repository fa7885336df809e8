"""Users of an agency with a summary of their access."""

from __future__ import annotations

from ghl_desktop.services.users import MembershipInfo, UserInfo
from ghl_desktop.ui.models.base import RecordTableModel

NAME, EMAIL, ACCESS, STATUS, LAST_SIGN_IN = range(5)


def describe_membership(membership: MembershipInfo) -> str:
    where = "agency-wide" if membership.scope == "agency" else membership.target_name
    return f"{membership.role_name} · {where}"


class UserTableModel(RecordTableModel[UserInfo]):
    HEADERS = ("Name", "Email", "Access", "Status", "Last sign-in")

    def display(self, item: UserInfo, column: int) -> str:
        if column == NAME:
            return item.full_name or "—"
        if column == EMAIL:
            return item.email
        if column == ACCESS:
            if not item.memberships:
                return "No access"
            first = describe_membership(item.memberships[0])
            more = len(item.memberships) - 1
            return f"{first} (+{more} more)" if more else first
        if column == STATUS:
            return "Active" if item.is_active else "Deactivated"
        if column == LAST_SIGN_IN:
            if item.last_login_at is None:
                return "Never"
            return item.last_login_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return ""

    def tooltip(self, item: UserInfo, column: int) -> str | None:
        if column == ACCESS and item.memberships:
            return "\n".join(describe_membership(m) for m in item.memberships)
        return None

    def is_dimmed(self, item: UserInfo) -> bool:
        return not item.is_active


ROLE, WHERE = range(2)


class MembershipTableModel(RecordTableModel[MembershipInfo]):
    """One user's access: a role agency-wide or in one sub-account, per row."""

    HEADERS = ("Role", "Where")

    def display(self, item: MembershipInfo, column: int) -> str:
        if column == ROLE:
            return item.role_name
        if column == WHERE:
            return "Agency-wide" if item.scope == "agency" else item.target_name
        return ""
