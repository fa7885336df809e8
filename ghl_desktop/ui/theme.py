"""Light and dark themes: Fusion style, a palette, and one style sheet template (``style.qss``)
filled with each theme's colours."""

from __future__ import annotations

from enum import StrEnum
from importlib.resources import files
from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


class Theme(StrEnum):
    LIGHT = "light"
    DARK = "dark"

    @classmethod
    def parse(cls, value: str) -> Theme:
        try:
            return cls(value)
        except ValueError:
            return cls.LIGHT


COLOURS: dict[Theme, dict[str, str]] = {
    Theme.LIGHT: {
        "window": "#f4f5f7",
        "base": "#ffffff",
        "alternate": "#f8f9fb",
        "text": "#1f2328",
        "muted": "#5f6673",
        "border": "#d8dce2",
        "accent": "#2563eb",
        "accent_text": "#ffffff",
        "nav": "#1f2937",
        "nav_text": "#d1d5db",
        "nav_hover": "#2b3747",
        "bar": "#ffffff",
        "error": "#b42318",
        "ok": "#16803c",
        "warning": "#b45309",
    },
    Theme.DARK: {
        "window": "#1c1d20",
        "base": "#25272b",
        "alternate": "#2a2c31",
        "text": "#e6e7e9",
        "muted": "#a0a6ae",
        "border": "#3a3d43",
        "accent": "#5b8ff9",
        "accent_text": "#0d1117",
        "nav": "#141518",
        "nav_text": "#c9ccd1",
        "nav_hover": "#23262b",
        "bar": "#232529",
        "error": "#ff7b72",
        "ok": "#3fb950",
        "warning": "#d29922",
    },
}


def palette_for(theme: Theme) -> QPalette:
    c = {key: QColor(value) for key, value in COLOURS[theme].items()}
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, c["window"]),
        (roles.WindowText, c["text"]),
        (roles.Base, c["base"]),
        (roles.AlternateBase, c["alternate"]),
        (roles.Text, c["text"]),
        (roles.Button, c["base"]),
        (roles.ButtonText, c["text"]),
        (roles.ToolTipBase, c["base"]),
        (roles.ToolTipText, c["text"]),
        (roles.PlaceholderText, c["muted"]),
        (roles.Highlight, c["accent"]),
        (roles.HighlightedText, c["accent_text"]),
        (roles.Link, c["accent"]),
        (roles.Mid, c["border"]),
        (roles.BrightText, c["error"]),
    ):
        palette.setColor(role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, c["muted"])
    return palette


def style_sheet(theme: Theme) -> str:
    template = Template(files("ghl_desktop.ui").joinpath("style.qss").read_text("utf-8"))
    return template.substitute(COLOURS[theme])


def apply_theme(app: QApplication, theme: Theme) -> None:
    app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(theme))
    app.setProperty("ghl_theme", theme.value)


def current_theme(app: QApplication) -> Theme:
    value = app.property("ghl_theme")
    return Theme.parse(value if isinstance(value, str) else "")


def colour(app: QApplication, name: str) -> QColor:
    """A named colour of the current theme (for item models that colour a cell)."""
    return QColor(COLOURS[current_theme(app)][name])
