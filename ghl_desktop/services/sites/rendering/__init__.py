"""HTML of published pages, previews and the server's own message pages."""

from __future__ import annotations

from ghl_desktop.services.sites.rendering.environment import asset, asset_version, environment
from ghl_desktop.services.sites.rendering.page import (
    OWNER_CSP,
    PLACEHOLDER,
    STRICT_CSP,
    FormState,
    Rendered,
    SurveyView,
    first_view,
    placeholder,
    render_page,
)


def render_message(code: int, title: str, text: str, back: str = "") -> str:
    """A plain page for 404, 429 and the like (every value escaped)."""
    return (
        environment()
        .get_template("message.html")
        .render(code=code, title=title, text=text, back=back, asset_version=asset_version())
    )


__all__ = [
    "OWNER_CSP",
    "PLACEHOLDER",
    "STRICT_CSP",
    "FormState",
    "Rendered",
    "SurveyView",
    "asset",
    "asset_version",
    "first_view",
    "placeholder",
    "render_message",
    "render_page",
]
