"""The builder's blocks: their properties, defaults and the check of a whole page document.

A page document: ``{"version": "1.0", "blocks": [{"type": "hero", "props": {...}}, ...]}``.
Sections and columns hold blocks of their own (at most ``MAX_DEPTH`` levels deep). Every
property is checked (``props.Prop``); unknown blocks or properties are refused, missing ones
get their defaults, so a stored document always has every property of its blocks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites.props import Kind, Prop, check_props

VERSION = "1.0"
MAX_BLOCKS = 300
MAX_DEPTH = 3
ALIGN = Prop("align", Kind.CHOICE, choices=("left", "center", "right"), default="left")


@dataclass(frozen=True)
class BlockSpec:
    type: str
    label: str
    props: tuple[Prop, ...]
    description: str = ""


def _p(name: str, kind: Kind, **options: Any) -> Prop:
    return Prop(name, kind, **options)


PLAN = (
    _p("name", Kind.TEXT, required=True, max_length=80),
    _p("price", Kind.TEXT, required=True, max_length=50),
    _p("note", Kind.TEXT, max_length=200),
    _p("features", Kind.STRINGS, max_items=20, max_length=200),
    _p("button_label", Kind.TEXT, max_length=80),
    _p("button_href", Kind.HREF),
    _p("highlighted", Kind.CHOICE, choices=("no", "yes"), default="no"),
)

CATALOGUE: dict[str, BlockSpec] = {
    spec.type: spec
    for spec in (
        BlockSpec(
            "section",
            "Section",
            (
                _p("background", Kind.COLOUR),
                _p("text_colour", Kind.COLOUR),
                _p("padding", Kind.CHOICE, choices=("small", "medium", "large"), default="medium"),
                _p("width", Kind.CHOICE, choices=("narrow", "normal", "wide"), default="normal"),
                _p("blocks", Kind.BLOCKS),
            ),
            "A band of the page holding other blocks",
        ),
        BlockSpec(
            "hero",
            "Hero",
            (
                _p("title", Kind.TEXT, required=True),
                _p("subtitle", Kind.LONG_TEXT, max_length=500),
                _p("image", Kind.SRC),
                _p("button_label", Kind.TEXT, max_length=80),
                _p("button_action", Kind.CHOICE, choices=("link", "next_step"), default="link"),
                _p("button_href", Kind.HREF),
                _p("background", Kind.COLOUR),
                Prop("align", Kind.CHOICE, choices=("left", "center"), default="center"),
            ),
            "Big title, subtitle, picture and a call to action",
        ),
        BlockSpec(
            "heading",
            "Heading",
            (
                _p("text", Kind.TEXT, required=True, max_length=300),
                _p("level", Kind.CHOICE, choices=("1", "2", "3", "4"), default="2"),
                ALIGN,
            ),
        ),
        BlockSpec(
            "text",
            "Rich text",
            (
                _p("content", Kind.RICH_TEXT, max_length=20_000),
                ALIGN,
            ),
            "Paragraphs with bold, italics, lists and links",
        ),
        BlockSpec(
            "image",
            "Image",
            (
                _p("src", Kind.SRC, required=True),
                _p("alt", Kind.TEXT, max_length=300),
                _p("caption", Kind.TEXT, max_length=300),
                _p("href", Kind.HREF),
                _p("width", Kind.INT, low=0, high=2000, default=0),
            ),
        ),
        BlockSpec(
            "video",
            "Video embed",
            (
                _p("url", Kind.SRC, required=True),
                _p("title", Kind.TEXT, max_length=200),
            ),
            "YouTube, Vimeo or a video file",
        ),
        BlockSpec(
            "button",
            "Button",
            (
                _p("label", Kind.TEXT, required=True, max_length=80),
                _p("action", Kind.CHOICE, choices=("link", "next_step"), default="link"),
                _p("href", Kind.HREF),
                _p("style", Kind.CHOICE, choices=("primary", "secondary"), default="primary"),
                Prop("align", Kind.CHOICE, choices=("left", "center", "right"), default="center"),
            ),
            "A link, or the funnel's next step",
        ),
        BlockSpec(
            "form",
            "Form",
            (
                _p("form_id", Kind.FORM, required=True),
                _p("title", Kind.TEXT),
            ),
        ),
        BlockSpec(
            "survey",
            "Survey",
            (
                _p("survey_id", Kind.SURVEY, required=True),
                _p("title", Kind.TEXT),
            ),
        ),
        BlockSpec(
            "countdown",
            "Countdown",
            (
                _p("ends_at", Kind.DATETIME, required=True),
                _p("label", Kind.TEXT),
                _p("expired_text", Kind.TEXT, default="This offer has ended."),
            ),
            "Days, hours, minutes and seconds until a moment",
        ),
        BlockSpec(
            "pricing",
            "Pricing / offer",
            (
                _p("title", Kind.TEXT),
                _p("plans", Kind.ITEMS, required=True, max_items=6, item_props=PLAN),
            ),
        ),
        BlockSpec(
            "testimonial",
            "Testimonial",
            (
                _p("quote", Kind.LONG_TEXT, required=True, max_length=1000),
                _p("author", Kind.TEXT),
                _p("role", Kind.TEXT),
                _p("avatar", Kind.SRC),
                _p("rating", Kind.INT, low=0, high=5, default=0),
            ),
        ),
        BlockSpec(
            "columns",
            "Columns",
            (
                _p("columns", Kind.COLUMNS, default=[{"blocks": []}, {"blocks": []}]),
                _p("gap", Kind.CHOICE, choices=("small", "medium", "large"), default="medium"),
            ),
            "Two to four columns side by side",
        ),
        BlockSpec("spacer", "Spacer", (_p("height", Kind.INT, low=4, high=400, default=40),)),
        BlockSpec(
            "custom_html",
            "Custom HTML",
            (_p("html", Kind.TEMPLATE, max_length=100_000),),
            "Your own markup; {{ custom_values.key }} works here",
        ),
    )
}
CONTAINERS = {"section", "columns"}


class _Checker:
    def __init__(self) -> None:
        self.count = 0
        self.depth = 0

    def blocks(self, raw: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise ValidationError(where, "must be a list of blocks")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ValidationError(where, f"blocks nest at most {MAX_DEPTH} levels deep")
            return [self.block(item, f"{where}[{i}]") for i, item in enumerate(raw)]
        finally:
            self.depth -= 1

    def block(self, raw: Any, where: str) -> dict[str, Any]:
        self.count += 1
        if self.count > MAX_BLOCKS:
            raise ValidationError("blocks", f"a page holds at most {MAX_BLOCKS} blocks")
        if not isinstance(raw, Mapping):
            raise ValidationError(where, "must be an object with a type and props")
        unknown = sorted(set(raw) - {"type", "props", "id"})
        if unknown:
            raise ValidationError(f"{where}.{unknown[0]}", "is not a block key")
        spec = CATALOGUE.get(str(raw.get("type")))
        if spec is None:
            raise ValidationError(f"{where}.type", f"unknown block type {raw.get('type')!r}")
        block: dict[str, Any] = {"type": spec.type}
        if raw.get("id"):
            block["id"] = str(raw["id"])[:40]
        block["props"] = check_props(spec.props, raw.get("props"), f"{where}.props", self.blocks)
        return block


def check_document(raw: Any) -> dict[str, Any]:
    """The page document in its stored form, or ValidationError naming the bad property."""
    if raw is None or raw == {}:
        return {"version": VERSION, "blocks": []}
    if not isinstance(raw, Mapping):
        raise ValidationError("builder_json", "must be an object with a list of blocks")
    unknown = sorted(set(raw) - {"version", "blocks"})
    if unknown:
        raise ValidationError(f"builder_json.{unknown[0]}", "is not a page document key")
    checker = _Checker()
    checker.depth = 0
    return {"version": VERSION, "blocks": checker.blocks(raw.get("blocks") or [], "blocks")}


def default_block(block_type: str, **given: Any) -> dict[str, Any]:
    """A new block with placeholder values that pass the checks (for the editor). A form or
    survey block needs its ``form_id`` / ``survey_id`` given."""
    spec = CATALOGUE[block_type]
    placeholders = {
        "title": "Your headline", "text": "Heading", "label": "Click here",
        "quote": "It changed how we work.", "src": "https://placehold.co/800x400",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "ends_at": "2030-01-01T00:00:00+00:00",
        "content": "<p>Write something people want to read.</p>",
    }  # fmt: skip
    props = {p.name: placeholders.get(p.name, p.empty()) for p in spec.props}
    if block_type == "pricing":
        props["plans"] = [{"name": "Standard", "price": "$29/month"}]
    props.update(given)
    return {"type": block_type, "props": props}


def walk(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every block of a document, nested ones included, in page order."""
    for block in blocks:
        yield block
        props = block.get("props") or {}
        if block.get("type") == "section":
            yield from walk(props.get("blocks") or [])
        elif block.get("type") == "columns":
            for column in props.get("columns") or []:
                yield from walk(column.get("blocks") or [])


def referenced_ids(document: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(form ids, survey ids) the document's blocks place on the page."""
    forms, surveys = set(), set()
    for block in walk(list(document.get("blocks") or [])):
        props = block.get("props") or {}
        if block.get("type") == "form" and props.get("form_id"):
            forms.add(str(props["form_id"]))
        if block.get("type") == "survey" and props.get("survey_id"):
            surveys.add(str(props["survey_id"]))
    return forms, surveys
