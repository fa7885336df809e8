"""Typed properties of builder blocks: what each kind accepts and its stored form.

``Prop.check`` raises ``ValidationError`` naming the property by its path in the page
(``blocks[2].props.href``), so the editor can point at it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites import richtext
from ghl_desktop.services.sites.common import href, src, text_value
from ghl_desktop.services.sites.templating import check_template

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Kind(enum.StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines of plain text
    RICH_TEXT = "rich_text"  # a safe subset of HTML (sanitised on save)
    HREF = "href"  # a link
    SRC = "src"  # an image / video / icon address
    CHOICE = "choice"
    INT = "int"
    DATETIME = "datetime"
    COLOUR = "colour"
    FORM = "form"  # a form id of the sub-account
    SURVEY = "survey"  # a survey id of the sub-account
    TEMPLATE = "template"  # the owner's HTML, a sandboxed Jinja template
    ITEMS = "items"  # a list of objects, each checked by ``item_props``
    STRINGS = "strings"  # a list of one-line texts
    BLOCKS = "blocks"  # nested blocks (sections)
    COLUMNS = "columns"  # a list of columns, each a list of blocks


@dataclass(frozen=True)
class Prop:
    name: str
    kind: Kind
    label: str = ""
    required: bool = False
    default: Any = None
    max_length: int = 200
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 10_000
    max_items: int = 12
    item_props: tuple[Prop, ...] = field(default=())

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def empty(self) -> Any:
        if self.default is not None:
            return self.default
        if self.kind in (Kind.ITEMS, Kind.STRINGS, Kind.BLOCKS, Kind.COLUMNS):
            return []
        return None if self.kind in (Kind.INT,) else ""


# Nested blocks are checked by the caller (blocks.py), which knows the catalogue.
BlockChecker = Callable[[Any, str], list[dict[str, Any]]]


def _text(prop: Prop, value: Any, where: str) -> str:
    text = text_value(value, where, prop.max_length, required=prop.required)
    if prop.kind is Kind.TEXT and ("\n" in text or "\r" in text):
        raise ValidationError(where, "must be one line")
    return text


def _int(prop: Prop, value: Any, where: str) -> int | None:
    if value is None or value == "":
        if prop.required:
            raise ValidationError(where, "is required")
        return prop.default if isinstance(prop.default, int) else None
    if isinstance(value, bool):
        raise ValidationError(where, f"must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(where, f"must be a whole number, got {value!r}") from None
    if not prop.low <= number <= prop.high:
        raise ValidationError(where, f"must be between {prop.low} and {prop.high}")
    return number


def _datetime(prop: Prop, value: Any, where: str) -> str:
    text = text_value(value, where, 40, required=prop.required)
    if not text:
        return ""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            where, f"{text!r} is not a date and time like 2026-03-01T18:00"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _items(prop: Prop, value: Any, where: str, blocks: BlockChecker) -> list[dict[str, Any]]:
    if value is None:
        value = []
    if not isinstance(value, list) or len(value) > prop.max_items:
        raise ValidationError(where, f"must be a list of at most {prop.max_items} items")
    if prop.required and not value:
        raise ValidationError(where, "needs at least one item")
    return [
        check_props(prop.item_props, item, f"{where}[{i}]", blocks) for i, item in enumerate(value)
    ]


def _strings(prop: Prop, value: Any, where: str) -> list[str]:
    if value is None:
        value = []
    if not isinstance(value, list) or len(value) > prop.max_items:
        raise ValidationError(where, f"must be a list of at most {prop.max_items} lines")
    return [text_value(v, f"{where}[{i}]", prop.max_length) for i, v in enumerate(value)]


def _columns(value: Any, where: str, blocks: BlockChecker) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= 4:
        raise ValidationError(where, "must be a list of 1 to 4 columns")
    columns = []
    for i, column in enumerate(value):
        if not isinstance(column, Mapping) or set(column) - {"blocks"}:
            raise ValidationError(f"{where}[{i}]", 'must be an object {"blocks": [...]}')
        columns.append({"blocks": blocks(column.get("blocks") or [], f"{where}[{i}].blocks")})
    return columns


def check_prop(prop: Prop, value: Any, where: str, blocks: BlockChecker) -> Any:
    kind = prop.kind
    if kind in (Kind.TEXT, Kind.LONG_TEXT):
        return _text(prop, value, where)
    if kind is Kind.RICH_TEXT:
        return richtext.sanitise(_text(prop, value, where))
    if kind is Kind.HREF:
        return href(value, where, required=prop.required)
    if kind is Kind.SRC:
        return src(value, where, required=prop.required)
    if kind is Kind.CHOICE:
        chosen = value if value not in (None, "") else prop.default
        if chosen not in prop.choices:
            raise ValidationError(where, f"must be one of {', '.join(prop.choices)}")
        return chosen
    if kind is Kind.INT:
        return _int(prop, value, where)
    if kind is Kind.DATETIME:
        return _datetime(prop, value, where)
    if kind is Kind.COLOUR:
        text = text_value(value, where, 7, required=prop.required)
        if text and not COLOUR.match(text):
            raise ValidationError(where, f"must be a colour like #1A2B3C, got {text!r}")
        return text.upper()
    if kind in (Kind.FORM, Kind.SURVEY):
        return text_value(value, where, 36, required=prop.required)
    if kind is Kind.TEMPLATE:
        text = text_value(value, where, prop.max_length, required=prop.required)
        check_template(text, where)
        return text
    if kind is Kind.ITEMS:
        return _items(prop, value, where, blocks)
    if kind is Kind.STRINGS:
        return _strings(prop, value, where)
    if kind is Kind.BLOCKS:
        return blocks(value or [], where)
    return _columns(value, where, blocks)


def check_props(
    specs: tuple[Prop, ...], raw: Any, where: str, blocks: BlockChecker
) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError(where, "must be an object of properties")
    known = {p.name for p in specs}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError(f"{where}.{unknown[0]}", "is not a property of this block")
    result: dict[str, Any] = {}
    for prop in specs:
        value = raw.get(prop.name, prop.empty())
        result[prop.name] = check_prop(prop, value, f"{where}.{prop.name}", blocks)
    return result
