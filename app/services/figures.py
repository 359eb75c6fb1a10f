"""Published figures: a ministry's share for a year, rule comparisons, and the multi-year
budget table in thousands of euros for the Prinsjesdag tooling."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlmodel import Session

import allocation
from allocation.projection import project
from app.auth import Principal, Role
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Publication
from app.repositories import reports as repo
from app.services import allocations, ministries, report_figures, vouched

MAX_TABLE_YEARS = 10
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def cents(amount: str) -> int:
    return int(Decimal(amount).scaleb(2))


def euros(amount_cents: int) -> str:
    sign = "-" if amount_cents < 0 else ""
    whole, rest = divmod(abs(amount_cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def percent(part_cents: int, whole_cents: int) -> str | None:
    """``part / whole`` in percent with two decimals, half away from zero; None for whole 0."""
    if whole_cents == 0:
        return None
    value = (Decimal(part_cents) * 100 / Decimal(whole_cents)).quantize(Decimal("0.01"))
    return f"{value:.2f}"


def chapter_number(chapter: str) -> int:
    """``"XVI"`` → 16, so tables follow the order of the budget chapters."""
    digits = [ROMAN[c] for c in chapter if c in ROMAN]
    total = 0
    for i, value in enumerate(digits):
        total += -value if i + 1 < len(digits) and value < digits[i + 1] else value
    return total


def _published(session: Session, year: int) -> tuple[str, dict[str, Any]] | None:
    """The report in force for ``year``: its hash and its body."""
    found = _in_force(session, year)
    return (found[0], found[1]) if found else None


def _in_force(session: Session, year: int) -> tuple[str, dict[str, Any], Publication] | None:
    """The report in force for ``year`` as the signed log says: its hash, its body and its
    publication. A report that is not as it was signed is refused, never shown."""
    current = vouched.in_force(session, [year]).get(year)
    if current is None:
        return None
    row = repo.get(session, current.publication.report_id)
    assert row is not None
    body = json.loads(row.body)
    vouched.check_report(session, row, body, current)
    return row.report_hash, body, current.publication


# ---------------------------------------------------------------- finance: one share


def share(session: Session, principal: Principal, code: str, year: int) -> dict[str, Any]:
    ministry = ministries.get(session, code)
    if principal.role is Role.FINANCE and principal.ministry_code != ministry.code:
        raise Forbidden(
            f"a finance key of {principal.ministry_code} may read only its own share, "
            f"not {ministry.code}'s"
        )
    published = _in_force(session, year)
    if published is None:
        raise NotFound(f"no allocation is published for {year}")
    report_hash, body, publication = published
    line = next((ln for ln in body.get("lines", []) if ln["ministry"] == ministry.code), None)
    if line is None:
        raise NotFound(f"{ministry.code} has no line in the allocation published for {year}")
    return {
        "ministry": ministry.code,
        "name": ministry.name,
        "chapter": ministry.chapter,
        "year": year,
        **{k: v for k, v in line.items() if k != "ministry"},
        "allocation_total": body["total"],
        "rule": body["rule"],
        "report": {
            "id": body["id"],
            "report_hash": report_hash,
            "href": f"/v1/allocations/{body['id']}",
        },
        "weights_source": body.get("weights_source")
        or report_figures.weights_source(body.get("snapshot", {})),
        "warnings": body.get("warnings", []),
        "publication": {
            "state": allocations.PUBLISHED,
            "published_at": publication.at.isoformat(),
            "published_by": publication.actor,
            "acknowledged_unadopted_weights": publication.acknowledged_unadopted_weights,
            "plan_id": publication.plan_id,
        },
        "today": _today(body, ministry.code),
    }


def _today(body: dict[str, Any], code: str) -> dict[str, Any] | None:
    """What the ministry pays today and the change under the rule, where the report says."""
    funding = body.get("funding")
    if not funding:
        return None
    mine = next((m for m in funding.get("ministries", []) if m["ministry"] == code), None)
    if mine is None:
        return None
    return {
        "pays_today": mine["today"],
        "change": mine["change"],
        "change_pct": mine["change_pct"],
        "gap": funding["gap"],
    }


# ---------------------------------------------------------------- negotiators: comparisons


def compare(columns: list[dict[str, Any]], names: dict[str, str]) -> dict[str, Any]:
    """Side by side per ministry, with differences to the first column in € and %."""
    codes = sorted({ln["ministry"] for col in columns for ln in col.get("lines", [])})
    baseline = columns[0]
    rows = []
    for code in codes:
        amounts = {
            col["key"]: next(
                (ln["total"] for ln in col.get("lines", []) if ln["ministry"] == code), None
            )
            for col in columns
        }
        base_amount = amounts[baseline["key"]]
        differences: dict[str, dict[str, str | None] | None] = {}
        for col in columns[1:]:
            amount = amounts[col["key"]]
            if amount is None or base_amount is None:
                differences[col["key"]] = None
                continue
            diff = cents(amount) - cents(base_amount)
            differences[col["key"]] = {"eur": euros(diff), "pct": percent(diff, cents(base_amount))}
        rows.append(
            {
                "ministry": code,
                "name": names.get(code, code),
                "amounts": amounts,
                "differences": differences,
            }
        )
    summary = [
        {
            k: col.get(k)
            for k in ("key", "status", "rule", "total", "problems", "report_id")
            if k in col
        }
        for col in columns
    ]
    return {"baseline": baseline["key"], "columns": summary, "rows": rows}


# ---------------------------------------------------------------- tooling: budget table


def round_column(amounts: dict[str, int], *, unit: int) -> tuple[dict[str, int], int]:
    """Round a column of cents to whole ``unit``s so the parts still sum to the rounded total.

    The total is rounded half up; the parts take their floors and the units left over go to
    the largest remainders (ties: larger amount, then ministry code).

    >>> round_column({"A": 140_000, "B": 160_000, "C": 150_000}, unit=100_000)
    ({'A': 1, 'B': 2, 'C': 2}, 5)
    >>> round_column({"A": 150_000, "B": 150_000, "C": 150_000}, unit=100_000)
    ({'A': 2, 'B': 2, 'C': 1}, 5)
    """
    total = sum(amounts.values())
    rounded_total = (total + unit // 2) // unit
    floors = {code: amount // unit for code, amount in amounts.items()}
    left = rounded_total - sum(floors.values())
    order = sorted(amounts, key=lambda c: (-(amounts[c] % unit), -amounts[c], c))
    for code in order[:left]:
        floors[code] += 1
    return floors, rounded_total


def budget_table(session: Session, *, first: int, last: int) -> dict[str, Any]:
    if last < first:
        raise InvalidInput("to", f"must not be before from ({first}), got {last}")
    if last - first + 1 > MAX_TABLE_YEARS:
        raise InvalidInput(
            "to", f"at most {MAX_TABLE_YEARS} years in one table, got {last - first + 1}"
        )
    years = list(range(first, last + 1))
    bodies = {year: (found[1] if (found := _published(session, year)) else None) for year in years}
    names: dict[str, dict[str, str]] = {}
    columns: dict[int, dict[str, int]] = {}
    reports: dict[str, int] = {}
    for year, body in bodies.items():
        if body is None:
            continue
        reports[str(year)] = body["id"]
        names.update(body.get("snapshot", {}).get("ministries", {}))
        columns[year] = {ln["ministry"]: cents(ln["total"]) for ln in body.get("lines", [])}
    rounded = {year: round_column(column, unit=100_000) for year, column in columns.items()}
    codes = sorted(names, key=lambda c: (chapter_number(names[c].get("chapter", "")), c))
    rows = [
        {
            "ministry": code,
            "name": names[code].get("name", code),
            "chapter": names[code].get("chapter", ""),
            "amounts": {
                str(y): (rounded[y][0].get(code, 0) if y in rounded else None) for y in years
            },
        }
        for code in codes
    ]
    return {
        "from": first,
        "to": last,
        "unit": "x € 1.000",
        "rounding": (
            "Each year's total is rounded half up to whole thousands of euros; each ministry "
            "gets its amount rounded down plus one thousand for the largest remainders until "
            "the column sums exactly to the rounded total."
        ),
        "years": years,
        "missing_years": [y for y in years if y not in columns],
        "reports": reports,
        "rows": rows,
        "totals": {str(y): (rounded[y][1] if y in rounded else None) for y in years},
    }


def year_of(scenario: allocation.Scenario, year: int | None) -> allocation.Scenario:
    """One year of a scenario's projection (its first year when None), ready to allocate."""
    years = project(scenario)
    if year is None:
        return years[0]
    for projected in years:
        if projected.year == year:
            return projected
    covered = ", ".join(str(s.year) for s in years)
    raise InvalidInput("year", f"the scenario covers {covered}; {year} is not among them")


