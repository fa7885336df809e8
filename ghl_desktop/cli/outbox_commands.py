"""``outbox list / retry / cancel / dispatch``: the queue of outgoing messages and webhooks."""

from __future__ import annotations

import argparse
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json


def register(commands: Any) -> None:
    outbox = commands.add_parser(
        "outbox", help="outgoing messages and webhooks: queue, failures, dead letters"
    ).add_subparsers(metavar="ACTION")
    p = outbox.add_parser("list", help="a sub-account's outbox, newest first")
    sub_account_option(p)
    p.add_argument(
        "--status", action="append", default=[], metavar="S",
        help="only this status (queued, sending, sent, failed, dead, cancelled); repeatable",
    )  # fmt: skip
    p.add_argument("--sandbox", action="store_true", help="only what the sandbox providers kept")
    p.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    json_flag(p)
    p.set_defaults(handler=cmd_list)
    for name, helptext, handler in (
        ("retry", "queue a failed, dead or cancelled message again now", cmd_retry),
        ("cancel", "stop a queued, failed or dead message from being sent", cmd_cancel),
    ):
        p = outbox.add_parser(name, help=helptext)
        p.add_argument("outbox_id", metavar="ID")
        json_flag(p)
        p.set_defaults(handler=handler)
    p = outbox.add_parser("dispatch", help="send everything due now (servers without the GUI)")
    json_flag(p)
    p.set_defaults(handler=cmd_dispatch)


def _clean(text: str) -> str:
    """Message text for a terminal: control characters shown, not run."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def cmd_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.outbox import admin

    items = admin.list_messages(
        ctx.runtime.uows, ctx.actor, args.sub_account, statuses=admin.parse_statuses(args.status),
        sandbox_only=args.sandbox, limit=args.limit,
    )  # fmt: skip
    rows = [
        (i.id, i.channel, i.status.value, _clean(i.recipient)[:40], _clean(i.subject)[:40],
         f"{i.attempts}/{i.max_attempts}", _clean((i.last_error or "").splitlines()[0])[:60]
         if i.last_error else "")
        for i in items
    ]  # fmt: skip
    emit(args, [i.as_json() for i in items],
         ["id", "channel", "status", "to", "subject", "attempts", "last error"], rows)  # fmt: skip


def _change(ctx: Context, args: argparse.Namespace, verb: str) -> None:
    from ghl_desktop.services.outbox import admin

    sub_account_id = admin.sub_account_of(ctx.runtime.uows, args.outbox_id)
    action = admin.retry if verb == "retry" else admin.cancel
    action(ctx.runtime.uows, ctx.actor, sub_account_id, args.outbox_id)
    item = admin.get_message(ctx.runtime.uows, ctx.actor, sub_account_id, args.outbox_id)
    if args.json:
        print_json(item.as_json())
    else:
        print(f"{item.id}: {item.status.value}")


def cmd_retry(ctx: Context, args: argparse.Namespace) -> None:
    _change(ctx, args, "retry")


def cmd_cancel(ctx: Context, args: argparse.Namespace) -> None:
    _change(ctx, args, "cancel")


def cmd_dispatch(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.outbox.dispatcher import Dispatcher

    rt = ctx.runtime
    result = Dispatcher(rt.uows, rt.providers, rt.clock).dispatch_due()
    summary = {k: getattr(result, k) for k in ("claimed", "sent", "failed", "dead", "deferred")}
    if args.json:
        print_json(summary)
    else:
        print(", ".join(f"{k}: {v}" for k, v in summary.items()))
