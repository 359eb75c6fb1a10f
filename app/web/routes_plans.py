"""Multi-year plans for people: the list, the form that makes a plan from a stored scenario,
one plan as a chart and a table over its years, and the confirmation that publishes all its
years in one act.

Every read goes through :mod:`app.services.plans` and shows the API's own document
(:func:`app.routers.plans.plan_document`), so the figures are those of ``GET /v1/plans/{id}``
and a finance or reader key sees plans whose every year is published only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import RedirectResponse, Response

from app.concurrency import solve_in_worker
from app.errors import InvalidInput, NotFound
from app.models import Scenario
from app.routers.common import DbSession
from app.routers.plans import plan_document
from app.schemas import MAX_ID
from app.services import allocations, scenarios
from app.services import plans as service
from app.web import explain
from app.web.auth import EditorPage, SignedInPage
from app.web.formatting import cents
from app.web.forms import read_form
from app.web.negotiation import RULES
from app.web.publishing import publish_confirmed
from app.web.render import Page, render
from app.web.solving import admit

router = APIRouter(include_in_schema=False)
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
PAGE_SIZE = 25


def _choices(session: DbSession) -> list[Scenario]:
    stored, _total = scenarios.page(session, name=None, limit=100, offset=0)
    return sorted(stored, key=lambda s: s.id or 0, reverse=True)


def _list_context(page: Page, session: DbSession, offset: int) -> dict[str, Any]:
    assert page.user is not None
    _ = page.lang.gettext
    views, total = service.page(session, page.user.principal, limit=PAGE_SIZE, offset=offset)
    choices = _choices(session) if page.is_editor else []
    return {
        "title": _("Plans"),
        "plans": [plan_document(view) for view in views],
        "total": total,
        "offset": offset,
        "size": PAGE_SIZE,
        "choices": choices,
        "chosen": choices[0].id if choices else None,
        "chosen_rule": "",
        "rules": RULES,
        "rule_labels": {rule: explain.rule_label(_, rule) for rule in RULES},
        "state_labels": _state_labels(page),
        "errors": {},
        "field_ids": {},
    }


def _state_labels(page: Page) -> dict[str, str]:
    _ = page.lang.gettext
    return {
        "published": _("published"),
        "unpublished": _("not published"),
        "partly published": _("partly published"),
        "superseded": _("superseded"),
    }


@router.get("/plannen")
def plan_list(
    page: SignedInPage,
    session: DbSession,
    vanaf: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    return render(page, "pages/plans.html", _list_context(page, session, vanaf))


@router.post("/plannen")
async def create(page: EditorPage, session: DbSession) -> Response:
    """Make a plan from a stored scenario: every projected year allocated and stored as a
    report (not yet published), then the plan's page."""
    assert page.user is not None
    _ = page.lang.gettext
    form = await read_form(page.request, csrf_token=page.user.csrf_token)
    context = _list_context(page, session, 0)
    chosen, rule = form.get("scenario"), form.get("rule")
    known = {s.id for s in context["choices"]}
    scenario_id = int(chosen) if chosen.isdigit() and int(chosen) in known else None
    if scenario_id is None:
        context["errors"]["scenario"] = _("Choose the scenario to plan")
    else:
        context["chosen"] = scenario_id
    if rule and rule not in RULES:
        context["errors"]["rule"] = _("Choose one of the rules, or the scenario's own rule")
    else:
        context["chosen_rule"] = rule
    if context["errors"]:
        return render(page, "pages/plans.html", context, status_code=422)
    admit(page)
    request = service.PlanRequest(
        scenario_id=scenario_id, scenario=None, rule=rule or None, solver="highs"
    )
    try:
        view = await solve_in_worker(service.create, session, page.user.principal, request)
    except (InvalidInput, NotFound) as refused:
        context["errors"] = {"scenario": refused.detail}
        return render(page, "pages/plans.html", context, status_code=422)
    return RedirectResponse(f"/plannen/{view.plan.id}?nieuw=1", status_code=303)


def _ministries(document: dict[str, Any]) -> list[str]:
    codes: set[str] = set()
    for year in document["years"]:
        codes.update(line["ministry"] for line in year["lines"])
    return sorted(codes)


def _bindings(page: Page, view: service.PlanView) -> dict[int, list[str]]:
    """Per year, one sentence per bound that holds a ministry's amount where it is."""
    _ = page.lang.gettext
    found: dict[int, list[str]] = {}
    for report in view.reports:
        body = report.body
        sentences = []
        for line in body.get("lines", []):
            sentences += explain.bound_sentences(
                _, code=line["ministry"], binding=list(line.get("binding") or []), body=body
            )
        found[report.row.year] = sentences
    return found