def status_quo_column(report: dict[str, Any]) -> dict[str, Any] | None:
    """What each ministry pays today, as a comparison column, where the scenario says."""
    funding = report.get("funding")
    if not funding or not any(s["ministry"] for s in funding.get("streams", [])):
        return None
    lines = [{"ministry": m["ministry"], "total": m["today"]} for m in funding["ministries"]]
    total = sum(cents(line["total"]) for line in lines)
    return {
        "key": "status_quo",
        "status": "optimal",
        "rule": "status quo",
        "total": euros(total),
        "lines": lines,
        "problems": [],
    }


def with_status_quo(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The columns with what each ministry pays today first, where the scenario says."""
    today = next((c for c in map(status_quo_column, columns) if c is not None), None)
    return [today, *columns] if today is not None else columns


def compare_rules(
    session: Session,
    principal: Principal,
    *,
    request: allocations.RunRequest,
    rules: list[str],
) -> dict[str, Any]:
    """One scenario (one year of it) under several rules, side by side, with what each
    ministry pays today first where the scenario says; nothing is stored or published."""
    resolved, _reference = allocations.resolve_request(session, principal, request)
    year = year_of(resolved.scenario, request.year)
    columns = []
    for rule in dict.fromkeys(rules):
        result = allocation.allocate(
            year, rule=rule, solver=request.solver, time_limit=allocations.solve_budget()
        ).to_dict()
        columns.append({**result, "key": rule})
    return compare(with_status_quo(columns), _names(resolved.snapshot))


def compare_variants(
    session: Session,
    principal: Principal,
    *,
    variants: list[tuple[str, allocations.RunRequest]],
    rule: str,
    year: int | None,
) -> dict[str, Any]:
    """Named scenarios side by side under one rule, for one year; nothing is stored."""
    return compare_variants_over(session, principal, variants=variants, rule=rule, years=[year])[0]


def compare_variants_over(
    session: Session,
    principal: Principal,
    *,
    variants: list[tuple[str, allocations.RunRequest]],
    rule: str,
    years: list[int | None],
) -> list[dict[str, Any]]:
    """Named scenarios side by side under one rule, one comparison per year of ``years``;
    each variant is resolved once. Nothing is stored."""
    names = [name for name, _ in variants]
    if len(set(names)) != len(names):
        raise InvalidInput("variants", "give each variant its own name")
    if "status_quo" in names:
        index = names.index("status_quo")
        raise InvalidInput(
            f"variants[{index}].name",
            "'status_quo' names the column of what each ministry pays today; choose another",
        )
    resolved = []
    labels: dict[str, str] = {}
    for index, (name, request) in enumerate(variants):
        try:
            found, _reference = allocations.resolve_request(session, principal, request)
        except InvalidInput as exc:
            raise InvalidInput(f"variants[{index}].{exc.field}", exc.message) from exc
        resolved.append((name, request.solver, found.scenario))
        labels.update(_names(found.snapshot))
    compared = []
    for year in years:
        columns = []
        for name, solver, scenario in resolved:
            result = allocation.allocate(
                year_of(scenario, year),
                rule=rule,
                solver=solver,
                time_limit=allocations.solve_budget(),
            ).to_dict()
            columns.append({**result, "key": name})
        compared.append(compare(with_status_quo(columns), labels))
    return compared


def compare_reports(
    session: Session, principal: Principal, report_ids: list[int]
) -> dict[str, Any]:
    """Two stored reports side by side, the first as the baseline."""
    views = [allocations.get(session, principal, report_id) for report_id in report_ids]
    columns = [{**v.body, "key": f"report {v.row.id}", "report_id": v.row.id} for v in views]
    names: dict[str, str] = {}
    for view in views:
        names.update(_names(view.body.get("snapshot", {})))
    return compare(columns, names)


def _names(snapshot: dict[str, Any]) -> dict[str, str]:
    return {code: m.get("name", code) for code, m in snapshot.get("ministries", {}).items()}
