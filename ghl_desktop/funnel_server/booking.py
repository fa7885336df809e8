"""The public booking page: ``/_book/<sub-account id>/<calendar slug>``.

service -> date -> time (in the visitor's zone: detected by a script, or chosen in a select)
-> details (name, email, phone) -> confirmation with reschedule and cancel links. The details
form carries a signed token bound to the visitor's session (CSRF) whose nonce becomes the
appointment id, so a double submit shows the first booking instead of booking twice. Posts are
rate limited per address and have a honeypot field.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ghl_desktop.core.errors import Conflict, ValidationError
from ghl_desktop.funnel_server import booking_manage
from ghl_desktop.funnel_server.booking_common import (
    absolute_links,
    limited,
    message_page,
    parse_start,
    read_form,
    render,
    visitor_zone,
)
from ghl_desktop.funnel_server.booking_views import details_form, slot_picker
from ghl_desktop.funnel_server.pages import not_found, site
from ghl_desktop.funnel_server.protection import SESSION_COOKIE, valid_session_id
from ghl_desktop.services.calendars import public
from ghl_desktop.services.calendars.invitees import Invitee
from ghl_desktop.services.calendars.public import PublicCalendar, PublicService
from ghl_desktop.services.calendars.tokens import BOOKING_PREFIX, manage_token
from ghl_desktop.services.sites.signing import read_form_token


def _service(calendar: PublicCalendar, service_id: str | None) -> PublicService | None:
    if service_id is None and len(calendar.services) == 1:
        return calendar.services[0]
    return next((s for s in calendar.services if s.id == service_id), None)


async def _calendar(request: Request) -> PublicCalendar | None:
    params = request.path_params
    return await run_in_threadpool(
        public.calendar_page, site(request).uows, str(params["sub"]), str(params["slug"])
    )


async def booking_page(request: Request) -> Response:
    calendar = await _calendar(request)
    if calendar is None:
        return not_found()
    q = request.query_params
    if q.get("service") is None and len(calendar.services) != 1:
        return render(request, "services.html", calendar=calendar)
    service = _service(calendar, q.get("service"))
    if service is None:
        return not_found()
    base = f"?service={service.id}"
    start = q.get("start")
    if start and parse_start(start) is not None:
        zone, _ = visitor_zone(q.get("tz"), calendar.timezone)
        return details_form(
            request, calendar, service, start, zone.key, target_id=calendar.id,
            heading=calendar.name, action="", back=f"{base}&tz={zone.key}",
            ask_details=True, submit="Book",
        )  # fmt: skip
    return await slot_picker(request, calendar, service, heading=calendar.name, base=base,
                             keep=[("service", service.id)], change_service=True)  # fmt: skip


async def booking_post(request: Request) -> Response:
    too_many = limited(request)
    if too_many is not None:
        return too_many
    calendar = await _calendar(request)
    if calendar is None:
        return not_found()
    form = await read_form(request)
    if form is None:
        return message_page(request, 400, "Bad request", "The form could not be read.")
    state = site(request)
    session_id = valid_session_id(request.cookies.get(SESSION_COOKIE))
    token = read_form_token(state.signer, form.get("token", ""), session_id or "", calendar.id)
    if session_id is None or token is None:
        return message_page(request, 403, "Your session expired", "Please reload and try again.")
    service = _service(calendar, form.get("service"))
    start = parse_start(form.get("start"))
    if service is None or start is None:
        return message_page(request, 400, "Bad request", "Pick a service and a time first.")
    zone, _ = visitor_zone(form.get("tz"), calendar.timezone)
    values = {k: form.get(k, "").strip() for k in ("name", "email", "phone")}
    again = {"calendar": calendar, "service": service, "start_value": form.get("start", ""),
             "tz": zone.key, "target_id": calendar.id, "heading": calendar.name, "action": "",
             "back": f"?service={service.id}&tz={zone.key}", "ask_details": True,
             "submit": "Book", "values": values}  # fmt: skip
    if form.get("website"):  # the honeypot: people do not see this field
        return message_page(request, 400, "Not booked", "Please use the form as shown.")
    invitee = Invitee(values["name"], values["email"] or None, values["phone"] or None)
    try:
        info = await run_in_threadpool(
            public.book, state.uows, calendar.sub_account_id, calendar.id, service.id, start,
            invitee, zone.key, appointment_id=token.nonce,
            links=absolute_links(request, state, token.nonce),
        )  # fmt: skip
    except ValidationError as exc:
        return details_form(request, status=400, errors={exc.field: exc.problem}, **again)  # type: ignore[arg-type]
    except Conflict as exc:
        return await slot_picker(
            request, calendar, service, heading=calendar.name, base=f"?service={service.id}",
            keep=[("service", service.id)], message=exc.problem, status=409, tz=zone.key,
        )  # fmt: skip
    return RedirectResponse(f"{BOOKING_PREFIX}/done/{manage_token(state.signer, info.id)}", 303)


ROUTES = [
    Route(BOOKING_PREFIX + "/done/{token}", booking_manage.done_page, methods=["GET", "HEAD"]),
    Route(BOOKING_PREFIX + "/manage/{token}/cancel", booking_manage.cancel_page,
          methods=["GET", "HEAD"]),
    Route(BOOKING_PREFIX + "/manage/{token}/cancel", booking_manage.cancel_post,
          methods=["POST"]),
    Route(BOOKING_PREFIX + "/manage/{token}/reschedule", booking_manage.reschedule_page,
          methods=["GET", "HEAD"]),
    Route(BOOKING_PREFIX + "/manage/{token}/reschedule", booking_manage.reschedule_post,
          methods=["POST"]),
    Route(BOOKING_PREFIX + "/{sub}/{slug}", booking_page, methods=["GET", "HEAD"]),
    Route(BOOKING_PREFIX + "/{sub}/{slug}", booking_post, methods=["POST"]),
]  # fmt: skip
