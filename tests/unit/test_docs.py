"""Documentation that cannot rot: every CLI command and domain event is documented."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path

import ghl_desktop.services
from ghl_desktop.cli import build_parser
from ghl_desktop.core.events import event_types

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                children = _commands(sub, path)
                found.extend(children or [path])
    return found


def test_every_cli_command_is_in_the_reference() -> None:
    reference = (DOCS / "cli.md").read_text()
    missing = [c for c in _commands(build_parser()) if f"`{c}" not in reference]
    assert not missing, f"document these commands in docs/cli.md: {missing}"


def test_every_domain_event_is_documented() -> None:
    # Events are declared next to the services that record them: import them all.
    for module in pkgutil.walk_packages(ghl_desktop.services.__path__, "ghl_desktop.services."):
        importlib.import_module(module.name)
    reference = (DOCS / "events.md").read_text()
    missing = [name for name in event_types() if f"`{name}`" not in reference]
    assert not missing, f"document these events in docs/events.md: {missing}"
