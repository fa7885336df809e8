"""Command-line entry point: argument parsing and output only; all work is done by services."""

from __future__ import annotations

from ghl_desktop.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
