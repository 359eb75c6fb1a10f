"""Pieces every router shares: the documented error answers, paging, and ETag headers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Response
from sqlmodel import Session

from app.db import request_session
from app.fields import MINISTRY_CODE_PATTERN
from app.problems import PROBLEM_JSON, Problem
from app.schemas import MAX_ID
from app.services.revisions import etag
from app.spec import HEADER_TOKEN, REQUIRED_IN_SPEC


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
        alias="If-Match",
        description="Required: the ETag from your last GET (`*` to overwrite knowingly); "
        "missing gives 428, stale gives 412.",
        max_length=200,
        pattern=HEADER_TOKEN,
        json_schema_extra={REQUIRED_IN_SPEC: True},
    ),
]
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID)]
MinistryPath = Annotated[
    str,
    Path(
        pattern=MINISTRY_CODE_PATTERN,
        max_length=16,
        description="A ministry code, e.g. JenV.",
        examples=["JenV"],
    ),
]
CsvDialectName = Annotated[
    Literal["rfc4180", "excel-nl"],
    Query(
        description="CSV only. `rfc4180`: comma, decimal point (for programs). `excel-nl`: "
        "semicolon, decimal comma and a UTF-8 byte order mark, as Dutch Excel opens it."
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (at most 100).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def set_etag(response: Response, revision: int | str) -> None:
    response.headers["ETag"] = etag(revision)
