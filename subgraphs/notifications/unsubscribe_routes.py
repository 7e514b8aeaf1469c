"""``/links/unsubscribe/{token}``: the signed unsubscribe link of every email (decision 0025).

``GET`` shows a page with one button (mail scanners that prefetch links change nothing);
``POST`` unsubscribes: the page's button, and mail clients' RFC 8058 one-click POST
(``List-Unsubscribe=One-Click``). No sign-in: the signed token is the authority, and it can
only turn one kind of email off. Clients reach it through the router's ``/links/notifications/…``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from common.errors import NotFound
from subgraphs.notifications.channels.templates import kind_name, render
from subgraphs.notifications.service.unsubscribe import UnsubscribeService

HEADERS = {
    "cache-control": "no-store",
    # The token is in the URL: keep it out of Referer headers and framing.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}


def _page(state: str, reason: str = "", status: int = 200) -> Response:
    html = render("unsubscribe.html", state=state, reason=reason, action="")
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def unsubscribe_routes(service: UnsubscribeService) -> list[Route]:
    async def page(request: Request) -> Response:
        try:
            found = service.check(request.path_params["token"])
        except NotFound:
            return _page("invalid", status=404)
        return _page("confirm", kind_name(found.kind))

    async def one_click(request: Request) -> Response:
        try:
            found = await service.unsubscribe(request.path_params["token"])
        except NotFound:
            return _page("invalid", status=404)
        return _page("done", kind_name(found.kind))

    return [
        Route("/links/unsubscribe/{token}", page, methods=["GET"]),
        Route("/links/unsubscribe/{token}", one_click, methods=["POST"]),
    ]
