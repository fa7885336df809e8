"""The permission catalogue (``domain.action``) and the built-in roles that bundle it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RoleScope(StrEnum):
    AGENCY = "agency"
    SUB_ACCOUNT = "sub_account"


PERMISSIONS: dict[str, str] = {
    "contacts.read": "See contacts, notes, tasks and smart lists",
    "contacts.write": "Create and edit contacts, tags, notes and tasks",
    "contacts.delete": "Delete and restore contacts",
    "contacts.export": "Export contacts to CSV",
    "conversations.read": "See the inbox",
    "conversations.reply": "Send messages and replies",
    "opportunities.read": "See pipelines and opportunities",
    "opportunities.write": "Create, edit and move opportunities",
    "pipelines.manage": "Create and edit pipelines, their stages and opportunity fields",
    "calendars.read": "See calendars and appointments",
    "calendars.manage": "Manage calendars, availability and appointments",
    "workflows.read": "See workflows and their executions",
    "workflows.manage": "Build, publish and run workflows",
    "outbox.read": "See queued, failed, dead-lettered and sandbox messages",
    "outbox.manage": "Retry and cancel queued messages",
    "marketing.read": "See templates and campaigns",
    "marketing.send": "Send campaigns",
    "payments.read": "See products, invoices and transactions",
    "payments.write": "Manage products, prices, invoices and subscriptions",
    "payments.refund": "Refund payments",
    "sites.read": "See funnels, pages, forms and submissions",
    "sites.publish": "Edit and publish funnels, pages, forms and surveys",
    "ai.read": "See AI agents and their logs",
    "ai.manage": "Manage AI agents and knowledge bases",
    "reporting.read": "See dashboards and reports",
    "settings.manage": "Change sub-account settings, channels and integrations",
    "users.manage": "Create users and grant or revoke their access",
    "sub_accounts.manage": "Create and archive sub-accounts of the agency",
}


def _all() -> frozenset[str]:
    return frozenset(PERMISSIONS)


def _without(*keys: str) -> frozenset[str]:
    return _all() - set(keys)


_READS = frozenset(k for k in PERMISSIONS if k.endswith(".read"))


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    scope: RoleScope
    permissions: frozenset[str]
    description: str


BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(
        "agency_owner", "Agency Owner", RoleScope.AGENCY, _all(),
        "Everything in every sub-account of the agency, including users and billing",
    ),
    BuiltinRole(
        "agency_admin", "Agency Admin", RoleScope.AGENCY, _all(),
        "Full access to all sub-accounts of the agency",
    ),
    BuiltinRole(
        "sub_account_admin", "Sub-account Admin", RoleScope.SUB_ACCOUNT,
        _without("sub_accounts.manage"),
        "Everything inside one sub-account, including its users and settings",
    ),
    BuiltinRole(
        "manager", "Manager", RoleScope.SUB_ACCOUNT,
        _without("sub_accounts.manage", "users.manage", "settings.manage", "payments.refund"),
        "Runs the sub-account's day to day: CRM, inbox, pipelines, calendars, marketing",
    ),
    BuiltinRole(
        "staff", "Staff", RoleScope.SUB_ACCOUNT,
        _READS | {"contacts.write", "conversations.reply", "opportunities.write",
                  "calendars.manage"},
        "Works contacts, conversations, opportunities and appointments",
    ),
)  # fmt: skip

BUILTIN_ROLE_KEYS = {role.key for role in BUILTIN_ROLES}
