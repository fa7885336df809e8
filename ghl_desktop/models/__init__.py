"""SQLAlchemy models, one module per domain. Importing this package registers every table."""

from ghl_desktop.models.base import Base, tenant_models
from ghl_desktop.models.system import ActivityLog, AppSetting, DomainEventRecord, EventDelivery
from ghl_desktop.models.tenancy import (
    Agency,
    Permission,
    Role,
    RolePermission,
    SubAccount,
    User,
    UserAgencyMembership,
    UserSubAccountMembership,
)

__all__ = [
    "ActivityLog",
    "Agency",
    "AppSetting",
    "Base",
    "DomainEventRecord",
    "EventDelivery",
    "Permission",
    "Role",
    "RolePermission",
    "SubAccount",
    "User",
    "UserAgencyMembership",
    "UserSubAccountMembership",
    "tenant_models",
]
