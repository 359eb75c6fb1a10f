"""Multi-year plans: every projected year allocated, and published, in one act."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.auth import Caller, Editor, SolvingEditor
from app.concurrency import solve_in_worker
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
from app.schemas import PlanCreate, PlanList, PlanOut, PublishRequest, SweepCreate, SweepOut
from app.services import plans as service
from app.services import sweeps

router = APIRouter(tags=["plans"])


def _year(report: Any) -> dict[str, Any]:
    body = report.body
    funding = body.get("funding") or {}
    today = {m["ministry"]: m for m in funding.get("ministries", [])}
    paid = {line["ministry"]: line["total"] for line in body.get("lines", [])}
    codes = sorted(set(paid) | set(today))
    return {
        "year": body["year"],
        "report_id": report.row.id,
        "report_hash": report.row.report_hash,
        "href": f"/v1/allocations/{report.row.id}",
        "status": body["status"],
        "total": body["total"],
        **{key: funding.get(key) for key in ("need", "external", "current", "gap", "gap_pct")},
        "lines": [
            {
                "ministry": code,
                "total": paid.get(code),
                **{k: today.get(code, {}).get(k) for k in ("today", "change", "change_pct")},
            }
            for code in codes
        ],
        "problems": body.get("problems", []),
        "warnings": body.get("warnings", []),
        "publication": report.publication,
    }


def _state(view: service.PlanView) -> str:
    states = {report.publication["state"] for report in view.reports}
    mine = all(
        report.publication.get("state") == "published"
        and report.publication.get("plan_id", view.plan.id) == view.plan.id
        for report in view.reports
    )
    if states == {"published"} and mine:
        return "published"
    if states == {"unpublished"}:
        return "unpublished"
    if "published" in states:
        return "partly published"
    return "superseded"


def _out(view: service.PlanView) -> PlanOut:
    first = view.reports[0].body
    return PlanOut.model_validate(
        {
            **view.body,
            "plan_hash": view.plan.plan_hash,
            "state": _state(view),
            "weights_source": first.get("weights_source"),
            "years": [_year(report) for report in view.reports],
            "signed_head": view.signed_head.to_document() if view.signed_head else None,
        }
    )


def plan_document(view: service.PlanView) -> dict[str, Any]:
    """The plan as ``GET /v1/plans/{id}`` answers it, as plain JSON values (for the pages)."""
    return _out(view).model_dump(mode="json")


@router.post(
    "/v1/plans",
    summary="Allocate every year of a scenario's projection as one plan",
    response_model=PlanOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
async def create_plan(
    body: PlanCreate, session: DbSession, editor: SolvingEditor, response: Response
) -> PlanOut:
    """One ordinary, chained report per projected year, made in one transaction and tied
    together by the plan's id and hash. Nothing is published yet."""
    request = service.PlanRequest(
        scenario_id=body.scenario_id,
        scenario=body.scenario,
        rule=body.rule.value if body.rule else None,
        solver=body.solver.value,
    )
    view = await solve_in_worker(service.create, session, editor, request)
    response.headers["Location"] = f"/v1/plans/{view.plan.id}"
    set_etag(response, service.revision(session, view))
    return _out(view)


@router.get("/v1/plans", summary="List plans", response_model=PlanList, responses=READ_ERRORS)
def list_plans(
    session: DbSession, caller: Caller, limit: Limit = 50, offset: Offset = 0
) -> PlanList:
    """Newest first. Finance and reader keys see plans whose every year is published."""
    views, total = service.page(session, caller, limit=limit, offset=offset)
    return PlanList(items=[_out(v) for v in views], total=total, limit=limit, offset=offset)


@router.get(
    "/v1/plans/{plan_id}",
    summary="Get one plan, year by year",
    response_model=PlanOut,
    responses=READ_ERRORS,
)
def get_plan(
    plan_id: ResourceId, session: DbSession, caller: Caller, response: Response
) -> PlanOut:
    """Per year: what the ministries split, need, today's funding and the gap, each
    ministry's amount (today and under the rule) and the year's publication state. The ETag
    changes whenever one of the plan's years is published."""
    view = service.get(session, caller, plan_id)
    set_etag(response, service.revision(session, view))
    return _out(view)


@router.post(
    "/v1/plans/{plan_id}/publish",
    summary="Publish every year of a plan in one transaction",
    response_model=PlanOut,
    responses=WRITE_ERRORS,
)
def publish_plan(
    plan_id: ResourceId,
    session: DbSession,
    editor: Editor,
    response: Response,
    if_match: IfMatch = None,
    body: PublishRequest | None = None,
) -> PlanOut:
    """Each year's report becomes the official one for its year; what was official before is
    superseded, with history. Refused (409) when a year is infeasible, and unless the body
    acknowledges it, when the weights are not an adopted weight set."""
    view = service.publish(
        session,
        editor,
        plan_id,
        if_match=if_match,
        acknowledge_unadopted_weights=bool(body and body.acknowledge_unadopted_weights),
    )
    set_etag(response, service.revision(session, view))
    return _out(view)


@router.post(
    "/v1/sweeps",
    summary="Vary one or two inputs over a grid and allocate every point",
    response_model=SweepOut,
    responses=WRITE_ERRORS,
)
async def create_sweep(body: SweepCreate, session: DbSession, editor: SolvingEditor) -> SweepOut:
    """E.g. the hulplijn's growth at 20%, 30% and 40%: per ministry and year the amount at
    each point, and its range. A point is the single run of the same inputs, to the cent.
    Nothing is stored; at most 100 allocations (points × years), else 422 naming the limit."""
    request = sweeps.SweepRequest(
        scenario_id=body.scenario_id,
        scenario=body.scenario,
        rule=body.rule.value if body.rule else None,
        solver=body.solver.value,
        vary=[axis.model_dump(exclude_none=True) for axis in body.vary],
    )
    return SweepOut.model_validate(await solve_in_worker(sweeps.run, session, editor, request))
