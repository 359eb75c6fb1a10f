"""Figures for the three kinds of user: a ministry's share (finance departments), rule
comparisons (negotiators) and the multi-year budget table (Prinsjesdag tooling)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from app import exports
from app.auth import Caller, Editor
from app.concurrency import solve_in_worker
from app.routers.common import READ_ERRORS, WRITE_ERRORS, DbSession
from app.schemas import BudgetTable, ComparisonCreate, ComparisonOut, ShareOut
from app.services import allocations, figures

router = APIRouter(tags=["figures"])


@router.get(
    "/v1/ministries/{code}/share",
    summary="A ministry's share in the allocation published for a year",
    response_model=ShareOut,
    responses=READ_ERRORS,
)
def get_share(
    code: str,
    session: DbSession,
    caller: Caller,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2027])],
) -> ShareOut:
    """The ministry's total, its breakdown per pool, its target and deviation, and a link to
    the full report. A finance key reads only its own ministry's share."""
    return ShareOut.model_validate(figures.share(session, caller, code, year))


@router.post(
    "/v1/comparisons",
    summary="Compare rules (or two reports) side by side",
    response_model=ComparisonOut,
    responses=WRITE_ERRORS,
)
async def create_comparison(
    body: ComparisonCreate, session: DbSession, editor: Editor
) -> ComparisonOut:
    """Per ministry the amount under each rule and the difference to the first in € and %.
    Nothing is stored or published."""
    if body.report_ids is not None:
        compared = await solve_in_worker(figures.compare_reports, session, editor, body.report_ids)
        return ComparisonOut.model_validate(compared)
    request = allocations.RunRequest(
        scenario_id=body.scenario_id,
        scenario=body.scenario,
        rule=None,
        solver=body.solver.value,
        year=None,
    )
    result = await solve_in_worker(
        figures.compare_rules, session, editor, request=request, rules=[r.value for r in body.rules]
    )
    return ComparisonOut.model_validate(result)


@router.get(
    "/v1/budget-table",
    summary="Published amounts per ministry and year, x € 1.000",
    response_model=BudgetTable,
    responses={
        **READ_ERRORS,
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The table."},
    },
)
def get_budget_table(
    session: DbSession,
    _caller: Caller,
    from_: Annotated[int, Query(alias="from", ge=2000, le=2100, examples=[2027])],
    to: Annotated[int, Query(ge=2000, le=2100, examples=[2031])],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> BudgetTable | Response:
    """Rounded to thousands so that each column sums exactly to its rounded total; years
    without a published allocation are listed in `missing_years` and left empty."""
    table = figures.budget_table(session, first=from_, last=to)
    if format == "csv":
        return PlainTextResponse(exports.budget_table_csv(table), media_type="text/csv")
    return BudgetTable.model_validate(table)
