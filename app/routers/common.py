"""Pieces every router shares: the documented error answers, paging, and ETag headers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Response
from sqlmodel import Session

from app.db import request_session
from app.problems import PROBLEM_JSON, Problem
from app.schemas import MAX_ID
from app.services.revisions import etag


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}


READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem("No key, or a key that is unknown or revoked."),
    403: _problem("The key's role may not see this."),
    404: _problem("No such object."),
    422: _problem("A field of the request is invalid; `errors` names each one."),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    409: _problem("The object's state does not allow this (e.g. it is adopted)."),
    412: _problem("If-Match names a revision that is no longer current."),
    428: _problem("The edit needs If-Match with the ETag of the last GET."),
    413: _problem("The request body is too large."),
}

DbSession = Annotated[Session, Depends(request_session, scope="function")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag from your last GET; a stale one is refused with 412.",
        max_length=200,
    ),
]
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (at most 100).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def set_etag(response: Response, revision: int | str) -> None:
    response.headers["ETag"] = etag(revision)
