"""``scheduler status``: who holds the scheduler lease and how each job last ran; and
``scheduler run``: run the scheduler in the foreground (what ``serve`` does next to the server)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag
from ghl_desktop.cli.output import emit


def register(commands: Any) -> None:
    scheduler = commands.add_parser(
        "scheduler", help="the background job scheduler"
    ).add_subparsers(metavar="ACTION")
    p = scheduler.add_parser("status", help="lease holder, and each job's last and next run")
    json_flag(p)
    p.set_defaults(handler=cmd_status)
    p = scheduler.add_parser(
        "run", help="run the scheduler in the foreground until Ctrl+C (stands by while "
        "another process holds the lease)",
    )  # fmt: skip
    p.add_argument("--once", action="store_true", help="run every job once if the lease is free")
    p.set_defaults(handler=cmd_run)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def cmd_status(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.scheduler_state import scheduler_status

    status = scheduler_status(ctx.runtime.uows)
    if not getattr(args, "json", False):
        live = "live" if status.is_lease_live else "expired"
        holder = f"{status.holder} (lease {live} until {_when(status.lease_expires_at)})"
        print(f"Lease holder: {holder if status.holder else 'none (no scheduler running)'}")
    rows = [
        (j.job_id, _when(j.last_started_at), _when(j.last_finished_at), _when(j.next_run_at),
         j.run_count, (j.last_error or "").splitlines()[0] if j.last_error else "")
        for j in status.jobs
    ]  # fmt: skip
    emit(args, status.as_json(), ["job", "last start", "last finish", "next run", "runs",
                                  "last error"], rows)  # fmt: skip


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.scheduler.host import SchedulerHost

    host = SchedulerHost(ctx.runtime)
    if args.once:
        if not host.heartbeat():
            print("Another process holds the scheduler lease; nothing was run.")
            return 1
        try:
            ran = host.run_all_now()
        finally:
            host.stop()
        print(f"Ran {', '.join(ran)}.")
        return 0
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    host.start()
    print(f"Scheduler {host.holder} started; Ctrl+C stops it.", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        host.stop()
    print("Scheduler stopped.", flush=True)
    return 0
