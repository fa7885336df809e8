"""Rich text of builder blocks: a small allow-list of HTML, rebuilt from parsed tokens.

Anything outside the list - scripts, styles, event handlers, ``javascript:`` links, comments -
is dropped (the text inside unknown tags is kept, escaped; inside script/style it is dropped
too). The result is safe to place in a page unescaped (``Markup``).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

ALLOWED = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "hr",
    "span",
    "small",
    "sup",
    "sub",
    "code",
}
VOID = {"br", "hr"}
DROP_CONTENT = {
    "script",
    "style",
    "template",
    "iframe",
    "object",
    "embed",
    "noscript",
    "svg",
    "math",
    "textarea",
    "select",
    "title",
}
SAFE_HREF = re.compile(r"^(?:https?://|/|#|mailto:|tel:)", re.IGNORECASE)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED:
            return
        rendered = ""
        if tag == "a":
            target = next((v for k, v in attrs if k == "href" and v), "")
            if SAFE_HREF.match(target.strip()):
                rendered = f' href="{html.escape(target.strip(), quote=True)}" rel="noopener"'
        if tag in VOID:
            self.out.append(f"<{tag}>")
            return
        self.out.append(f"<{tag}{rendered}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:  # close whatever was left open inside it
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.out)


def sanitise(text: str) -> str:
    """The allowed part of ``text``; plain text comes back escaped."""
    if not text:
        return ""
    parser = _Sanitiser()
    parser.feed(text)
    return parser.result()
