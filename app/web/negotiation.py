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
from app.services import allocations, figures, scenarios
from app.services.figures import cents, euros

RULES = ("proportional", "equal", "constrained")


def compare_years(
    session: Session,
    principal: Principal,
    *,
    request: allocations.RunRequest,
    years: list[int],
    rules: tuple[str, ...] = RULES,
) -> dict[str, Any]:
    """Every rule side by side for one year, or for several years added up (with each year's
    own comparison kept under ``per_year``)."""
    resolved, _reference = allocations.resolve_request(session, principal, request)
    per_year = [
        _one_year(resolved, solver=request.solver, year=year, rules=rules) for year in years
    ]
    if len(per_year) == 1:
        return per_year[0]
    added = summed(per_year)
    gaps = [result["gap"] for result in per_year]
    added["gap"] = euros(sum(cents(gap) for gap in gaps)) if None not in gaps else None
    added["reports"] = {}
    return added


def _one_year(
    resolved: scenarios.Resolved, *, solver: str, year: int, rules: tuple[str, ...]
) -> dict[str, Any]:
    columns = []
    for rule in rules:
        scenario = replace(resolved.scenario, rule=allocation.Rule(rule))
        result = allocations.engine_result(scenario, solver=solver, year=year).to_dict()
        columns.append({**result, "key": rule})
    names = {
        code: m.get("name", code) for code, m in resolved.snapshot.get("ministries", {}).items()
    }
    compared = figures.compare(figures.with_status_quo(columns), names)
    compared["year"] = year
    compared["period"] = str(year)
    compared["gap"] = next((col["funding"]["gap"] for col in columns if col.get("funding")), None)
    compared["reports"] = {col["key"]: col for col in columns}
    return compared


def summed(per_year: list[dict[str, Any]]) -> dict[str, Any]:
    """Comparisons of the same columns for successive years, added up per ministry and column
    to the cent; a column without a split in some year has no amounts, and says which year.
    The differences are taken again, against the first column of the sums."""
    keys = list(dict.fromkeys(col["key"] for result in per_year for col in result["columns"]))
    codes = list(dict.fromkeys(row["ministry"] for result in per_year for row in result["rows"]))
    names = {row["ministry"]: row["name"] for result in per_year for row in result["rows"]}
    amounts_of = [
        {row["ministry"]: row["amounts"] for row in result["rows"]} for result in per_year
    ]
    columns = []
    for key in keys:
        found = [
            (result["year"], next((c for c in result["columns"] if c["key"] == key), None))
            for result in per_year
        ]
        missing = [year for year, col in found if col is None or col["status"] != "optimal"]
        problems = [
            f"{year}: {problem}"
            for year, col in found
            if col
            for problem in col.get("problems") or []
        ]
        lines = []
        if not missing:
            for code in codes:
                found_amounts = [amounts.get(code, {}).get(key) for amounts in amounts_of]
                if all(amount is not None for amount in found_amounts):
                    total = sum(cents(str(amount)) for amount in found_amounts)
                    lines.append({"ministry": code, "total": euros(total)})
        status = (
            "optimal"
            if not missing
            else next(
                (col["status"] for _, col in found if col and col["status"] != "optimal"), "missing"
            )
        )
        columns.append(
            {
                "key": key,
                "status": status,
                "total": euros(sum(cents(ln["total"]) for ln in lines)) if lines else None,
                "lines": lines,
                "problems": problems or [f"{year}: no split" for year in missing],
            }
        )
    compared = figures.compare(columns, names)
    first, last = per_year[0]["year"], per_year[-1]["year"]
    compared.update(year=last, period=f"{first}–{last}", years=[r["year"] for r in per_year])
    compared["per_year"] = per_year
    return compared
