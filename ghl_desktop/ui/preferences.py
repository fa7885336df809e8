"""GUI preferences of this computer's user (theme, last email, last sub-account, window
geometry), kept with QSettings in an INI file: the user's own by default, or a given file
(tests give each test its own)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "ghl-desktop"
APPLICATION = "ghl-desktop"


class Preferences:
    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            self._settings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
            )
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def file_name(self) -> str:
        return self._settings.fileName()

    def _text(self, key: str) -> str:
        value = self._settings.value(key, "")
        return value if isinstance(value, str) else ""

    def _put(self, key: str, value: str | QByteArray | None) -> None:
        if value:
            self._settings.setValue(key, value)
        else:
            self._settings.remove(key)
        self._settings.sync()

    @property
    def theme(self) -> str:
        return self._text("view/theme")

    @theme.setter
    def theme(self, value: str) -> None:
        self._put("view/theme", value)

    @property
    def last_email(self) -> str:
        return self._text("sign_in/last_email")

    @last_email.setter
    def last_email(self, value: str) -> None:
        self._put("sign_in/last_email", value)

    def last_sub_account(self, user_id: str) -> str:
        return self._text(f"workspace/{user_id}/sub_account")

    def set_last_sub_account(self, user_id: str, sub_account_id: str | None) -> None:
        self._put(f"workspace/{user_id}/sub_account", sub_account_id)

    def last_agency(self, user_id: str) -> str:
        return self._text(f"workspace/{user_id}/agency")

    def set_last_agency(self, user_id: str, agency_id: str | None) -> None:
        self._put(f"workspace/{user_id}/agency", agency_id)

    @property
    def window_geometry(self) -> QByteArray | None:
        value = self._settings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._put("window/geometry", value)