def _warnings(page: Page, view: service.PlanView) -> list[str]:
    """The report page's warnings for every year of the plan, each said once."""
    _ = page.lang.gettext
    found: list[str] = []
    for report in view.reports:
        for warning in explain.report_warnings(_, body=report.body, publication=report.publication):
            if warning not in found:
                found.append(warning)
    return found


@router.get("/plannen/{plan_id}")
def plan_page(page: SignedInPage, session: DbSession, plan_id: PlanId) -> Response:
    assert page.user is not None
    _ = page.lang.gettext
    view = service.get(session, page.user.principal, plan_id)
    document = plan_document(view)
    names = {
        code: m.get("name", code)
        for code, m in view.reports[0].body.get("snapshot", {}).get("ministries", {}).items()
    }
    years = document["years"]
    return render(
        page,
        "pages/plan.html",
        {
            "title": _("Plan %(id)s") % {"id": plan_id},
            "plan": document,
            "years": years,
            "ministries": _ministries(document),
            "amounts": {
                year["year"]: {line["ministry"]: line for line in year["lines"]} for year in years
            },
            "names": names,
            "warnings": _warnings(page, view),
            "bindings": _bindings(page, view),
            "weights_text": explain.weights_sentence(_, document.get("weights_source"))[0],
            "rule_label": explain.rule_label(_, document["rule"]),
            "state_labels": _state_labels(page),
            "publication_labels": {
                state: explain.publication_label(_, state)
                for state in ("published", "superseded", "unpublished")
            },
            "publishable": page.is_editor
            and document["state"] != "published"
            and all(year["status"] == "optimal" for year in years),
            "just_published": page.request.query_params.get("gepubliceerd") == "1",
            "just_made": page.request.query_params.get("nieuw") == "1",
        },
    )


def _confirmation(page: Page, session: DbSession, plan_id: int) -> dict[str, Any]:
    """What publishing the plan changes year by year: which report is official now and which
    one becomes official, and whether the weights need an acknowledgement."""
    assert page.user is not None
    _ = page.lang.gettext
    view = service.get(session, page.user.principal, plan_id)
    document = plan_document(view)
    changes = []
    moves: dict[str, dict[int, int]] = {}
    for report, year in zip(view.reports, document["years"], strict=True):
        history = allocations.publications(session, year=report.row.year)
        current = history[-1] if history else None
        unchanged = current is not None and current.report_id == report.row.id
        before = (
            allocations.get(session, page.user.principal, current.report_id).body
            if current is not None
            else None
        )
        if before is not None and not unchanged:
            old = {line["ministry"]: cents(line["total"]) for line in before.get("lines", [])}
            for line in year["lines"]:
                if line["total"] is not None and line["ministry"] in old:
                    moves.setdefault(line["ministry"], {})[report.row.year] = (
                        cents(line["total"]) - old[line["ministry"]]
                    )
        changes.append(
            {
                "year": report.row.year,
                "report_id": report.row.id,
                "total": year["total"],
                "current": current,
                "current_total": before.get("total") if before is not None else None,
                "unchanged": unchanged,
            }
        )
    return {
        "title": _("Publish plan %(id)s") % {"id": plan_id},
        "plan": document,
        "changes": changes,
        "moves": dict(sorted(moves.items())),
        "move_years": sorted({y for cells in moves.values() for y in cells}),
        "infeasible": [y["year"] for y in document["years"] if y["status"] != "optimal"],
        "unadopted": allocations.unadopted_weights(session, view.reports[0].body),
        "weights_text": explain.weights_sentence(_, document.get("weights_source"))[0],
        "revision": service.revision(session, view),
        "errors": {},
        "field_ids": {"acknowledge": "acknowledge"},
        "acknowledged": False,
    }


@router.get("/plannen/{plan_id}/publiceren")
def publish_form(page: EditorPage, session: DbSession, plan_id: PlanId) -> Response:
    return render(page, "pages/plan_publish.html", _confirmation(page, session, plan_id))


@router.post("/plannen/{plan_id}/publiceren")
async def publish(page: EditorPage, session: DbSession, plan_id: PlanId) -> Response:
    assert page.user is not None
    principal, _ = page.user.principal, page.lang.gettext
    return await publish_confirmed(
        page,
        publish=lambda if_match, acknowledged: service.publish(
            session,
            principal,
            plan_id,
            if_match=if_match,
            acknowledge_unadopted_weights=acknowledged,
        ),
        confirmation=lambda: _confirmation(page, session, plan_id),
        template="pages/plan_publish.html",
        stale=lambda _context: _(
            "In the meantime a report was published for one of the plan's years. "
            "Check what publishing changes now, then confirm again."
        ),
        needs_box=lambda context: not context["infeasible"],
        published=f"/plannen/{plan_id}?gepubliceerd=1",
    )
