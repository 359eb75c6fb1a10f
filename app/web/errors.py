"""Error answers for people: a browser gets a page in its language, an API client keeps
problem+json. A request is a browser's when it is for a page of this module's routers, or when
it is for no route at all outside ``/v1/`` and accepts ``text/html``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app import errors, problems
from app.web import sessions
from app.web.auth import CsrfRefused, PageForbidden, SignInRequired, sign_in_url
from app.web.i18n import chosen_language, language
from app.web.render import Page, render

log = logging.getLogger("costshare.pages")
Handler = Callable[[Request, Any], Awaitable[Response]]
PAGE_ROUTERS = "app.web."


def is_page_request(request: Request) -> bool:
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    if endpoint is not None:
        return str(getattr(endpoint, "__module__", "")).startswith(PAGE_ROUTERS)
    path = request.url.path
    if path.startswith("/v1/") or path in {"/health", "/openapi.json"}:
        return False
    return "text/html" in request.headers.get("accept", "")


def _page(request: Request) -> Page:
    """The error page's view of the request: its language and, if the page had already found
    a live session, who is signed in (so the menu and the sign-out form stay usable)."""
    user = getattr(request.state, "web_user", None)
    return Page(request=request, lang=language(chosen_language(request)), user=user)


def error_page(
    request: Request,
    *,
    status: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    response = render(
        _page(request),
        "pages/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )
    response.headers.update(headers or {})
    return response


def _describe(request: Request, exc: Exception) -> tuple[int, str, str, dict[str, str]]:
    _ = language(chosen_language(request)).gettext
    if isinstance(exc, CsrfRefused):
        return (
            403,
            _("This form was not accepted"),
            _(
                "The form did not carry the security token of your session: it may be older "
                "than your sign-in, or it was not made by this service. Nothing was changed. "
                "Go back, reload the page and try again."
            ),
            {},
        )
    if isinstance(exc, PageForbidden):
        return 403, _("You may not see this page"), str(exc), {}
    if isinstance(exc, errors.Forbidden):
        return (
            403,
            _("You may not see this"),
            _("Your role does not allow it.") + " " + _("Technical reason:") + " " + exc.detail,
            {},
        )
    if isinstance(exc, errors.NotFound):
        return 404, _("Not found"), exc.detail, {}
    if isinstance(exc, errors.TooManyRequests):
        return (
            429,
            _("Please wait a moment"),
            _("You started many calculations in a short time. Try again in %(seconds)s seconds.")
            % {"seconds": exc.retry_after},
            {"Retry-After": exc.retry_after},
        )
    if isinstance(exc, errors.ServiceError):
        return 409, _("This cannot be done now"), exc.detail, {}
    if isinstance(exc, RequestValidationError):
        found = problems.validation_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in found[:5])
        return 422, _("The address has a value this page cannot use"), detail, {}
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return 404, _("Page not found"), _("There is no page at this address."), {}
        if exc.status_code == 405:
            return 405, _("This page cannot be used this way"), str(exc.detail), {}
        return exc.status_code, _("Something is wrong with this request"), str(exc.detail), {}
    if isinstance(exc, OperationalError):
        return (
            503,
            _("The service is briefly unavailable"),
            _("The database cannot be reached. Try again in a moment."),
            {"Retry-After": "2"},
        )
    log.exception("unexpected error on a page")
    return (
        500,
        _("Something went wrong"),
        _("An unexpected error occurred. It has been logged; please try again later."),
        {},
    )


def install(app: FastAPI) -> None:
    """Put a page answer in front of every error handler the API registered."""

    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(sign_in_url(exc.next_path, ended=exc.ended), status_code=303)
        if exc.ended:
            response.delete_cookie(sessions.SESSION_COOKIE, path="/")
        return response

    async def page_error(request: Request, exc: Exception) -> Response:
        status, title, message, headers = _describe(request, exc)
        return error_page(request, status=status, title=title, message=message, headers=headers)

    app.add_exception_handler(SignInRequired, sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, page_error)
    app.add_exception_handler(PageForbidden, page_error)
    originals: dict[Any, Handler] = dict(app.exception_handlers)
    for exc_class in (
        errors.ServiceError,
        RequestValidationError,
        StarletteHTTPException,
        OperationalError,
        Exception,
    ):
        original = originals.get(exc_class)
        if original is None:
            continue
        app.add_exception_handler(exc_class, _either(original, page_error))


def _either(api: Handler, page: Handler) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        if is_page_request(request):
            return await page(request, exc)
        return await api(request, exc)

    return handler
