"""The typed custom-field definition shape shared by contacts and opportunities.

Values live in the owner's ``custom_fields`` JSON column keyed by ``key``; the definitions below
say what each key may hold. ``services.custom_fields`` validates every write against them.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import JSONType, enum_column_type


class CustomFieldType(enum.StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    MONETARY = "monetary"
    DATE = "date"
    SELECT = "select"
    MULTISELECT = "multiselect"
    CHECKBOX = "checkbox"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"


class CustomFieldDefinitionMixin:
    """Columns of one field definition. ``key`` is snake_case and unique per sub-account."""

    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[CustomFieldType] = mapped_column(enum_column_type(CustomFieldType))
    # Choices of select/multiselect fields, in display order (a JSON list of strings).
    options: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Typed like a value of the field (a JSON scalar or list); None means no default.
    default_value: Mapped[Any] = mapped_column(JSONType, default=None, nullable=True)
    placeholder: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
