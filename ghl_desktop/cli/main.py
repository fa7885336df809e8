"""Parser, dispatch and error reporting for ``ghl-desktop``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ghl_desktop import __version__
from ghl_desktop.cli import (
    calendar_commands,
    crm_commands,
    inbox_commands,
    outbox_commands,
    pipeline_commands,
    platform_commands,
    scheduler_commands,
    sites_commands,
    workflow_commands,
)
from ghl_desktop.cli.context import Context, open_context

log = logging.getLogger(__name__)

Handler = Callable[[Context, argparse.Namespace], Any]

# Each module adds its subcommands to the parser; keep this list the only place to wire them.
COMMAND_MODULES = [
    platform_commands,
    sites_commands,
    crm_commands,
    inbox_commands,
    pipeline_commands,
    calendar_commands,
    workflow_commands,
    outbox_commands,
    scheduler_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghl-desktop",
        description="Local-first CRM and marketing automation for agencies. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"ghl-desktop {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory (default: the user data dir, "
        "or $GHL_DESKTOP_DATA_DIR)",
    )  # fmt: skip
    parser.add_argument(
        "--database", metavar="URL", help="database URL (default: SQLite in the data dir; "
        "postgresql://user@host/db works too)",
    )  # fmt: skip
    parser.add_argument(
        "--as", dest="as_user", metavar="EMAIL",
        help="act as this user (password from $GHL_DESKTOP_PASSWORD or a prompt); "
        "without it the command runs as the local administrator",
    )  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ghl_desktop.core.errors import DomainError

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler = args.handler
    try:
        if getattr(handler, "without_context", False):
            result = handler(args)
        else:
            ctx = open_context(args)
            try:
                result = handler(ctx, args)
            finally:
                ctx.runtime.close()
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # bad --database URL and the like
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # an unreachable server, an unreadable or locked file
        log.info("database error", exc_info=True)  # the traceback with --verbose
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: database: {reason}", file=sys.stderr)
        return 1
    except OSError as exc:  # a data directory that cannot be created or written
        log.info("file system error", exc_info=True)
        print(f"error: {exc.filename or 'file'}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return int(result or 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if not hasattr(args, "handler"):
        # A command group without its subcommand, e.g. `ghl-desktop users`.
        parser.parse_args([*(argv or sys.argv[1:]), "--help"])
        return 2
    return run(args)
