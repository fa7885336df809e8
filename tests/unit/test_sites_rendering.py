"""Rendering pages: autoescape everywhere, custom values, next-step links, placeholders for
per-visitor tokens, videos, raw HTML pages, and the CSP each kind of page gets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ghl_desktop.services.sites.blocks import check_document
from ghl_desktop.services.sites.public import PublicForm, PublishedPage
from ghl_desktop.services.sites.rendering import (
    OWNER_CSP,
    STRICT_CSP,
    FormState,
    placeholder,
    render_message,
    render_page,
)
from ghl_desktop.services.sites.rendering.environment import video_embed

FORM_ID = "01a20000-0000-7000-8000-0000000000f0"
EVIL = '<script>alert("x")</script>'


def published(*blocks: dict[str, Any], **changes: Any) -> PublishedPage:
    page = PublishedPage(
        sub_account_id="sub", region="US", funnel_id="f", funnel_slug="launch", funnel_name="L",
        funnel_settings={"favicon_url": "/f.ico"}, custom_domain=None, page_id="p",
        page_name="Home", page_slug="", version=1, editor="builder", html="", css="", js="",
        builder_json=check_document({"blocks": list(blocks)}), seo_title="Title " + EVIL,
        seo_description="About us", seo_image_url="https://cdn.example.com/og.png",
        next_slug="thanks",
        forms={FORM_ID: PublicForm(FORM_ID, "Lead", (
            {"key": "email", "label": "Email " + EVIL, "type": "email", "required": True},
            {"key": "src", "type": "hidden", "default": "web"},
        ), {"submit_label": "Send", "on_success": "message"})},
        custom_values={"city": EVIL},
    )  # fmt: skip
    return replace(page, **changes)


def block(kind: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, "props": props}


def test_text_and_custom_values_are_escaped_and_seo_tags_present():
    html = render_page(published(block("hero", title="Hi {{custom_values.city}}")),
                       base_path="/launch").html  # fmt: skip
    assert EVIL not in html
    assert "Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<title>Title &lt;script&gt;" in html
    assert '<meta name="description" content="About us">' in html
    assert '<meta property="og:image" content="https://cdn.example.com/og.png">' in html
    assert '<link rel="icon" href="/f.ico">' in html


def test_forms_get_a_token_placeholder_a_honeypot_and_escaped_labels():
    rendered = render_page(published(block("form", form_id=FORM_ID)), base_path="/launch")
    assert placeholder("form", FORM_ID) in rendered.html
    assert 'name="contact-website"' in rendered.html
    assert 'name="src" value="web"' in rendered.html
    assert "Email &lt;script&gt;" in rendered.html
    assert rendered.csp == STRICT_CSP


def test_a_form_shown_again_keeps_typed_values_escaped_with_its_errors():
    state = FormState({"email": [EVIL]}, {"email": "is not a valid email address"}, "tok")
    html = render_page(published(block("form", form_id=FORM_ID)), base_path="/launch",
                       form_states={FORM_ID: state}).html  # fmt: skip
    assert 'name="_token" value="tok"' in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html
    assert 'aria-invalid="true"' in html
    assert "is not a valid email address" in html


def test_next_step_buttons_follow_the_funnel_and_custom_domains():
    page = published(block("button", label="Go", action="next_step"))
    assert 'href="/launch/thanks"' in render_page(page, base_path="/launch").html
    assert 'href="/thanks"' in render_page(page, base_path="").html
    last = replace(page, next_slug=None)
    assert 'href="#"' in render_page(last, base_path="/launch").html


def test_custom_html_is_sandboxed_and_relaxes_the_csp():
    owner = "<b>{{ custom_values.city }}</b><script>go()</script>"
    rendered = render_page(published(block("custom_html", html=owner)), base_path="/launch")
    assert "<b>&lt;script&gt;" in rendered.html
    assert "<script>go()</script>" in rendered.html
    assert rendered.csp == OWNER_CSP


def test_raw_html_pages_keep_the_owners_document():
    page = published(editor="html", html="<html><head></head><body><h1>Own</h1></body></html>",
                     css="h1>b{color:red}", js="console.log('</script>')")  # fmt: skip
    rendered = render_page(page, base_path="/launch")
    assert rendered.html.startswith("<html><head><style>h1>b{color:red}</style></head>")
    assert "<script>console.log('<\\/script>')</script></body>" in rendered.html
    assert rendered.csp == OWNER_CSP
    fragment = render_page(replace(page, html="<h1>Part</h1>"), base_path="/launch").html
    assert '<main class="page">\n<h1>Part</h1>' in fragment


def test_legacy_blocks_that_fail_the_checks_are_left_out():
    page = published(block("heading", text="kept"))
    legacy = replace(page, builder_json={"blocks": [
        {"type": "button", "props": {"label": "x", "href": "javascript:alert(1)"}},
        {"type": "heading", "props": {"text": "kept"}}]})  # fmt: skip
    html = render_page(legacy, base_path="/launch").html
    assert "javascript:" not in html
    assert "kept" in html


def test_videos_embed_known_players_without_cookies():
    assert video_embed("https://www.youtube.com/watch?v=dQw4w9WgXcQ") == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    assert video_embed("https://youtu.be/dQw4w9WgXcQ").endswith("/embed/dQw4w9WgXcQ")  # type: ignore[union-attr]
    assert video_embed("https://vimeo.com/76979871") == "https://player.vimeo.com/video/76979871"
    assert video_embed("https://cdn.example.com/a.mp4") is None


def test_message_pages_escape_their_text():
    assert "&lt;b&gt;" in render_message(404, "Not <b>found</b>", "x")
