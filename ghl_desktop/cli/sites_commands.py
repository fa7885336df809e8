"""Sites commands: funnels, pages, forms and their submissions, and ``serve``."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json


def register(commands: Any) -> None:
    funnels = commands.add_parser("funnels", help="funnels and their statistics").add_subparsers(
        metavar="ACTION"
    )
    p = funnels.add_parser("list", help="the sub-account's funnels")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_funnels_list)
    p = funnels.add_parser("stats", help="views, visitors and conversion per step")
    p.add_argument("funnel_id", metavar="FUNNEL_ID")
    p.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    json_flag(p)
    p.set_defaults(handler=cmd_funnels_stats)

    pages = commands.add_parser("pages", help="funnel pages").add_subparsers(metavar="ACTION")
    p = pages.add_parser("publish", help="publish a page's draft as its next version")
    p.add_argument("page_id", metavar="PAGE_ID")
    json_flag(p)
    p.set_defaults(handler=cmd_pages_publish)

    forms = commands.add_parser("forms", help="forms and what visitors sent").add_subparsers(
        metavar="ACTION"
    )
    p = forms.add_parser("submissions", help="a form's submissions, newest first")
    p.add_argument("form_id", metavar="FORM_ID")
    p.add_argument("--limit", type=int, default=500, help="at most this many (default 500)")
    p.add_argument("--csv", action="store_true", help="print CSV (safe to open in a spreadsheet)")
    json_flag(p)
    p.set_defaults(handler=cmd_forms_submissions)

    p = commands.add_parser(
        "serve", help="run the funnel server (and the job scheduler) in the foreground"
    )
    p.add_argument("--host", help="address to listen on (default: the setting, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: the setting, 8787)")
    p.add_argument(
        "--no-scheduler", action="store_true", dest="no_scheduler",
        help="do not run scheduled jobs here (another process runs them)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_serve)


def cmd_funnels_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.sites import funnels

    items = funnels.list_funnels(ctx.runtime.uows, ctx.actor, args.sub_account)
    emit(args, items, ["id", "name", "slug", "steps", "published", "domain"],
         [(f.id, f.name, f.slug, f.step_count, "yes" if f.is_published else "",
           f.custom_domain or "") for f in items])  # fmt: skip


def cmd_funnels_stats(ctx: Context, args: argparse.Namespace) -> None:
    from datetime import timedelta

    from ghl_desktop.services.sites import analytics
    from ghl_desktop.services.sites.lookup import sub_account_of

    uows = ctx.runtime.uows
    sub = sub_account_of(uows, "funnel", args.funnel_id)
    until = ctx.runtime.clock.now()
    stats = analytics.funnel_stats(
        uows, ctx.actor, sub, args.funnel_id, since=until - timedelta(days=args.days), until=until
    )
    emit(args, stats, ["step", "slug", "views", "visitors", "conversions", "reached", "converted"],
         [(s.name, s.slug, s.views, s.visitors, s.conversions, f"{s.reached:.0%}",
           f"{s.conversion_rate:.0%}") for s in stats.steps])  # fmt: skip


def cmd_pages_publish(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.sites import pages
    from ghl_desktop.services.sites.lookup import sub_account_of

    uows = ctx.runtime.uows
    sub = sub_account_of(uows, "page", args.page_id)
    version = pages.publish_page(uows, ctx.actor, sub, args.page_id)
    emit(args, version, ["page", "version", "published at"],
         [(version.page_id, version.version, version.published_at.isoformat())])  # fmt: skip


def cmd_forms_submissions(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.sites import forms, submissions
    from ghl_desktop.services.sites.csv_export import write_submissions_csv
    from ghl_desktop.services.sites.lookup import sub_account_of

    uows = ctx.runtime.uows
    sub = sub_account_of(uows, "form", args.form_id)
    rows = submissions.list_submissions(uows, ctx.actor, sub, args.form_id, limit=args.limit)
    if args.csv:
        form = forms.get_form(uows, ctx.actor, sub, args.form_id)
        write_submissions_csv(csv.writer(sys.stdout), form.fields, rows)
        return
    if args.json:
        print_json(rows)
        return
    emit(args, rows, ["id", "submitted", "contact", "email", "page"],
         [(r.id, r.created_at.isoformat(timespec="seconds"), _clean(r.contact_name),
           _clean(str(r.data.get("email", ""))), _clean(r.page_name)) for r in rows])  # fmt: skip


def _clean(text: str) -> str:
    """Visitor text for a terminal: control characters (escape sequences) shown, not run."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    import logging

    from ghl_desktop.funnel_server.runner import FunnelServer, ServerStartError
    from ghl_desktop.services.sites import server_settings

    runtime = ctx.runtime
    settings = server_settings.load(runtime.uows)
    changes = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if changes:
        settings = settings.with_changes(**changes)
    access = logging.getLogger("uvicorn.access")
    if settings.access_log and not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    server = FunnelServer(runtime.uows, runtime.clock, runtime.secrets, settings)
    try:
        server.bind()
    except ServerStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Funnel server on {server.url} (visitors: {server.public_url}); Ctrl+C stops it.",
          flush=True)  # fmt: skip
    scheduler = None
    if not getattr(args, "no_scheduler", False):
        from ghl_desktop.scheduler.host import SchedulerHost

        # One scheduler per database: it stands by while the desktop app (or another serve)
        # holds the lease, and takes over if that one stops.
        scheduler = SchedulerHost(runtime)
        scheduler.start()
    try:
        server.run()
    finally:
        if scheduler is not None:
            scheduler.stop()
    print("Funnel server stopped.", flush=True)
    return 0
