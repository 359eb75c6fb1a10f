"""Liveness and readiness: the one route that needs no key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.db import get_engine
from app.problems import PROBLEM_JSON, Problem
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Service and database health",
    response_model=Health,
    responses={503: {"model": Problem, "content": {PROBLEM_JSON: {}}}},
)
def health() -> Health | JSONResponse:
    """Whether the database answers, and the migration revision it is at."""
    try:
        with get_engine().connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        body = Problem(
            type="/problems/database-unavailable",
            title="Service Unavailable",
            status=503,
            detail="the database is unreachable or not migrated",
            instance="/health",
        )
        return JSONResponse(body.model_dump(exclude_none=True), 503, media_type=PROBLEM_JSON)
    return Health(status="ok", database="reachable", migration=revision, version=__version__)
