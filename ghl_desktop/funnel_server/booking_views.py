"""The two views both the booking and the reschedule flow show: the date and time picker,
and the confirm form (with the visitor's details when booking)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ghl_desktop.funnel_server.booking_common import (
    parse_day,
    parse_start,
    picker,
    render,
    visitor_zone,
    when_text,
)
from ghl_desktop.funnel_server.pages import site, visitor_session
from ghl_desktop.services.calendars import public
from ghl_desktop.services.calendars.public import PublicCalendar, PublicService
from ghl_desktop.services.sites.signing import issue_form_token


async def slot_picker(
    request: Request, calendar: PublicCalendar, service: PublicService, *, heading: str,
    base: str, keep: list[tuple[str, str]], exclude: str | None = None, message: str = "",
    status: int = 200, tz: str | None = None, change_service: bool = False,
) -> Response:  # fmt: skip
    state = site(request)
    q = request.query_params
    zone, chosen = visitor_zone(tz or q.get("tz"), calendar.timezone)
    today = state.clock.now().astimezone(zone).date()
    first_day = max(parse_day(q.get("from")) or today, today)
    slots = await run_in_threadpool(
        public.slots_for_days, state.uows, calendar.sub_account_id, calendar.id, service.id,
        first_day, zone, exclude_appointment=exclude,
    )  # fmt: skip
    values = picker(calendar, slots, first_day, parse_day(q.get("day")), zone, today)
    return render(request, "slots.html", status, calendar=calendar, service=service,
                  heading=heading, base=base, keep=keep, detect=not chosen, message=message,
                  change_service=change_service,
                  **values)  # fmt: skip


def details_form(
    request: Request, calendar: PublicCalendar, service: PublicService, start_value: str,
    tz: str, *, target_id: str, heading: str, action: str, back: str, ask_details: bool,
    submit: str, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    message: str = "", status: int = 200,
) -> Response:  # fmt: skip
    state = site(request)
    session_id, is_new = visitor_session(request)
    token = issue_form_token(state.signer, session_id, target_id, state.clock.now())
    start = parse_start(start_value)
    assert start is not None
    zone, _ = visitor_zone(tz, calendar.timezone)
    return render(
        request, "details.html", status, session=(session_id, is_new), calendar=calendar,
        service=service, heading=heading, when=when_text(start, zone, service.duration_minutes),
        token=token, tz=zone.key, start=start_value, action=action, back=back,
        ask_details=ask_details, submit=submit, errors=errors or {},
        values=values or {"name": "", "email": "", "phone": ""}, message=message,
    )  # fmt: skip
