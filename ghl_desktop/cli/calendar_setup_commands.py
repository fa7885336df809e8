"""Setting calendars up from the command line: create a calendar, give it weekly hours and
closed days, create services and choose which of them a calendar offers.

Registered under ``calendars`` (create, hours, offer) and as ``services`` (list, create) by
``calendar_commands.register``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit
from ghl_desktop.core.errors import ValidationError

DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_HOURS = re.compile(r"^([a-z]{3})[a-z]*\s*=?\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")
SERVICE_HEADERS = ["id", "name", "minutes", "price", "active"]


def register_calendar_actions(cal: Any) -> None:
    p = cal.add_parser("create", help="create a user calendar (--owner) or a team calendar")
    p.add_argument("--name", required=True)
    p.add_argument("--slug", required=True, help="booking page name: lower-case, digits, dashes")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--owner", metavar="EMAIL", help="the user whose calendar it is")
    who.add_argument("--team", action="store_true", help="a team calendar (round robin)")
    p.add_argument("--timezone", default="UTC", metavar="ZONE", help="IANA zone of its hours")
    p.add_argument("--description", default="")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_calendar_create)

    p = cal.add_parser("hours", help="replace a calendar's weekly hours and closed days")
    p.add_argument("calendar_id", metavar="CALENDAR_ID")
    p.add_argument("--weekly", action="append", default=[], metavar="DAY=HH:MM-HH:MM",
                   help="open hours, e.g. mon=09:00-17:00 (repeatable)")  # fmt: skip
    p.add_argument("--closed", action="append", default=[], metavar="DATE",
                   help="a day it is closed, e.g. 2026-12-25 (repeatable)")  # fmt: skip
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_calendar_hours)

    p = cal.add_parser("offer", help="choose the services a calendar offers (none: every one)")
    p.add_argument("calendar_id", metavar="CALENDAR_ID")
    p.add_argument("--service", action="append", default=[], metavar="ID", dest="services")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_calendar_offer)


def register_services(commands: Any) -> None:
    services = commands.add_parser("services", help="bookable services (calendars offer them)")
    svc = services.add_subparsers(metavar="ACTION")
    p = svc.add_parser("list", help="the sub-account's services")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_services_list)
    p = svc.add_parser("create", help="create a service")
    p.add_argument("--name", required=True)
    p.add_argument("--minutes", type=int, default=30, help="how long it lasts (default 30)")
    p.add_argument("--buffer-before", type=int, default=0, metavar="MINUTES")
    p.add_argument("--buffer-after", type=int, default=0, metavar="MINUTES")
    p.add_argument("--price", default="0", help="e.g. 49.00 (default: free)")
    p.add_argument("--currency", metavar="CODE", help="default: the sub-account's")
    p.add_argument("--requires-payment", action="store_true")
    p.add_argument("--description", default="")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_services_create)


def parse_weekly(text: str) -> dict[str, Any]:
    """``mon=09:00-17:00`` as an availability rule."""
    found = _HOURS.match(text.strip().lower())
    if found is None or found.group(1) not in DAYS:
        raise ValidationError("weekly", f"{text!r} is not like mon=09:00-17:00")
    day, start, end = found.groups()
    return {"kind": "weekly", "day_of_week": DAYS[day], "start_time": start.zfill(5),
            "end_time": end.zfill(5)}  # fmt: skip


@contextmanager
def _options_named(names: dict[str, str], rules: int = 0) -> Iterator[None]:
    """Errors name the command's options (``minutes``), not the service's fields
    (``duration_minutes``); ``rules[n]`` is the n-th ``--weekly`` (or, past them, ``--closed``)."""
    try:
        yield
    except ValidationError as exc:
        field = exc.field
        if (found := re.match(r"^rules\[(\d+)\]", field)) is not None:
            field = "weekly" if int(found.group(1)) < rules else "closed"
        elif field in names:
            field = names[field]
        else:
            raise
        raise ValidationError(field, exc.problem) from None


def _calendar_row(c: Any) -> list[Any]:
    return [c.id, c.name, c.kind, c.timezone, c.booking_path]


def cmd_calendar_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.models.calendars import CalendarKind
    from ghl_desktop.services.calendars.setup import create_calendar
    from ghl_desktop.services.users import find_user_id

    uows = ctx.runtime.uows
    owner = find_user_id(uows, args.owner) if args.owner else None
    with _options_named({"owner_user_id": "owner"}):
        info = create_calendar(
            uows, ctx.actor, args.sub_account, name=args.name, slug=args.slug,
            kind=CalendarKind.TEAM if args.team else CalendarKind.USER, owner_user_id=owner,
            timezone=args.timezone, description=args.description,
        )  # fmt: skip
    emit(args, info, ["id", "name", "kind", "timezone", "booking"], [_calendar_row(info)])


def cmd_calendar_hours(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.setup import set_availability

    rules = [parse_weekly(text) for text in args.weekly]
    rules += [{"kind": "override", "date": day} for day in args.closed]
    if not rules:
        raise ValidationError("weekly", "give at least one --weekly DAY=HH:MM-HH:MM or --closed")
    with _options_named({}, rules=len(args.weekly)):
        found = set_availability(
            ctx.runtime.uows, ctx.actor, args.sub_account, args.calendar_id, rules
        )
    names = {v: k for k, v in DAYS.items()}
    emit(args, found, ["kind", "day", "from", "to", "timezone"], [
        [r.kind, names[r.day_of_week] if r.day_of_week is not None else r.override_date,
         f"{r.start_time:%H:%M}" if r.start_time else "closed",
         f"{r.end_time:%H:%M}" if r.end_time else "", r.timezone]
        for r in found
    ])  # fmt: skip


def cmd_calendar_offer(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.setup import link_services

    with _options_named({"service_ids": "service"}):
        link_services(
            ctx.runtime.uows, ctx.actor, args.sub_account, args.calendar_id, args.services
        )
    value = {"calendar_id": args.calendar_id, "service_ids": sorted(set(args.services))}
    emit(args, value, ["calendar", "services"],
         [[args.calendar_id, ", ".join(value["service_ids"]) or "every service"]])  # fmt: skip


def _price(s: Any) -> str:
    from ghl_desktop.core.money import Money

    return Money(s.price_minor, s.currency).format() if s.price_minor else "free"


def cmd_services_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.service_catalog import list_services

    found = list_services(ctx.runtime.uows, ctx.actor, args.sub_account)
    emit(args, found, SERVICE_HEADERS,
         [[s.id, s.name, s.duration_minutes, _price(s), "yes" if s.is_active else "no"]
          for s in found])  # fmt: skip


def cmd_services_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.core.money import Money
    from ghl_desktop.services.agencies import get_sub_account
    from ghl_desktop.services.calendars.service_catalog import create_service

    uows, sub = ctx.runtime.uows, args.sub_account
    currency = args.currency or get_sub_account(uows, ctx.actor, sub).currency
    price = Money.parse(args.price, currency, "price")
    options = {"duration_minutes": "minutes", "buffer_before_minutes": "buffer-before",
               "buffer_after_minutes": "buffer-after"}  # fmt: skip
    with _options_named(options):
        info = create_service(uows, ctx.actor, sub, {
            "name": args.name, "description": args.description,
            "duration_minutes": args.minutes, "buffer_before_minutes": args.buffer_before,
            "buffer_after_minutes": args.buffer_after, "price_minor": price.amount_minor,
            "currency": price.currency, "requires_payment": args.requires_payment,
        })  # fmt: skip
    emit(args, info, SERVICE_HEADERS,
         [[info.id, info.name, info.duration_minutes, _price(info), "yes"]])  # fmt: skip
