"""Mandate weight sets: versioned, drafts editable, adopted versions frozen, history kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.auth import Caller, Editor
from app.fields import TEXT_PARAMETER_PATTERN
from app.routers.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    DbSession,
    IfMatch,
    Limit,
    Offset,
    ResourceId,
    set_etag,
)
from app.schemas import (
    WeightSetCreate,
    WeightSetEventOut,
    WeightSetHistory,
    WeightSetList,
    WeightSetOut,
    WeightSetPatch,
    WeightSetStatus,
)
from app.services import weight_sets as service

router = APIRouter(prefix="/v1/weight-sets", tags=["weight sets"])


def _out(view: service.WeightSetView) -> WeightSetOut:
    row = view.row
    assert row.id is not None
    return WeightSetOut(
        id=row.id,
        name=row.name,
        version=row.version,
        status=WeightSetStatus(row.status),
        description=row.description,
        based_on_id=row.based_on_id,
        revision=row.revision,
        weights=view.values.weights,
        rationale=view.values.rationale,
        pool_weights=view.values.pool_weights,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _answer(view: service.WeightSetView, response: Response) -> WeightSetOut:
    set_etag(response, view.row.revision)
    return _out(view)


@router.get("", summary="List weight sets", response_model=WeightSetList, responses=READ_ERRORS)
def list_weight_sets(
    session: DbSession,
    caller: Caller,
    status_: Annotated[WeightSetStatus | None, Query(alias="status")] = None,
    name: Annotated[str | None, Query(max_length=200, pattern=TEXT_PARAMETER_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> WeightSetList:
    """All versions, by name and version. Finance and reader keys see adopted and retired only."""
    views, total = service.page(
        session, caller, status=status_, name=name, limit=limit, offset=offset
    )
    return WeightSetList(items=[_out(v) for v in views], total=total, limit=limit, offset=offset)


@router.post(
    "",
    summary="Create a weight set (draft, version 1)",
    response_model=WeightSetOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def create_weight_set(
    body: WeightSetCreate, session: DbSession, editor: Editor, response: Response
) -> WeightSetOut:
    view = service.create(session, editor, body)
    response.headers["Location"] = f"/v1/weight-sets/{view.row.id}"
    return _answer(view, response)


@router.get(
    "/{weight_set_id}",
    summary="Get one weight set version",
    response_model=WeightSetOut,
    responses=READ_ERRORS,
)
def get_weight_set(
    weight_set_id: ResourceId, session: DbSession, caller: Caller, response: Response
) -> WeightSetOut:
    return _answer(service.get(session, caller, weight_set_id), response)


@router.patch(
    "/{weight_set_id}",
    summary="Edit a draft weight set (JSON merge patch)",
    response_model=WeightSetOut,
    responses=WRITE_ERRORS,
)
def patch_weight_set(
    weight_set_id: ResourceId,
    body: WeightSetPatch,
    session: DbSession,
    editor: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> WeightSetOut:
    """Set or replace weights, rationale or pool weights; a key set to null removes it.
    Adopted and retired versions are immutable (409): revise them instead."""
    view = service.patch(session, editor, weight_set_id, body, if_match=if_match)
    return _answer(view, response)


@router.post(
    "/{weight_set_id}/revisions",
    summary="Start a new draft version from this one",
    response_model=WeightSetOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def revise_weight_set(
    weight_set_id: ResourceId,
    body: WeightSetPatch,
    session: DbSession,
    editor: Editor,
    response: Response,
) -> WeightSetOut:
    """Copy this version into a new draft (next version number) with the patch applied."""
    view = service.revise(session, editor, weight_set_id, body)
    response.headers["Location"] = f"/v1/weight-sets/{view.row.id}"
    return _answer(view, response)


@router.post(
    "/{weight_set_id}/adopt",
    summary="Adopt a draft weight set",
    response_model=WeightSetOut,
    responses=WRITE_ERRORS,
)
def adopt_weight_set(
    weight_set_id: ResourceId,
    session: DbSession,
    editor: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> WeightSetOut:
    """Freeze the draft. The version of the same name adopted before is retired."""
    view = service.adopt(session, editor, weight_set_id, if_match=if_match)
    return _answer(view, response)


@router.get(
    "/{weight_set_id}/history",
    summary="History of a weight set",
    response_model=WeightSetHistory,
    responses=READ_ERRORS,
)
def weight_set_history(
    weight_set_id: ResourceId, session: DbSession, caller: Caller
) -> WeightSetHistory:
    """Every change to every version of this set's name: who, when, before and after."""
    name, events = service.history(session, caller, weight_set_id)
    return WeightSetHistory(
        name=name,
        events=[
            WeightSetEventOut(
                id=e.id or 0,
                weight_set_id=e.weight_set_id,
                version=version,
                action=e.action,
                actor=e.actor,
                at=e.at,
                before=e.before,
                after=e.after,
            )
            for e, version in events
        ],
    )
