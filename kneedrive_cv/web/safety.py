"""What keeps other sites and oversized requests out: the cross-site check, the headers and a capped form reader.

A page on another site can make the coach's browser post to this localhost server. The browser says where
a request comes from in ``Origin`` (``null`` from a sandboxed frame or a ``data:`` page) and, in modern
browsers, ``Sec-Fetch-Site``: a state-changing request is accepted only when one of them names this app
itself (``same-origin``, or ``none`` for what the coach typed) and neither names another site.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

#: ``error_page(request, status, message)``: the app's own error page.
ErrorPage = Callable[[Request, int, str], Response]

#: Methods that change something; the others only read.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: ``Sec-Fetch-Site`` values of a request the app itself (or the coach typing a URL) made.
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
#: Sent with every answer: never framed by another page (clickjacking), no content sniffing, no referrer leaks.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: A small form (a person's number, a name, a drill) is at most this many bytes, fields and files.
SMALL_FORM_BYTES = 64 * 1024
SMALL_FORM_FIELDS = 16


def cross_site_reason(request: Request) -> str:
    """Why a state-changing request looks like it comes from another site, or ``""`` if it is the app's own."""
    if request.method not in UNSAFE_METHODS:
        return ""
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        return f"it comes from {'a sandboxed or local page' if origin == 'null' else origin}"
    if fetch_site is not None and fetch_site not in OWN_FETCH_SITES:
        return f"the browser says it comes from a {fetch_site} page"
    return ""


def guard(error_page: ErrorPage) -> Callable[[Request, Any], Awaitable[Response]]:
    """The middleware: refuse cross-site requests that change something (on ``error_page``), add the headers."""

    async def middleware(request: Request, call_next: Any) -> Response:
        reason = cross_site_reason(request)
        if reason:
            response = error_page(request, 403, f"Refused: {reason}. Change things from kneedrive's own pages.")
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return middleware


async def small_form(request: Request, *, max_bytes: int = SMALL_FORM_BYTES, max_fields: int = SMALL_FORM_FIELDS,
                     max_files: int = 0) -> FormData:
    """Read a small form whole, refusing a body over ``max_bytes`` (413) or too many fields or files (400).

    The body is read chunk by chunk and stops at the limit, so a huge request costs no more memory than that.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise HTTPException(413, f"This form is larger than {max_bytes // 1024} kB: nothing was changed.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise HTTPException(413, f"This form is larger than {max_bytes // 1024} kB: nothing was changed.")
    request._body = bytes(body)  # Starlette's form parser reads the body from here
    return await request.form(max_files=max_files, max_fields=max_fields, max_part_size=max_bytes)
