"""Pipeline commands: pipelines (list, analytics) and opportunities (list, get, create, move,
status)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json
from ghl_desktop.core.errors import ValidationError

ROW_HEADERS = ["id", "name", "stage", "status", "value", "contact", "owner"]
T = TypeVar("T")


def register(commands: Any) -> None:
    pipelines = commands.add_parser("pipelines", help="sales pipelines").add_subparsers(
        metavar="ACTION"
    )
    p = pipelines.add_parser("list", help="pipelines with their stages")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_pipelines_list)
    p = pipelines.add_parser("analytics", help="counts, values, forecast, times, conversion")
    p.add_argument("--pipeline", metavar="ID")
    p.add_argument("--owner", metavar="USER_ID")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="YYYY-MM-DD (UTC)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="YYYY-MM-DD (UTC, exclusive)")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_analytics)

    opps = commands.add_parser("opportunities", help="deals in pipelines").add_subparsers(
        metavar="ACTION"
    )
    p = opps.add_parser("list", help="opportunities, newest first")
    p.add_argument("--pipeline", metavar="ID")
    p.add_argument("--stage", metavar="ID")
    p.add_argument("--status", choices=["open", "won", "lost", "abandoned"])
    p.add_argument("--owner", metavar="USER_ID")
    p.add_argument("--search", metavar="TEXT", default="")
    p.add_argument("--limit", type=int, default=100, metavar="N")
    p.add_argument("--offset", type=int, default=0, metavar="N")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_list)
    p = opps.add_parser("get", help="one opportunity with its stage history")
    p.add_argument("opportunity_id", metavar="ID")
    sub_account_option(p, required=False)
    json_flag(p)
    p.set_defaults(handler=cmd_get)
    p = opps.add_parser("create", help="a new opportunity")
    p.add_argument("--contact", required=True, metavar="ID")
    p.add_argument("--name", required=True)
    p.add_argument("--pipeline", metavar="ID")
    p.add_argument("--stage", metavar="ID")
    p.add_argument("--value", default="0", metavar="AMOUNT", help="e.g. 1234.50")
    p.add_argument("--currency", metavar="CUR", help="default: the sub-account's")
    p.add_argument("--owner", metavar="USER_ID")
    p.add_argument("--source", default="")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_create)
    p = opps.add_parser("move", help="move an opportunity to another stage")
    p.add_argument("opportunity_id", metavar="ID")
    p.add_argument("--stage", required=True, metavar="ID")
    p.add_argument("--lost-reason", dest="lost_reason", metavar="TEXT")
    sub_account_option(p, required=False)
    json_flag(p)
    p.set_defaults(handler=cmd_move)
    p = opps.add_parser("status", help="win, lose, abandon or reopen an opportunity")
    p.add_argument("opportunity_id", metavar="ID")
    p.add_argument("--status", required=True, choices=["open", "won", "lost", "abandoned"])
    p.add_argument("--lost-reason", dest="lost_reason", metavar="TEXT")
    sub_account_option(p, required=False)
    json_flag(p)
    p.set_defaults(handler=cmd_status)


def _money(minor: int, currency: str) -> str:
    from ghl_desktop.core.money import Money

    return Money(minor, currency).format()


def _row(o: Any) -> tuple[Any, ...]:
    return (o.id, o.name, o.stage_name, o.status.value, _money(o.value_minor, o.currency),
            o.contact_name, o.owner_name)  # fmt: skip


def _date(text: str | None, field: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, got {text!r}") from None


def _sub_account(ctx: Context, args: argparse.Namespace) -> str:
    from ghl_desktop.services.pipelines.queries import sub_account_of_opportunity

    if args.sub_account:
        return str(args.sub_account)
    return sub_account_of_opportunity(ctx.runtime.uows, args.opportunity_id)


def _on_opportunity(ctx: Context, args: argparse.Namespace, call: Callable[[str], T]) -> T:
    """Run ``call(sub_account_id)`` for the opportunity's sub-account. Found by id alone, a
    sub-account the actor cannot open answers like a missing opportunity (its id stays
    unsaid)."""
    from ghl_desktop.core.errors import NotFound

    sub = _sub_account(ctx, args)
    try:
        return call(sub)
    except NotFound as exc:
        if args.sub_account or exc.entity != "sub-account":
            raise
        raise NotFound("opportunity", args.opportunity_id) from None


def cmd_pipelines_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.pipelines.structure import list_pipelines

    found = list_pipelines(ctx.runtime.uows, ctx.actor, args.sub_account)
    rows = [(p.id, p.name, "yes" if p.is_default else "", s.id, s.name, s.probability,
             s.kind.value) for p in found for s in p.stages]  # fmt: skip
    emit(args, found, ["pipeline", "name", "default", "stage", "stage name", "prob", "kind"],
         rows)  # fmt: skip


def cmd_analytics(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.pipelines.analytics import AnalyticsFilter, pipeline_analytics

    f = AnalyticsFilter(args.owner, _date(args.date_from, "from"), _date(args.date_to, "to"))
    result = pipeline_analytics(ctx.runtime.uows, ctx.actor, args.sub_account, args.pipeline, f)
    if args.json:
        print_json({
            "pipeline_id": result.pipeline_id, "currency": result.currency,
            "forecast_minor": result.forecast_minor, "won_count": result.won_count,
            "lost_count": result.lost_count, "win_rate": result.win_rate,
            "stages": [{"stage_id": s.stage.id, "name": s.stage.name, "count": s.count,
                        "value_minor": s.value_minor, "weighted_minor": s.weighted_minor,
                        "average_seconds": s.average_seconds, "exits": s.exits}
                       for s in result.stages],
            "conversions": [{"from_stage_id": c.from_stage.id, "to_stage_id": c.to_stage.id,
                             "reached_from": c.reached_from, "reached_to": c.reached_to,
                             "rate": c.rate} for c in result.conversions],
            "won_by_month": [{"month": m.month, "count": m.count, "value_minor": m.value_minor}
                             for m in result.won_by_month],
        })  # fmt: skip
        return
    cur = result.currency
    rows = [(s.stage.name, s.count, _money(s.value_minor, cur), _money(s.weighted_minor, cur),
             f"{s.average_seconds / 86_400:.1f}" if s.average_seconds is not None else "")
            for s in result.stages]  # fmt: skip
    emit(args, result, ["stage", "count", "value", "weighted", "avg days"], rows)
    rate = f"{result.win_rate:.0%}" if result.win_rate is not None else "-"
    print(f"forecast {_money(result.forecast_minor, cur)}; won {result.won_count}, "
          f"lost {result.lost_count}, win rate {rate}")  # fmt: skip


def cmd_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.models.pipelines import OpportunityStatus
    from ghl_desktop.services.pipelines.queries import OpportunityFilter, list_opportunities

    f = OpportunityFilter(
        pipeline_id=args.pipeline, stage_id=args.stage,
        status=OpportunityStatus(args.status) if args.status else None,
        owner_user_id=args.owner, search=args.search,
    )  # fmt: skip
    found = list_opportunities(ctx.runtime.uows, ctx.actor, args.sub_account, f,
                               limit=args.limit, offset=args.offset)  # fmt: skip
    emit(args, found, ROW_HEADERS, [_row(o) for o in found])


def cmd_get(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.pipelines.queries import get_opportunity, stage_history

    uows, actor, opportunity_id = ctx.runtime.uows, ctx.actor, args.opportunity_id
    info, history = _on_opportunity(ctx, args, lambda sub: (
        get_opportunity(uows, actor, sub, opportunity_id),
        stage_history(uows, actor, sub, opportunity_id),
    ))  # fmt: skip
    if args.json:
        from ghl_desktop.cli.output import to_jsonable

        print_json({**to_jsonable(info), "history": to_jsonable(history)})
        return
    emit(args, info, ROW_HEADERS, [_row(info)])
    for h in history:
        days = f" after {h.duration_seconds / 86_400:.1f} days" if h.duration_seconds else ""
        print(f"{h.changed_at.isoformat(timespec='minutes')}  "
              f"{h.from_stage_name or '(created)'} -> {h.to_stage_name}{days}")  # fmt: skip


def cmd_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.core.money import Money
    from ghl_desktop.services.pipelines.opportunities import create_opportunity

    value = Money.parse(args.value, args.currency or "USD", "value") if args.value else None
    info = create_opportunity(
        ctx.runtime.uows, ctx.actor, args.sub_account, contact_id=args.contact, name=args.name,
        pipeline_id=args.pipeline, stage_id=args.stage,
        value_minor=value.amount_minor if value else 0, currency=args.currency,
        owner_user_id=args.owner, source=args.source,
    )  # fmt: skip
    emit(args, info, ROW_HEADERS, [_row(info)])


def cmd_move(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.pipelines.opportunities import move_opportunity

    info = _on_opportunity(ctx, args, lambda sub: move_opportunity(
        ctx.runtime.uows, ctx.actor, sub, args.opportunity_id, args.stage,
        lost_reason=args.lost_reason,
    ))  # fmt: skip
    emit(args, info, ROW_HEADERS, [_row(info)])


def cmd_status(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.pipelines.opportunities import set_status

    info = _on_opportunity(ctx, args, lambda sub: set_status(
        ctx.runtime.uows, ctx.actor, sub, args.opportunity_id, args.status,
        lost_reason=args.lost_reason,
    ))  # fmt: skip
    emit(args, info, ROW_HEADERS, [_row(info)])
