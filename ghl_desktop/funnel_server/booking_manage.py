"""The invitee's own pages, reached by the signed token in their links: the confirmation,
cancelling, and rescheduling (the same picker, the appointment's own time not counted busy)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ghl_desktop.core.errors import Conflict, DomainError
from ghl_desktop.funnel_server.booking_common import (
    absolute_links,
    limited,
    message_page,
    parse_start,
    read_form,
    render,
    visitor_zone,
    when_text,
)
from ghl_desktop.funnel_server.booking_views import details_form, slot_picker
from ghl_desktop.funnel_server.pages import not_found, site, visitor_session
from ghl_desktop.funnel_server.protection import SESSION_COOKIE, valid_session_id
from ghl_desktop.services.calendars import public
from ghl_desktop.services.calendars.public import PublicAppointment
from ghl_desktop.services.calendars.tokens import BOOKING_PREFIX, read_manage_token
from ghl_desktop.services.sites.signing import issue_form_token, read_form_token

CLOSED = "This appointment can no longer be changed."


async def _appointment(request: Request) -> PublicAppointment | None:
    state = site(request)
    appointment_id = read_manage_token(state.signer, str(request.path_params["token"]))
    if appointment_id is None:
        return None
    return await run_in_threadpool(public.appointment_view, state.uows, appointment_id)


def _when(a: PublicAppointment) -> str:
    minutes = a.service.duration_minutes if a.service else None
    return when_text(a.start_at, ZoneInfo(a.invitee_timezone), minutes)


async def done_page(request: Request) -> Response:
    a = await _appointment(request)
    if a is None:
        return not_found()
    state = site(request)
    cancelled = a.status == "cancelled"
    title = "Cancelled" if cancelled else "You are booked"
    text = ("This appointment was cancelled." if cancelled
            else "A confirmation is on its way to you.")  # fmt: skip
    links = absolute_links(request, state, a.id) if a.is_open else None
    return render(
        request, "done.html", calendar=a.calendar, title=title, text=text,
        step=0 if cancelled else 5, appointment=a, when=_when(a), links=links,
    )  # fmt: skip


async def cancel_page(request: Request) -> Response:
    a = await _appointment(request)
    if a is None:
        return not_found()
    if not a.is_open:
        return message_page(request, 409, "Nothing to cancel", CLOSED)
    state = site(request)
    session_id, is_new = visitor_session(request)
    token = issue_form_token(state.signer, session_id, a.id, state.clock.now())
    return render(request, "cancel.html", session=(session_id, is_new), calendar=a.calendar,
                  appointment=a, when=_when(a), token=token)  # fmt: skip


async def _checked_post(request: Request, a: PublicAppointment) -> dict[str, str] | Response:
    too_many = limited(request)
    if too_many is not None:
        return too_many
    form = await read_form(request)
    if form is None:
        return message_page(request, 400, "Bad request", "The form could not be read.")
    state = site(request)
    session_id = valid_session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is None or read_form_token(state.signer, form.get("token", ""), session_id,
                                             a.id) is None:  # fmt: skip
        return message_page(request, 403, "Your session expired", "Please reload and try again.")
    return form


async def cancel_post(request: Request) -> Response:
    a = await _appointment(request)
    if a is None:
        return not_found()
    checked = await _checked_post(request, a)
    if isinstance(checked, Response):
        return checked
    try:
        await run_in_threadpool(public.cancel, site(request).uows, a.id,
                                checked.get("reason", "").strip())  # fmt: skip
    except DomainError:
        return message_page(request, 409, "Nothing to cancel", CLOSED)
    return RedirectResponse(f"{BOOKING_PREFIX}/done/{request.path_params['token']}", 303)


async def reschedule_page(request: Request) -> Response:
    a = await _appointment(request)
    if a is None:
        return not_found()
    if not a.is_open or a.service is None:
        return message_page(request, 409, "Cannot reschedule", CLOSED)
    start = request.query_params.get("start")
    tz = request.query_params.get("tz") or a.invitee_timezone
    if start and parse_start(start) is not None:
        zone, _ = visitor_zone(tz, a.calendar.timezone)
        return details_form(
            request, a.calendar, a.service, start, zone.key, target_id=a.id,
            heading="Move your appointment", action="", back=f"?tz={zone.key}",
            ask_details=False, submit="Move my appointment",
        )  # fmt: skip
    return await slot_picker(
        request, a.calendar, a.service, heading="Pick a new time", base="?x=1", keep=[],
        exclude=a.id, tz=tz,
    )  # fmt: skip


async def reschedule_post(request: Request) -> Response:
    a = await _appointment(request)
    if a is None:
        return not_found()
    checked = await _checked_post(request, a)
    if isinstance(checked, Response):
        return checked
    start = parse_start(checked.get("start"))
    if start is None or not a.is_open or a.service is None:
        return message_page(request, 409, "Cannot reschedule", CLOSED)
    state = site(request)
    try:
        await run_in_threadpool(public.reschedule, state.uows, a.id, start,
                                absolute_links(request, state, a.id))  # fmt: skip
    except Conflict as exc:
        return await slot_picker(
            request, a.calendar, a.service, heading="Pick a new time", base="?x=1", keep=[],
            exclude=a.id, message=exc.problem, status=409, tz=checked.get("tz"),
        )  # fmt: skip
    except DomainError:
        return message_page(request, 409, "Cannot reschedule", CLOSED)
    return RedirectResponse(f"{BOOKING_PREFIX}/done/{request.path_params['token']}", 303)
