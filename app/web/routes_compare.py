"""The negotiators' pages: compare the rules for a year with weights and bounds of their own
(nothing stored), then run one rule as a report, which the report page can publish."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from app.auth import Principal
from app.concurrency import solve_in_worker
from app.errors import InvalidInput, NotFound
from app.models import Scenario
from app.routers.common import DbSession
from app.schemas import MAX_ID
from app.services import allocations, figures, scenarios
from app.web import explain, scenario_form, variants
from app.web.auth import EditorPage
from app.web.forms import Form, is_number, read_form
from app.web.negotiation import RULES, compare_years, summed
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


def _context(
    page: Page,
    inputs: scenario_form.Inputs,
    choices: list[Scenario],
    carried: list[variants.Variant] | None = None,
) -> dict[str, Any]:
    _ = page.lang.gettext
    kept = carried or []
    return {
        "variants": kept,
        "variant_fields": variants.hidden(kept),
        "variant_result": None,
        "variant_rule": "constrained",
        "through": False,
        "max_variants": variants.MAX_VARIANTS,
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
    variants: list[variants.Variant]


async def _read(page: Page, session: DbSession) -> Submitted:
    assert page.user is not None
    form = await read_form(page.request, csrf_token=page.user.csrf_token)
    chosen = form.get("scenario")
    stored, choices = _scenario(
        session, int(chosen) if is_number(chosen) and 0 < int(chosen) <= MAX_ID else None
    )
    inputs = scenario_form.inputs_for(session, page.user.principal, stored)
    carried = variants.carried(form, inputs)
    parsed = scenario_form.parse(page.lang.gettext, form, inputs, stored)
    return Submitted(parsed, stored, choices, form, carried)


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
    context = _context(page, parsed.inputs, submitted.choices, submitted.variants)
    context["through"] = submitted.form.checked("through")
    if parsed.errors or parsed.year is None:
        context["errors"] = parsed.errors
        return render(page, "pages/compare.html", context, status_code=422)
    admit(page, solves=len(RULES) * len(parsed.years))
    try:
        result = await solve_in_worker(
            compare_years,
            session,
            page.user.principal,
            request=scenario_form.run_request(parsed, stored, rule=None),
            years=parsed.years,
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
    context = _context(page, parsed.inputs, submitted.choices, submitted.variants)
    context["through"] = submitted.form.checked("through")
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
            scenario_form.run_request(parsed, stored, rule=rule),
            idempotency_key=None,
        )
    except InvalidInput as exc:
        return _refused(page, context, exc)
    return RedirectResponse(f"/rapporten/{view.row.id}?nieuw=1", status_code=303)


@router.post("/vergelijken/varianten")
async def compare_variants(page: EditorPage, session: DbSession) -> Response:
    """Add the form as a named variant, or remove one, and compare the variants side by side
    under one rule for the form's year; nothing is stored."""
    assert page.user is not None
    _ = page.lang.gettext
    submitted = await _read(page, session)
    parsed, stored, form = submitted.parsed, submitted.stored, submitted.form
    kept = list(submitted.variants)
    errors = dict(parsed.errors)
    action = form.get("action")
    name = form.get("variant_name")
    added = False
    if action == "add":
        reason = variants.refusal(_, name, kept)
        if reason is not None:
            errors["variant_name"] = reason
        elif not parsed.errors:
            kept.append(variants.from_form(name, parsed.inputs))
            added = True
    elif removed := re.fullmatch(r"remove-(\d{1,2})", action):
        kept = [v for i, v in enumerate(kept) if i != int(removed[1])]
    rule = form.get("variant_rule") or "constrained"
    if rule not in RULES and kept:
        errors["variant_rule"] = _("Choose the rule to compare the variants under")
    elif rule not in RULES:
        rule = "constrained"
    context = _context(page, parsed.inputs, submitted.choices, kept)
    context["through"] = form.checked("through")
    context["variant_rule"] = rule
    context["variant_name"] = name if action == "add" and not added else ""
    if errors or parsed.year is None:
        context["errors"] = errors
        return render(page, "pages/compare.html", context, status_code=422)
    if not kept:
        return render(page, "pages/compare.html", context)
    admit(page, solves=len(kept) * len(parsed.years))
    try:
        runs = variants.requests(_, kept, parsed.inputs, stored, year=parsed.year)
        result = await solve_in_worker(
            _variants_over,
            session,
            page.user.principal,
            runs=runs,
            rule=rule,
            years=parsed.years,
        )
    except InvalidInput as exc:
        context["errors"] = {"variants": variants.refused(_, exc, kept)}
        context["field_ids"] = {"variants": "variants"}
        return render(page, "pages/compare.html", context, status_code=422)
    context["variant_result"] = {**result, "rule": rule}
    return render(page, "pages/compare.html", context)


def _variants_over(
    session: Session,
    principal: Principal,
    *,
    runs: list[tuple[str, allocations.RunRequest]],
    rule: str,
    years: list[int],
) -> dict[str, Any]:
    """The variants side by side for one year, or added up over several."""
    compared = figures.compare_variants_over(
        session, principal, variants=runs, rule=rule, years=list(years)
    )
    per_year = [
        {**result, "year": year, "period": str(year)}
        for year, result in zip(years, compared, strict=True)
    ]
    return per_year[0] if len(per_year) == 1 else summed(per_year)
