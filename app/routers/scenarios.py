"""Scenarios: stored engine documents, versioned by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.auth import Editor
from app.fields import TEXT_PARAMETER_PATTERN
from app.models import Scenario
from app.routers.common import READ_ERRORS, WRITE_ERRORS, DbSession, Limit, Offset, ResourceId
from app.schemas import ScenarioCreate, ScenarioList, ScenarioOut, ScenarioRevise
from app.services import scenarios as service

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])


def _out(row: Scenario) -> ScenarioOut:
    return ScenarioOut.model_validate(row, from_attributes=True)


@router.get("", summary="List scenarios", response_model=ScenarioList, responses=READ_ERRORS)
def list_scenarios(
    session: DbSession,
    _editor: Editor,
    name: Annotated[str | None, Query(max_length=200, pattern=TEXT_PARAMETER_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ScenarioList:
    rows, total = service.page(session, name=name, limit=limit, offset=offset)
    return ScenarioList(items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    summary="Store a scenario (version 1)",
    response_model=ScenarioOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def create_scenario(
    body: ScenarioCreate, session: DbSession, editor: Editor, response: Response
) -> ScenarioOut:
    """The document is checked by the engine now, so a stored scenario always runs."""
    row = service.create(
        session, editor, name=body.name, description=body.description, document=body.document
    )
    response.headers["Location"] = f"/v1/scenarios/{row.id}"
    return _out(row)


@router.get(
    "/{scenario_id}", summary="Get one scenario", response_model=ScenarioOut, responses=READ_ERRORS
)
def get_scenario(scenario_id: ResourceId, session: DbSession, _editor: Editor) -> ScenarioOut:
    return _out(service.get(session, scenario_id))


@router.post(
    "/{scenario_id}/revisions",
    summary="Store a new version of a scenario",
    response_model=ScenarioOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def revise_scenario(
    scenario_id: ResourceId,
    body: ScenarioRevise,
    session: DbSession,
    editor: Editor,
    response: Response,
) -> ScenarioOut:
    """Stored versions never change; a change is the next version of the same name."""
    row = service.revise(
        session, editor, scenario_id, description=body.description, document=body.document
    )
    response.headers["Location"] = f"/v1/scenarios/{row.id}"
    return _out(row)
