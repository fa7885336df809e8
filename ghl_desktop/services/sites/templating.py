"""Templates the owner writes (custom HTML blocks, raw HTML pages) run in Jinja's sandbox.

The owner's markup is output as written - it is theirs - but every value put into it
(``{{ custom_values.key }}``) is escaped, attribute access is restricted to safe data, and
ranges are bounded. A template that does not compile is refused when it is saved, naming the
property and the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.custom_values import render_merge_fields

_ENV = ImmutableSandboxedEnvironment(autoescape=True, undefined=Undefined)


def check_template(source: str, field: str) -> None:
    try:
        _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            field, f"template error on line {exc.lineno}: {exc.message}"
        ) from None


def render_owner_template(source: str, custom_values: Mapping[str, str]) -> str:
    """The owner's template with the sub-account's custom values; a template that fails at
    render time (a sandbox violation) renders as an HTML comment saying so."""
    if not source:
        return ""
    try:
        return _ENV.from_string(source).render(custom_values=dict(custom_values))
    except (SecurityError, TemplateError) as exc:
        return f"<!-- template error: {type(exc).__name__} -->"


def fill_custom_values(text: str, custom_values: Mapping[str, Any]) -> str:
    """Plain text with ``{{custom_values.key}}`` (and ``{{custom_values.key | default}}``)
    filled by the CRM's merge-field renderer; anything unknown becomes empty. The result is
    still plain text: the caller escapes it."""
    if "{{" not in text:
        return text
    return render_merge_fields(text, {"custom_values": dict(custom_values)})
