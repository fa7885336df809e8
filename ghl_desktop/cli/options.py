"""Options most commands share, spelled once so every command reads them alike."""

from __future__ import annotations

import argparse


def json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (stable keys)")


def sub_account_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--sub-account", required=required, metavar="ID", dest="sub_account")
