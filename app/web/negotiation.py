"""The negotiators' comparison for one year of a scenario: every rule side by side, with the
gains and losses against what each ministry pays today where the scenario states its current
funding streams (the status quo), and against the proportional split otherwise.

It resolves the scenario through :func:`app.services.allocations.resolve_request` (the same
checks as every run) and lays the columns out with :func:`app.services.figures.compare`, so the
page and ``POST /v1/comparisons`` agree; it adds only the choice of a projected year. Nothing is
stored.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session

import allocation
from app.auth import Principal
from app.services import allocations, figures

RULES = ("proportional", "equal", "constrained")


def compare_year(
    session: Session,
    principal: Principal,
    *,
    request: allocations.RunRequest,
    year: int,
    rules: tuple[str, ...] = RULES,
) -> dict[str, Any]:
    resolved, _reference = allocations.resolve_request(session, principal, request)
    columns = []
    for rule in rules:
        scenario = replace(resolved.scenario, rule=allocation.Rule(rule))
        result = allocations.engine_result(scenario, solver=request.solver, year=year).to_dict()
        columns.append({**result, "key": rule})
    names = {
        code: m.get("name", code) for code, m in resolved.snapshot.get("ministries", {}).items()
    }
    compared = figures.compare(figures.with_status_quo(columns), names)
    compared["year"] = year
    compared["gap"] = next((col["funding"]["gap"] for col in columns if col.get("funding")), None)
    compared["reports"] = {col["key"]: col for col in columns}
    return compared
