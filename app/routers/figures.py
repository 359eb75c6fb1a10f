"""Figures for the three kinds of user: a ministry's share (finance departments), rule
comparisons (negotiators) and the multi-year budget table (Prinsjesdag tooling)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from app import exports
from app.auth import Caller, SolvingEditor
from app.concurrency import solve_in_worker
from app.errors import InvalidInput
from app.routers.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    CsvDialectName,
    DbSession,
    MinistryPath,
)
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
    code: MinistryPath,
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
    body: ComparisonCreate, session: DbSession, editor: SolvingEditor
) -> ComparisonOut:
    """Per ministry the amount under each rule and the difference to the first in € and %.
    Nothing is stored or published."""
    given = [
        name
        for name, value in (
            ("scenario_id", body.scenario_id),
            ("scenario", body.scenario),
            ("variants", body.variants),
            ("report_ids", body.report_ids),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInput(
            given[1] if len(given) > 1 else "scenario",
            "give exactly one of scenario_id, scenario, variants and report_ids",
        )
    if body.variants is not None:
        variants = [
            (
                variant.name,
                allocations.RunRequest(
                    scenario_id=variant.scenario_id,
                    scenario=variant.scenario,
                    rule=None,
                    solver=body.solver.value,
                    year=None,
                ),
            )
            for variant in body.variants
        ]
        rule = body.rules[0].value if "rules" in body.model_fields_set else "constrained"
        compared = await solve_in_worker(
            figures.compare_variants,
            session,
            editor,
            variants=variants,
            rule=rule,
            year=body.year,
        )
        return ComparisonOut.model_validate(compared)
    if body.report_ids is not None:
        if len(set(body.report_ids)) != len(body.report_ids):
            raise InvalidInput("report_ids", "give two different reports")
        compared = await solve_in_worker(figures.compare_reports, session, editor, body.report_ids)
        return ComparisonOut.model_validate(compared)
    request = allocations.RunRequest(
        scenario_id=body.scenario_id,
        scenario=body.scenario,
        rule=None,
        solver=body.solver.value,
        year=body.year,
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
    dialect: CsvDialectName = "rfc4180",
    layout: Annotated[
        Literal["costshare", "rijksbegroting"],
        Query(
            description="CSV only. `rijksbegroting`: the columns of the central government's "
            "open-data budget tables (docs/rijksbegroting.md): a line per chapter, amounts "
            "x € 1.000 for t = `from` to t+4, so `to` must be `from` + 4."
        ),
    ] = "costshare",
) -> BudgetTable | Response:
    """Rounded to thousands so that each column sums exactly to its rounded total; years
    without a published allocation are listed in `missing_years` and left empty."""
    table = figures.budget_table(session, first=from_, last=to)
    if layout == "rijksbegroting":
        if format != "csv":
            raise InvalidInput("layout", "the rijksbegroting layout is a CSV: add format=csv")
        if to != from_ + 4:
            raise InvalidInput(
                "to", f"the rijksbegroting layout has the years t to t+4: give to={from_ + 4}"
            )
        text = exports.budget_table_rijksbegroting_csv(table)
        return PlainTextResponse(text, media_type="text/csv")
    if format == "csv":
        text = exports.budget_table_csv(table, dialect=exports.DIALECTS[dialect])
        return PlainTextResponse(text, media_type="text/csv")
    return BudgetTable.model_validate(table)
