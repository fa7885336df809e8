"""SQLAlchemy models, one module per domain.

Importing this package imports every module in it, so each table is registered on
``Base.metadata`` without a hand-kept list (Alembic, the tenant-leak test and the schema-drift
test rely on seeing all of them).
"""

import importlib
import pkgutil

from ghl_desktop.models.base import Base, tenant_models

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base", "tenant_models"]
