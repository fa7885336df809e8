"""Builder documents: every block's properties checked, defaults filled, unsafe values refused;
rich text sanitised; owner templates sandboxed."""

from __future__ import annotations

from typing import Any

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.sites.blocks import (
    CATALOGUE,
    MAX_DEPTH,
    check_document,
    default_block,
    referenced_ids,
)
from ghl_desktop.services.sites.richtext import sanitise
from ghl_desktop.services.sites.templating import (
    check_template,
    fill_custom_values,
    render_owner_template,
)

FORM_ID = "01a20000-0000-7000-8000-000000000001"


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": list(blocks)}


def block(kind: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, "props": props}


def error_of(document: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_document(document)
    return caught.value


def test_the_issue_lists_every_block_type():
    assert set(CATALOGUE) == {
        "section", "hero", "heading", "text", "image", "video", "button", "form", "survey",
        "countdown", "pricing", "testimonial", "columns", "spacer", "custom_html",
    }  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CATALOGUE))
def test_every_default_block_passes_its_own_checks(kind: str):
    ids = {"form": {"form_id": FORM_ID}, "survey": {"survey_id": FORM_ID}}.get(kind, {})
    checked = check_document(doc(default_block(kind, **ids)))
    assert checked["blocks"][0]["type"] == kind


def test_defaults_are_filled_and_the_version_set():
    checked = check_document(doc(block("heading", text="Hi")))
    assert checked == {
        "version": "1.0",
        "blocks": [{"type": "heading", "props": {"text": "Hi", "level": "2", "align": "left"}}],
    }
    assert check_document(None) == {"version": "1.0", "blocks": []}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (doc(block("heading")), "blocks[0].props.text"),
        (doc(block("heading", text="x", colour="red")), "blocks[0].props.colour"),
        (doc({"type": "marquee", "props": {}}), "blocks[0].type"),
        (doc(block("button", label="Go", href="javascript:alert(1)")), "blocks[0].props.href"),
        (doc(block("image", src="data:image/png;base64,AAAA")), "blocks[0].props.src"),
        (doc(block("section", background="red; x:y")), "blocks[0].props.background"),
        (doc(block("spacer", height=9999)), "blocks[0].props.height"),
        (doc(block("heading", text="two\nlines")), "blocks[0].props.text"),
        (doc(block("countdown", ends_at="soon")), "blocks[0].props.ends_at"),
        (doc(block("pricing", plans=[{"name": "A"}])), "blocks[0].props.plans[0].price"),
        (doc(block("custom_html", html="{% for %}")), "blocks[0].props.html"),
        (doc(block("columns", columns=[{"blocks": [{"type": "nope"}]}])),
         "blocks[0].props.columns[0].blocks[0].type"),
        ({"blocks": [], "theme": "dark"}, "builder_json.theme"),
    ],
)  # fmt: skip
def test_bad_properties_are_refused_naming_their_path(document: Any, field: str):
    assert error_of(document).field == field


def test_nesting_is_bounded():
    inner: dict[str, Any] = block("heading", text="deep")
    for _ in range(MAX_DEPTH):
        inner = block("section", blocks=[inner])
    assert "nest" in error_of(doc(inner)).problem


def test_referenced_forms_and_surveys_are_found_at_any_depth():
    document = check_document(doc(
        block("section", blocks=[block("form", form_id=FORM_ID)]),
        block("columns", columns=[{"blocks": [block("survey", survey_id="s-1")]}]),
    ))  # fmt: skip
    assert referenced_ids(document) == ({FORM_ID}, {"s-1"})


def test_countdown_times_are_stored_in_utc():
    checked = check_document(doc(block("countdown", ends_at="2030-01-01T10:00:00+02:00")))
    assert checked["blocks"][0]["props"]["ends_at"] == "2030-01-01T08:00:00+00:00"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("<p>Hello <strong>you</strong></p>", "<p>Hello <strong>you</strong></p>"),
        ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
        ('<p onclick="alert(1)">x</p>', "<p>x</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="/p?a=1&b=2">x</a>', '<a href="/p?a=1&amp;b=2" rel="noopener">x</a>'),
        ("<img src=x onerror=alert(1)>", ""),
        ("<div><em>open", "<em>open</em>"),
        ("1 < 2 & 3", "1 &lt; 2 &amp; 3"),
        ("<style>body{}</style>ok", "ok"),
        ("a<br/>b", "a<br>b"),
    ],
)  # fmt: skip
def test_rich_text_keeps_only_the_allow_list(given: str, expected: str):
    assert sanitise(given) == expected


def test_owner_templates_run_sandboxed_with_escaped_values():
    values = {"city": "<b>Paris</b>"}
    assert render_owner_template("<p>{{ custom_values.city }}</p>", values) == (
        "<p>&lt;b&gt;Paris&lt;/b&gt;</p>"
    )
    escaped = render_owner_template("{{ custom_values.__class__.__mro__ }}", values)
    assert "object" not in escaped
    assert render_owner_template("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}) == (
        "<!-- template error: SecurityError -->"
    )
    with pytest.raises(ValidationError, match="line 1"):
        check_template("{% if %}", "html")


def test_custom_values_fill_plain_text_with_defaults():
    assert fill_custom_values("Hi {{ custom_values.name | friend }}", {}) == "Hi friend"
    assert fill_custom_values("{{contact.first_name}}!", {"name": "x"}) == "!"


def test_custom_values_fill_plain_text():
    assert fill_custom_values("Hi {{custom_values.name}} {{ custom_values.none }}!", {
        "name": "Ann"}) == "Hi Ann !"  # fmt: skip
