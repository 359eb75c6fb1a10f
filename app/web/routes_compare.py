"""The negotiators' pages: compare the rules for a year with weights and bounds of their own
(nothing stored), then run one rule as a report, which the report page can publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import RedirectResponse, Response

from app.concurrency import solve_in_worker
from app.errors import InvalidInput, NotFound
from app.models import Scenario
from app.routers.common import DbSession
from app.schemas import MAX_ID
from app.services import allocations, scenarios
from app.web import explain, scenario_form
from app.web.auth import EditorPage
from app.web.forms import Form, read_form
from app.web.negotiation import RULES, compare_year
from app.web.render import Page, render
from app.web.solving import admit

router = APIRouter(include_in_schema=False)


def _scenario(session: DbSession, scenario_id: int | None) -> tuple[Scenario, list[Scenario]]:
    stored, _total = scenarios.page(session, name=None, limit=100, offset=0)
    if not stored:
        raise NotFound("no scenario is stored yet; `costshare seed` loads the default one")
    if scenario_id is None:
        return max(stored, key=lambda s: s.id or 0), stored
    return scenarios.get(session, scenario_id), stored


def _context(page: Page, inputs: scenario_form.Inputs, choices: list[Scenario]) -> dict[str, Any]:
    _ = page.lang.gettext
    return {
        "title": _("Compare rules"),
        "inputs": inputs,
        "choices": choices,
        "errors": {},
        "field_ids": {},
        "result": None,
        "rules": RULES,
        "rule_labels": {rule: explain.rule_label(_, rule) for rule in (*RULES, "status_quo")},
    }


@router.get("/vergelijken")
def compare_form(
    page: EditorPage,
    session: DbSession,
    scenario: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    assert page.user is not None
    stored, choices = _scenario(session, scenario)
    inputs = scenario_form.inputs_for(session, page.user.principal, stored)
    return render(page, "pages/compare.html", _context(page, inputs, choices))


@dataclass(frozen=True, slots=True)
class Submitted:
    """A submitted comparison form: what it says, the scenario it edits, the raw fields."""

    parsed: scenario_form.Parsed
    stored: Scenario
    choices: list[Scenario]
    form: Form


async def _read(page: Page, session: DbSession) -> Submitted:
    assert page.user is not None
    form = await read_form(page.request, csrf_token=page.user.csrf_token)
    chosen = form.get("scenario")
    stored, choices = _scenario(
        session, int(chosen) if chosen.isdigit() and 0 < int(chosen) <= MAX_ID else None
    )
    inputs = scenario_form.inputs_for(session, page.user.principal, stored)
    parsed = scenario_form.parse(page.lang.gettext, form, inputs, stored)
    return Submitted(parsed, stored, choices, form)


def _request(parsed: scenario_form.Parsed, stored: Scenario, *, rule: str | None) -> Any:
    if parsed.unchanged:
        return allocations.RunRequest(
            scenario_id=stored.id, scenario=None, rule=rule, solver="highs", year=None
        )
    year = None if parsed.year == parsed.inputs.base_year else parsed.year
    return allocations.RunRequest(
        scenario_id=None, scenario=parsed.document, rule=rule, solver="highs", year=year
    )


def _refused(page: Page, context: dict[str, Any], exc: InvalidInput) -> Response:
    name = scenario_form.form_field(exc.field) or "form"
    context["errors"] = {name: exc.message if name != "form" else exc.detail}
    context["field_ids"] = {"form": "compare-form"}
    return render(page, "pages/compare.html", context, status_code=422)


@router.post("/vergelijken")
async def compare(page: EditorPage, session: DbSession) -> Response:
    assert page.user is not None
    submitted = await _read(page, session)
    parsed, stored = submitted.parsed, submitted.stored
    context = _context(page, parsed.inputs, submitted.choices)
    if parsed.errors or parsed.year is None:
        context["errors"] = parsed.errors
        return render(page, "pages/compare.html", context, status_code=422)
    admit(page)
    try:
        result = await solve_in_worker(
            compare_year,
            session,
            page.user.principal,
            request=_request(parsed, stored, rule=None),
            year=parsed.year,
        )
    except InvalidInput as exc:
        return _refused(page, context, exc)
    context["result"] = result
    context["weights_changed"] = "weight_set" not in (parsed.document or {})
    return render(page, "pages/compare.html", context)


@router.post("/vergelijken/uitvoeren")
async def run(page: EditorPage, session: DbSession) -> Response:
    """Run the form's scenario under one rule and store the report (not yet published)."""
    assert page.user is not None
    submitted = await _read(page, session)
    parsed, stored = submitted.parsed, submitted.stored
    context = _context(page, parsed.inputs, submitted.choices)
    rule = submitted.form.get("rule")
    if rule not in RULES:
        parsed.errors["rule"] = page.lang.gettext("Choose the rule to run")
    if parsed.errors or parsed.year is None:
        context["errors"] = parsed.errors
        return render(page, "pages/compare.html", context, status_code=422)
    admit(page)
    try:
        view, _created = await solve_in_worker(
            allocations.run,
            session,
            page.user.principal,
            _request(parsed, stored, rule=rule),
            idempotency_key=None,
        )
    except InvalidInput as exc:
        return _refused(page, context, exc)
    return RedirectResponse(f"/rapporten/{view.row.id}?nieuw=1", status_code=303)
