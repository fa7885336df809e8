"""``ghl-desktop``: with a command, the CLI; without one, the desktop app."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        # Answered before the parser exists: building it imports every command module.
        from ghl_desktop import __version__

        print(f"ghl-desktop {__version__}")
        return 0
    from ghl_desktop.cli import build_parser
    from ghl_desktop.cli.main import main as cli_main

    parsed, _rest = build_parser().parse_known_args(args)
    if parsed.command is None and not {"-h", "--help", "--version"} & set(args):
        from ghl_desktop.ui.app import run_app

        return int(run_app(parsed.data_dir, parsed.database))
    return cli_main(args)
