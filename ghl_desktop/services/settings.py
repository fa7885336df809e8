"""Installation-wide settings stored in ``app_settings`` (JSON values)."""

from __future__ import annotations

from typing import Any

from ghl_desktop.models.system import AppSetting
from ghl_desktop.services.uow import UnitOfWorkFactory


def get(uows: UnitOfWorkFactory, key: str, default: Any = None) -> Any:
    with uows.system(read_only=True) as uow:
        row = uow.session.get(AppSetting, key)
        return default if row is None else row.value


def put(uows: UnitOfWorkFactory, key: str, value: Any) -> None:
    with uows.system() as uow:
        row = uow.session.get(AppSetting, key)
        if value is None:
            if row is not None:
                uow.session.delete(row)
        elif row is None:
            uow.session.add(AppSetting(key=key, value=value))
        else:
            row.value = value
        uow.commit()
