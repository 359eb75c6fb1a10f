"""Ministries: the reference list of who may carry a share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.auth import Admin, Caller
from app.routers.common import READ_ERRORS, WRITE_ERRORS, DbSession, IfMatch, MinistryPath, set_etag
from app.schemas import MinistryCreate, MinistryList, MinistryOut, MinistryUpdate
from app.services import ministries as service

router = APIRouter(prefix="/v1/ministries", tags=["ministries"])


@router.get(
    "",
    summary="List ministries",
    response_model=MinistryList,
    responses=READ_ERRORS,
)
def list_ministries(
    session: DbSession, _caller: Caller, active: Annotated[bool | None, Query()] = None
) -> MinistryList:
    """Every ministry, ordered by code; `active=true` leaves out the inactive ones."""
    rows = service.listing(session, active=active)
    return MinistryList(
        items=[MinistryOut.model_validate(r, from_attributes=True) for r in rows], total=len(rows)
    )


@router.get(
    "/{code}",
    summary="Get one ministry",
    response_model=MinistryOut,
    responses=READ_ERRORS,
)
def get_ministry(
    code: MinistryPath, session: DbSession, _caller: Caller, response: Response
) -> MinistryOut:
    ministry = service.get(session, code)
    set_etag(response, ministry.revision)
    return MinistryOut.model_validate(ministry, from_attributes=True)


@router.post(
    "",
    summary="Add a ministry (admin)",
    response_model=MinistryOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def create_ministry(
    body: MinistryCreate, session: DbSession, _admin: Admin, response: Response
) -> MinistryOut:
    """Add a ministry, e.g. SZW (chapter XV), so that weight sets can name it."""
    ministry = service.create(session, body)
    response.headers["Location"] = f"/v1/ministries/{ministry.code}"
    set_etag(response, ministry.revision)
    return MinistryOut.model_validate(ministry, from_attributes=True)


@router.patch(
    "/{code}",
    summary="Change a ministry (admin)",
    response_model=MinistryOut,
    responses=WRITE_ERRORS,
)
def update_ministry(
    code: MinistryPath,
    body: MinistryUpdate,
    session: DbSession,
    _admin: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> MinistryOut:
    """Change name, chapter, mandate text or the active flag; the code never changes."""
    ministry = service.update(session, code, body, if_match=if_match)
    set_etag(response, ministry.revision)
    return MinistryOut.model_validate(ministry, from_attributes=True)
