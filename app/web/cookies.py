"""Setting the pages' cookies: HttpOnly, SameSite=Strict, Secure when the page is on https."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.settings import get_settings


def is_https(request: Request) -> bool:
    """Whether the browser talks https to us: directly, or (only if the operator says a proxy
    sets it) as the proxy's ``X-Forwarded-Proto`` says."""
    if request.url.scheme == "https":
        return True
    if get_settings().trust_forwarded_proto:
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int,
    httponly: bool = True,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=httponly,
        samesite="strict",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", samesite="strict", secure=is_https(request))
