"""Workflow commands: list, execution history, run what is due, enrol, pause/resume/cancel,
dry run."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json, to_jsonable
from ghl_desktop.core.errors import ValidationError

RUN_OUTCOMES = ("completed", "skipped", "failed", "retry", "parked", "cancelled")


def register(commands: Any) -> None:
    wf = commands.add_parser("workflows", help="workflow automation").add_subparsers(
        metavar="ACTION"
    )
    p = wf.add_parser("list", help="the sub-account's workflows")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_list)

    p = wf.add_parser("executions", help="runs of a contact (with path) or of a workflow")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--contact", metavar="ID", help="a contact's runs, newest first")
    who.add_argument("--workflow", metavar="ID", help="a workflow's execution log")
    p.add_argument("--limit", type=int, default=50, metavar="N")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_executions)

    p = wf.add_parser("run-due", help="run every workflow step due now (servers without the GUI)")
    p.add_argument("--max-steps", type=int, default=20_000, metavar="N",
                   help="stop after this many steps (the rest runs next time)")  # fmt: skip
    json_flag(p)
    p.set_defaults(handler=cmd_run_due)

    p = wf.add_parser("enroll", help="enrol a contact in a published workflow")
    p.add_argument("workflow_id", metavar="WORKFLOW_ID")
    p.add_argument("contact_id", metavar="CONTACT_ID")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_enroll)

    for name, text in (("pause", "pause a run"), ("resume", "resume a paused run"),
                       ("cancel", "cancel a run")):  # fmt: skip
        p = wf.add_parser(name, help=text)
        p.add_argument("execution_id", metavar="EXECUTION_ID")
        sub_account_option(p)
        json_flag(p)
        p.set_defaults(handler=cmd_control, control=name)

    p = wf.add_parser(
        "dry-run", help="rehearse a workflow on a contact: nothing is written or sent"
    )
    p.add_argument("workflow_id", metavar="WORKFLOW_ID")
    p.add_argument("contact_id", metavar="CONTACT_ID")
    p.add_argument("--version", type=int, metavar="N", help="default: the published version")
    p.add_argument(
        "--context", metavar="JSON", help='seed the run context, e.g. {"opened_email": true}'
    )
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_dry_run)


def cmd_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine.queries import list_workflows

    rows = list_workflows(ctx.runtime.uows, ctx.actor, args.sub_account)
    emit(args, rows, ["id", "name", "folder", "status", "version", "live", "runs"],
         [(w.id, w.name, w.folder, w.status, w.published_version or "", w.live_executions,
           w.total_executions) for w in rows])  # fmt: skip


def _detail_json(detail: Any) -> dict[str, Any]:
    value: dict[str, Any] = to_jsonable(detail.summary)
    value["path"] = list(detail.path)
    value["steps"] = [
        {**to_jsonable(s), "branch": s.branch, "decisions": s.decisions} for s in detail.steps
    ]
    value["context"] = to_jsonable(detail.context)
    return value


def cmd_executions(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine import queries

    uows, actor, sub = ctx.runtime.uows, ctx.actor, args.sub_account
    if args.contact:
        details = queries.contact_executions(uows, actor, sub, args.contact, limit=args.limit)
        if args.json:
            print_json([_detail_json(d) for d in details])
            return
        rows = [
            (d.summary.id, d.summary.workflow_name, d.summary.status,
             d.summary.started_at.isoformat(timespec="seconds"),
             " > ".join(f"{s.action_name}" + (f" [{s.branch}]" if s.branch else "")
                        for s in d.steps if s.status != "cancelled"))
            for d in details
        ]  # fmt: skip
        emit(args, None, ["id", "workflow", "status", "started", "path"], rows)
        return
    runs = queries.workflow_executions(uows, actor, sub, args.workflow, limit=args.limit)
    emit(args, runs, ["id", "contact", "status", "started", "error"],
         [(r.id, r.contact_name, r.status, r.started_at.isoformat(timespec="seconds"),
           r.error or "") for r in runs])  # fmt: skip


def cmd_run_due(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine import fire_date_reminders, run_due

    if args.max_steps < 1:
        raise ValidationError("max-steps", "must be at least 1")
    if not ctx.actor.is_system:
        # It runs every sub-account's due steps: with --as, only for whom all of them are theirs.
        with ctx.runtime.uows.agency(ctx.actor, ctx.agency_id(None), read_only=True) as uow:
            uow.require("workflows.manage")
    reminders = fire_date_reminders(ctx.runtime.uows)
    summary = run_due(ctx.runtime.uows, max_steps=args.max_steps)
    # Every documented key, 0 when nothing ended that way (scripts read them without guards).
    value = {"date_reminder_enrolments": reminders, "claimed": 0, "lost": 0,
             **dict.fromkeys(RUN_OUTCOMES, 0), **summary.as_dict()}  # fmt: skip
    emit(args, value, ["what", "count"], list(value.items()))


def cmd_enroll(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine.control import enrol_contacts

    report = enrol_contacts(
        ctx.runtime.uows, ctx.actor, args.sub_account, args.workflow_id, [args.contact_id]
    )
    value = {
        "enrolled": report.enrolled == 1,
        "execution_id": report.execution_ids[0] if report.execution_ids else None,
        "refused": next(iter(report.refused), None),
    }
    shown = {True: "yes", False: "no", None: ""}
    rows = [(k, shown[v] if v is None or isinstance(v, bool) else v) for k, v in value.items()]
    emit(args, value, ["what", "value"], rows)


def cmd_control(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine import control

    command = {"pause": control.pause_execution, "resume": control.resume_execution,
               "cancel": control.cancel_execution}[args.control]  # fmt: skip
    status = command(ctx.runtime.uows, ctx.actor, args.sub_account, args.execution_id)
    value = {"execution_id": args.execution_id, "status": status}
    emit(args, value, ["execution", "status"], [(args.execution_id, status)])


def cmd_dry_run(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.workflows.engine.dry_run import dry_run

    seed = None
    if args.context:
        try:
            seed = json.loads(args.context)
        except ValueError as exc:
            raise ValidationError("context", f"is not JSON: {exc}") from None
    report = dry_run(
        ctx.runtime.uows, ctx.actor, args.sub_account, args.workflow_id, args.contact_id,
        version=args.version, context=seed,
    )  # fmt: skip
    if args.json:
        value = to_jsonable(report)
        for entry, shown in zip(report.entries, value["entries"], strict=True):
            shown["why"] = entry.why
        print_json(value)
        return
    rows = [
        (e.at.isoformat(timespec="minutes"), e.name, e.status,
         "; ".join(f"{s['channel']} to {s.get('to') or s.get('url')}: "
                   f"{s.get('subject') or s.get('body') or ''}" for s in e.sends),
         e.why)
        for e in report.entries
    ]  # fmt: skip
    emit(args, None, ["when", "step", "status", "would send", "why"], rows)
    print(f"outcome: {report.outcome}" + (f" ({report.reason})" if report.reason else ""))
