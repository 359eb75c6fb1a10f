"""RFC 9457 problem details for every error response.

Every 4xx and 5xx answer is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and, for bad input, ``errors``: a list of ``{"field", "message"}`` naming each field.
No stack trace ever reaches a client; unexpected errors are logged with the request id instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from allocation.errors import AllocationError, BudgetExceeded
from app import errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("costshare.problems")


class FieldError(BaseModel):
    field: str = Field(examples=["weights.BZK"])
    message: str = Field(examples=["must be ≥ 0, got -1"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["/problems/invalid-input"])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["weights.BZK: must be ≥ 0, got -1"])
    instance: str | None = Field(default=None, examples=["/v1/weight-sets"])
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None


def problem_response(
    request: Request,
    *,
    status: int,
    detail: str,
    slug: str | None = None,
    field_errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build the problem+json response for ``status`` with a human ``detail``."""
    phrase = HTTPStatus(status).phrase
    body = Problem(
        type=f"/problems/{slug or phrase.lower().replace(' ', '-')}",
        title=phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(field_errors),
        request_id=getattr(request.state, "request_id", None),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_SERVICE_STATUS: dict[type[errors.ServiceError], tuple[int, str]] = {
    errors.NotFound: (404, "not-found"),
    errors.Forbidden: (403, "forbidden"),
    errors.Conflict: (409, "conflict"),
    errors.PreconditionFailed: (412, "stale-revision"),
    errors.PreconditionRequired: (428, "if-match-required"),
    errors.InvalidInput: (422, "invalid-input"),
    errors.TooManyRequests: (429, "too-many-requests"),
    errors.LogContradiction: (409, "log-contradiction"),
    errors.Unavailable: (503, "signing-unavailable"),
}


def field_path(loc: Iterable[Any]) -> str:
    """``("body", "weights", "BZK")`` → ``"weights.BZK"``; list indexes as ``[0]``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if (len(parts) > 1 or parts[0] == "body") else parts
    path = ""
    for part in parts:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "could not be parsed")
        position = next((p for p in error.get("loc", ()) if isinstance(p, int)), None)
        where = f" at character {position}" if position is not None else ""
        return f"malformed JSON{where}: {reason}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    message = str(error.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    if (
        kind not in {"value_error", "invalid_value", "invalid_text"}
        and "input" in error
        and not isinstance(error["input"], dict | list)
    ):
        message = f"{message[0].lower()}{message[1:]}, got {error['input']!r}"
    return message


def _field(error: dict[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        return "body"
    return field_path(loc)


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [FieldError(field=_field(err), message=_message(err)) for err in exc.errors()]


def allowed_methods(request: Request) -> list[str]:
    """Every method some route offers for this path (each method is a route of its own, so
    Starlette's 405 would name only the first)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = validation_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in found[:5])
        return problem_response(
            request, status=422, detail=detail, slug="invalid-input", field_errors=found
        )

    @app.exception_handler(errors.ServiceError)
    async def _service(request: Request, exc: errors.ServiceError) -> JSONResponse:
        status, slug = _SERVICE_STATUS.get(type(exc), (400, "bad-request"))
        found = (
            [FieldError(field=exc.field, message=exc.message)]
            if isinstance(exc, errors.InvalidInput)
            else []
        )
        headers = (
            {"Retry-After": exc.retry_after} if isinstance(exc, errors.TooManyRequests) else None
        )
        return problem_response(
            request,
            status=status,
            detail=exc.detail,
            slug=slug,
            field_errors=found,
            headers=headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(
            request, status=exc.status_code, detail=str(exc.detail), headers=headers
        )

    @app.exception_handler(AllocationError)
    async def _engine(request: Request, exc: AllocationError) -> JSONResponse:
        log.warning("engine refused: %s", type(exc).__name__)
        if isinstance(exc, BudgetExceeded):
            return problem_response(
                request,
                status=422,
                detail=f"too large for the solve budget: {exc}; make the problem smaller "
                "(fewer ministries, pools or years), nothing was stored",
                slug="too-large",
            )
        return problem_response(
            request,
            status=422,
            detail=(
                "the engine could not certify an exact split for this input "
                f"({type(exc).__name__}: {exc}); pools or bounds of a few cents beside millions "
                "are the usual cause"
            ),
            slug="not-certifiable",
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return problem_response(
            request,
            status=503,
            detail="the database is unavailable; retry shortly",
            slug="database-unavailable",
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(
            request,
            status=500,
            detail="an unexpected error occurred; it has been logged with this request id",
            slug="internal-error",
        )
