"""Use cases on multi-year plans: every projected year allocated and published in one act.

A plan allocates each year of a scenario's projection (the budget year and the years after
it, as on Prinsjesdag) and appends one ordinary, chained report per year in one transaction,
tied together by the plan's id and ``plan_hash``. Publishing a plan publishes all its years in
one transaction, superseding earlier publications of those years with history; the budget
table, the finance share and the exports then read the plan's years like any published report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

import allocation
from allocation.projection import project
from allocation.report import canonical_json, sha256_of
from allocation.scenario import parse_rule
from app.auth import Principal
from app.errors import Conflict, Forbidden, NotFound
from app.ledger.heads import SignedTreeHead
from app.models import AllocationReport, Plan, utcnow
from app.repositories import plans as repo
from app.services import allocations, vouched
from app.services import log as ledger_log
from app.services.report_figures import report_figures
from app.services.revisions import check_revision


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What to plan: a stored scenario or an inline one, with an optional rule."""

    scenario_id: int | None
    scenario: dict[str, Any] | None
    rule: str | None
    solver: str


@dataclass(frozen=True, slots=True)
class PlanView:
    """A stored plan with its reports (one per year) and each year's publication state."""

    plan: Plan
    body: dict[str, Any]
    reports: list[allocations.ReportView]
    signed_head: SignedTreeHead | None = None


def _years(scenario: allocation.Scenario, *, rule: str, solver: str) -> list[Any]:
    """Each projected year's report: the same as ``allocate_years`` gives, year by year."""
    budget = allocations.solve_budget()
    return [
        allocation.allocate(year, rule=rule, solver=solver, time_limit=budget)
        for year in project(scenario)
    ]


def create(session: Session, principal: Principal, request: PlanRequest) -> PlanView:
    """Allocate every projected year and append a report per year, all in one transaction."""
    run = allocations.RunRequest(
        scenario_id=request.scenario_id,
        scenario=request.scenario,
        rule=request.rule,
        solver=request.solver,
        year=None,
    )
    resolved, reference = allocations.resolve_request(session, principal, run)
    rule = parse_rule(request.rule or resolved.scenario.rule.value)
    scenario = replace(resolved.scenario, rule=rule)
    results = _years(scenario, rule=rule.value, solver=request.solver)
    input_hash = sha256_of(scenario.to_document())
    appender = ledger_log.open_log(session)
    plan_id = repo.next_id(session)
    link = allocations.PlanLink(plan_id, tuple(result.year for result in results))
    chain = allocations.ChainHead.of(session)
    views = []
    for result in results:
        view = allocations.build_report(
            principal,
            chain=chain,
            engine_body=report_figures(result.to_dict(), resolved.snapshot),
            resolved=resolved,
            reference=reference,
            request={"solver": request.solver, "year": result.year},
            plan=link,
        )
        views.append(view)
        chain = chain.after(view.row.report_hash)
    created_at = utcnow()
    body = {
        "id": plan_id,
        "rule": rule.value,
        "first_year": link.years[0],
        "last_year": link.years[-1],
        "input_hash": input_hash,
        "scenario_ref": reference,
        "created_at": created_at.isoformat(),
        "created_by": principal.actor,
        "years": [
            {
                "year": view.row.year,
                "report_id": view.row.id,
                "report_hash": view.row.report_hash,
                "status": view.row.status,
            }
            for view in views
        ],
    }
    plan = Plan(
        id=plan_id,
        first_year=link.years[0],
        last_year=link.years[-1],
        rule=rule.value,
        scenario_id=reference["id"] if reference else None,
        input_hash=input_hash,
        plan_hash=sha256_of(body),
        body=canonical_json(body),
        created_by=principal.actor,
        created_at=created_at,
    )
    session.add(plan)
    session.flush()
    for view in views:
        session.add(view.row)
    session.flush()
    for view in views:
        appender.add_report(view.row)
    return PlanView(plan, body, views, appender.seal())


def _view(session: Session, plan: Plan, published: list[vouched.Vouched] | None = None) -> PlanView:
    rows = repo.reports_of(session, plan.id)
    if published is None:
        published = vouched.publications(session, years=sorted({row.year for row in rows}))
    return PlanView(
        plan, json.loads(plan.body), [allocations.view_of(session, r, published) for r in rows]
    )


def get(session: Session, principal: Principal, plan_id: int) -> PlanView:
    plan = repo.get(session, plan_id)
    if plan is None:
        raise NotFound(f"unknown plan {plan_id}")
    view = _view(session, plan)
    unpublished = any(r.publication["state"] == "unpublished" for r in view.reports)
    if not principal.is_editor and unpublished:
        raise Forbidden("plans not yet published are visible to negotiators and admins only")
    return view


def page(
    session: Session, principal: Principal, *, limit: int, offset: int
) -> tuple[list[PlanView], int]:
    if principal.is_editor:
        plans, total = repo.page(session, limit=limit, offset=offset)
        return [_view(session, plan) for plan in plans], total
    everything, _ = repo.page(session, limit=10**6, offset=0)
    published = vouched.publications(session)
    visible = [
        view
        for view in (_view(session, plan, published) for plan in everything)
        if all(r.publication["state"] != "unpublished" for r in view.reports)
    ]
    return visible[offset : offset + limit], len(visible)


def revision(session: Session, view: PlanView) -> str:
    """The ETag a publisher must send: changes when any of the plan's years is published."""
    counts = [allocations.publication_revision(session, r.row.year) for r in view.reports]
    return f"plan{view.plan.id}." + "-".join(count.split(".", 1)[1] for count in counts)


def publish(
    session: Session,
    principal: Principal,
    plan_id: int,
    *,
    if_match: str | None,
    acknowledge_unadopted_weights: bool = False,
) -> PlanView:
    """Publish every year of the plan in one transaction; each earlier publication of those
    years is superseded, with history. All years must be feasible; weights nobody adopted
    need the acknowledgement, stored with each year's publication."""
    view = get(session, principal, plan_id)
    what = f"plan {plan_id}"
    check_revision(if_match, revision(session, view), what=what)
    infeasible = [str(r.row.year) for r in view.reports if r.row.status != "optimal"]
    if infeasible:
        raise Conflict(
            f"plan {plan_id} cannot be published: {', '.join(infeasible)} "
            f"{'is' if len(infeasible) == 1 else 'are'} infeasible; see each year's problems"
        )
    reason = allocations.unadopted_weights(session, view.reports[0].body)
    allocations.refuse_unadopted(reason, what=what, acknowledged=acknowledge_unadopted_weights)
    appender = ledger_log.open_log(session)
    check_revision(if_match, revision(session, view), what=what)
    current = vouched.in_force(session, [r.row.year for r in view.reports])
    pending: list[AllocationReport] = [
        r.row
        for r in view.reports
        if current.get(r.row.year) is None or current[r.row.year].publication.report_id != r.row.id
    ]
    if not pending:
        raise Conflict(f"plan {plan_id} is already the published plan for all its years")
    for row in pending:
        allocations.add_publication(
            session, principal, row, appender, acknowledged=reason is not None, plan_id=plan_id
        )
    head = appender.seal()
    return replace(_view(session, view.plan), signed_head=head)
