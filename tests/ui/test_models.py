"""The table models, tested without a window: columns, display text, the record role,
dimmed rows and resets."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from ghl_desktop.services.agencies import ActivityInfo, SubAccountInfo
from ghl_desktop.services.roles import RoleInfo
from ghl_desktop.services.users import MembershipInfo, UserInfo
from ghl_desktop.ui.models import activity, roles, sub_accounts, users
from ghl_desktop.ui.models.base import ITEM_ROLE

WHEN = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _sub(name: str, archived: bool = False) -> SubAccountInfo:
    return SubAccountInfo("id-" + name, "agency", name, "Europe/Paris", "FR", "EUR", archived, WHEN)


def test_sub_account_model_columns_and_roles(qapp: object) -> None:
    model = sub_accounts.SubAccountTableModel()
    QAbstractItemModelTester(model)
    model.set_items([_sub("Bakery"), _sub("Old Shop", archived=True)])
    assert model.rowCount() == 2
    assert model.columnCount() == len(sub_accounts.SubAccountTableModel.HEADERS)
    header = model.headerData(sub_accounts.TIMEZONE, Qt.Orientation.Horizontal)
    assert header == "Time zone"
    assert model.index(0, sub_accounts.NAME).data() == "Bakery"
    assert model.index(0, sub_accounts.STATUS).data() == "Active"
    assert model.index(1, sub_accounts.STATUS).data() == "Archived"
    assert model.index(1, sub_accounts.CURRENCY).data() == "EUR"
    assert model.index(0, 0).data(ITEM_ROLE) == _sub("Bakery")
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert model.find_row(lambda s: s.name == "Old Shop") == 1
    assert model.find_row(lambda s: s.name == "Nope") == -1
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children
    assert model.data(QModelIndex()) is None


def test_set_items_resets_the_model(qapp: object) -> None:
    model = sub_accounts.SubAccountTableModel()
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_items([_sub("A")])
    model.set_items([])
    assert resets == [True, True]
    assert model.rowCount() == 0


def test_user_model_summarises_access(qapp: object) -> None:
    model = users.UserTableModel()
    QAbstractItemModelTester(model)
    access = (
        MembershipInfo("agency", "agency", "Digital Marketing Co", "agency_admin", "Agency Admin"),
        MembershipInfo("sub_account", "s1", "Location A", "manager", "Manager"),
    )
    model.set_items(
        [
            UserInfo("u1", "ann@example.com", "Ann", True, WHEN, access),
            UserInfo("u2", "bob@example.com", "", False, None, ()),
        ]
    )
    assert model.index(0, users.ACCESS).data() == "Agency Admin · agency-wide (+1 more)"
    assert model.index(0, users.ACCESS).data(Qt.ItemDataRole.ToolTipRole) == (
        "Agency Admin · agency-wide\nManager · Location A"
    )
    assert model.index(1, users.NAME).data() == "—"
    assert model.index(1, users.ACCESS).data() == "No access"
    assert model.index(1, users.STATUS).data() == "Deactivated"
    assert model.index(1, users.LAST_SIGN_IN).data() == "Never"
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole).italic()
    memberships = users.MembershipTableModel()
    memberships.set_items(access)
    assert memberships.index(0, users.WHERE).data() == "Agency-wide"
    assert memberships.index(1, users.WHERE).data() == "Location A"


def test_role_model(qapp: object) -> None:
    model = roles.RoleTableModel()
    QAbstractItemModelTester(model)
    model.set_items(
        [
            RoleInfo("r1", "staff", "Staff", "sub_account", True, "Works contacts", ("a.read",)),
            RoleInfo("r2", None, "Auditor", "agency", False, "", ("a.read", "b.read")),
        ]
    )
    assert model.index(0, roles.SCOPE).data() == "Sub-account"
    assert model.index(0, roles.KIND).data() == "Built-in"
    assert model.index(1, roles.SCOPE).data() == "Agency"
    assert model.index(1, roles.KIND).data() == "Custom"
    assert model.index(1, roles.PERMISSIONS).data() == "2"
    assert model.index(1, roles.PERMISSIONS).data(Qt.ItemDataRole.ToolTipRole) == "a.read\nb.read"


def test_activity_model_describes_changes_without_ids(qapp: object) -> None:
    model = activity.ActivityTableModel()
    QAbstractItemModelTester(model)
    created = ActivityInfo(
        WHEN, "Olivia Owner", "sub_accounts", "s1", "created",
        (("agency_id", None, "a1"), ("id", None, "s1"), ("name", None, "Bakery")),
    )  # fmt: skip
    updated = ActivityInfo(
        WHEN, "system", "contacts", "c1", "updated",
        (("email", "a@x.com", "b@x.com"), ("updated_at", "t0", "t1")),
    )  # fmt: skip
    model.set_items([created, updated])
    assert model.index(0, activity.WHAT).data() == "Sub-account created"
    assert model.index(0, activity.DETAILS).data() == "name: Bakery"
    assert model.index(1, activity.WHAT).data() == "Contact updated"
    assert model.index(1, activity.DETAILS).data() == "email: a@x.com → b@x.com"
    assert model.index(1, activity.WHO).data() == "system"


def test_entity_labels_read_as_things(qapp: object) -> None:
    assert activity.entity_label("user_sub_account_memberships") == "Sub-account access"
    assert activity.entity_label("opportunities") == "Opportunity"
    assert activity.entity_label("ai_agents") == "AI agent"
    assert activity.entity_label("training_data") == "Training data"
