"""Calendar commands: calendars (list, slots; create, hours, offer and services in
``calendar_setup_commands``) and appointments (list, book, cancel, status)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from ghl_desktop.cli import calendar_setup_commands
from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit
from ghl_desktop.core.errors import ValidationError

APPOINTMENT_HEADERS = ["id", "start", "end", "status", "calendar", "contact", "assigned", "title"]


def register(commands: Any) -> None:
    calendars = commands.add_parser("calendars", help="calendars and their open slots")
    cal = calendars.add_subparsers(metavar="ACTION")
    p = cal.add_parser("list", help="calendars of a sub-account with their booking pages")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_calendars_list)
    p = cal.add_parser("slots", help="open slots between two dates in a time zone")
    p.add_argument("--calendar", required=True, metavar="ID")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA zone, e.g. Europe/London")
    p.add_argument("--service", metavar="ID", help="default: the calendar's first service")
    p.add_argument("--sub-account", metavar="ID", dest="sub_account",
                   help="default: the calendar's")  # fmt: skip
    json_flag(p)
    p.set_defaults(handler=cmd_slots)
    calendar_setup_commands.register_calendar_actions(cal)
    calendar_setup_commands.register_services(commands)

    appointments = commands.add_parser("appointments", help="booked appointments")
    appt = appointments.add_subparsers(metavar="ACTION")
    p = appt.add_parser("list", help="appointments by start time")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="YYYY-MM-DD (UTC)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="YYYY-MM-DD (UTC, inclusive)")
    p.add_argument("--calendar", metavar="ID")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_appointments_list)
    p = appt.add_parser("book", help="book a contact into an open slot")
    p.add_argument("--calendar", required=True, metavar="ID")
    p.add_argument("--contact", required=True, metavar="ID")
    p.add_argument("--start", required=True, metavar="ISO", help="e.g. 2026-01-06T09:00-05:00")
    p.add_argument("--service", metavar="ID", help="default: the calendar's first service")
    p.add_argument("--notes", default="")
    p.add_argument("--sub-account", metavar="ID", dest="sub_account",
                   help="default: the calendar's")  # fmt: skip
    json_flag(p)
    p.set_defaults(handler=cmd_book)
    p = appt.add_parser("cancel", help="cancel an appointment")
    p.add_argument("appointment_id", metavar="ID")
    p.add_argument("--reason", default="")
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_cancel)
    p = appt.add_parser("status", help="confirm, complete or mark a no-show")
    p.add_argument("appointment_id", metavar="ID")
    p.add_argument("status", choices=["confirmed", "completed", "no_show"])
    sub_account_option(p)
    json_flag(p)
    p.set_defaults(handler=cmd_status)


def _date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date like 2026-01-31") from None


def _calendar_sub(ctx: Context, args: argparse.Namespace) -> str:
    """The sub-account named, else the calendar's own - when the actor may see it."""
    if args.sub_account:
        return str(args.sub_account)
    from sqlalchemy import select

    from ghl_desktop.core.errors import NotFound
    from ghl_desktop.models.calendars import Calendar

    with ctx.runtime.uows.system(read_only=True) as uow:
        sub = uow.session.scalar(
            select(Calendar.sub_account_id).where(Calendar.id == args.calendar)
        )
    if sub is None:
        raise NotFound("calendar", args.calendar)
    return str(sub)


def _row(a: Any) -> list[Any]:
    return [a.id, a.start_at.isoformat(timespec="minutes"), a.end_at.isoformat(timespec="minutes"),
            a.status, a.calendar_id, a.contact_id, a.assigned_user_id, a.title]  # fmt: skip


def cmd_calendars_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.setup import list_calendars

    found = list_calendars(ctx.runtime.uows, ctx.actor, args.sub_account)
    rows = [[c.id, c.name, c.kind, c.distribution if c.kind == "team" else "", c.timezone,
             len(c.members), c.booking_path] for c in found]  # fmt: skip
    emit(args, found, ["id", "name", "kind", "distribution", "timezone", "members", "booking"],
         rows)  # fmt: skip


def cmd_slots(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.queries import open_slots

    day_from = _date(args.date_from, "from")
    day_to = _date(args.date_to, "to")
    assert day_from is not None
    assert day_to is not None
    slots = open_slots(ctx.runtime.uows, ctx.actor, _calendar_sub(ctx, args), args.calendar,
                       day_from=day_from, day_to=day_to, timezone=args.tz,
                       service_id=args.service)  # fmt: skip
    data = [{"start": s.start.isoformat(), "end": s.end.isoformat(),
             "start_utc": s.start_utc.isoformat(), "assignees": list(s.assignees)}
            for s in slots]  # fmt: skip
    emit(args, data, ["start", "end", "assignees"],
         [[d["start"], d["end"], ",".join(d["assignees"])] for d in data])  # fmt: skip


def cmd_appointments_list(ctx: Context, args: argparse.Namespace) -> None:
    from datetime import UTC, time, timedelta

    from ghl_desktop.services.calendars.queries import list_appointments

    start = _date(args.date_from, "from")
    end = _date(args.date_to, "to")
    found = list_appointments(
        ctx.runtime.uows, ctx.actor, args.sub_account, calendar_id=args.calendar,
        start=datetime.combine(start, time(0), tzinfo=UTC) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC) if end else None,
    )  # fmt: skip
    emit(args, found, APPOINTMENT_HEADERS, [_row(a) for a in found])


def cmd_book(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.queries import book_appointment, first_service_id

    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        raise ValidationError("start", f"{args.start!r} is not an ISO date and time") from None
    if start.tzinfo is None:
        raise ValidationError("start", "give the offset too, e.g. 2026-01-06T09:00-05:00")
    sub = _calendar_sub(ctx, args)
    uows = ctx.runtime.uows
    service = args.service or first_service_id(uows, ctx.actor, sub, args.calendar)
    info = book_appointment(uows, ctx.actor, sub, calendar_id=args.calendar, service_id=service,
                            start_at=start, contact_id=args.contact, notes=args.notes,
                            booked_via="cli")  # fmt: skip
    emit(args, info, APPOINTMENT_HEADERS, [_row(info)])


def cmd_cancel(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.queries import cancel_appointment

    info = cancel_appointment(ctx.runtime.uows, ctx.actor, args.sub_account, args.appointment_id,
                              args.reason)  # fmt: skip
    emit(args, info, APPOINTMENT_HEADERS, [_row(info)])


def cmd_status(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.calendars.queries import set_status

    info = set_status(ctx.runtime.uows, ctx.actor, args.sub_account, args.appointment_id,
                      args.status)  # fmt: skip
    emit(args, info, APPOINTMENT_HEADERS, [_row(info)])
