"""The secret ICS feed route: ``GET /_calendars/ics/{token}.ics`` -> ``text/calendar``.

Under ``/_`` like every non-page route (a funnel may be called "calendars"). A wrong token is a
404 that looks like any other missing page. Calendar apps poll feeds, so the answer may be
cached briefly by them but never by shared caches (the URL is a secret).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ghl_desktop.funnel_server.pages import not_found, site
from ghl_desktop.services.calendars.sync.ics_feed import PATH_PREFIX, render_feed

CALENDAR = "text/calendar; charset=utf-8"


async def ics_feed(request: Request) -> Response:
    token = str(request.path_params["token"])
    body = await run_in_threadpool(render_feed, site(request).uows, token)
    if body is None:
        return not_found()
    headers = {
        "cache-control": "private, max-age=300",
        "content-disposition": 'inline; filename="calendar.ics"',
        "x-robots-tag": "noindex",
    }
    return Response(body, 200, media_type=CALENDAR, headers=headers)


ROUTES = [Route(PATH_PREFIX + "{token}.ics", ics_feed, methods=["GET", "HEAD"])]
