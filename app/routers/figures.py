"""Figures for the three kinds of user: a ministry's share (finance departments), rule
comparisons (negotiators) and the multi-year budget table (Prinsjesdag tooling)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response

from app import exports, published
from app.auth import PresentedKey, SolvingEditor
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
FastConnection = Annotated[published.ConnectionSource, Depends(published.connection_source)]


async def published_reader(key: PresentedKey, connect: FastConnection) -> published.Admitted:
    """The caller and the publication state, from one query in one thread hand-off; a
    missing, wrong or revoked key is refused here, before anything else is looked at."""
    return await anyio.to_thread.run_sync(published.admit_with, connect, key)


PublishedReader = Annotated[published.Admitted, Depends(published_reader)]


@router.get(
    "/v1/ministries/{code}/share",
    summary="A ministry's share in the allocation published for a year",
    response_model=ShareOut,
    responses=READ_ERRORS,
)
async def get_share(
    request: Request,
    code: MinistryPath,
    reader: PublishedReader,
    connect: FastConnection,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2027])],
) -> Response:
    """The ministry's total, its breakdown per pool, its target and deviation, and a link to
    the full report. A finance key reads only its own ministry's share. Served from what the
    last publication prepared: one query checks the key and the publication state."""

    published.finance_may_read(code)(reader.principal)

    def prepare(session: Any, principal: Any) -> bytes:
        document = ShareOut.model_validate(figures.share(session, principal, code, year))
        return published.encode(document.model_dump(mode="json"))

    answers = request.app.state.prepared.shares
    body = await _prepared(answers, reader, connect, ("share", code, year), prepare)
    return Response(body, media_type="application/json")


async def _prepared(
    answers: published.PreparedAnswers,
    reader: published.Admitted,
    connect: published.ConnectionSource,
    key: tuple[Any, ...],
    prepare: Any,
) -> bytes:
    """The answer prepared for this publication state, made in a thread on a miss."""
    body = answers.get((*key, reader.generation))
    if body is not None:
        return body
    return await anyio.to_thread.run_sync(
        partial(
            published.prepared_or_fresh, answers, reader, connect=connect, key=key, prepare=prepare
        )
    )


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
async def get_budget_table(
    request: Request,
    reader: PublishedReader,
    connect: FastConnection,
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
    without a published allocation are listed in `missing_years` and left empty. Served from
    what the last publication prepared, like the share."""
    if layout == "rijksbegroting":
        if format != "csv":
            raise InvalidInput("layout", "the rijksbegroting layout is a CSV: add format=csv")
        if to != from_ + 4:
            raise InvalidInput(
                "to", f"the rijksbegroting layout has the years t to t+4: give to={from_ + 4}"
            )

    def prepare(session: Any, _principal: Any) -> bytes:
        table = figures.budget_table(session, first=from_, last=to)
        if layout == "rijksbegroting":
            return exports.budget_table_rijksbegroting_csv(table).encode()
        if format == "csv":
            return exports.budget_table_csv(table, dialect=exports.DIALECTS[dialect]).encode()
        return published.encode(
            BudgetTable.model_validate(table).model_dump(mode="json", by_alias=True)
        )

    answers = request.app.state.prepared.tables
    key = ("budget-table", from_, to, format, dialect, layout)
    body = await _prepared(answers, reader, connect, key, prepare)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(body, media_type=media)
