"""Re-performing a report, as an auditor re-performs a calculation: run the engine again on the
report's own input snapshot, and check that input against the history it claims to come from.

Nothing here trusts a stored figure: the result is recomputed from the snapshot, the
snapshot's weight set is compared with the weights its (append-only) history recorded for that
set and version before the report was made, and the scenario's weights with the weight set's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

import allocation
from allocation.errors import AllocationError, BudgetExceeded
from app.errors import InvalidInput
from app.repositories import weight_sets as weight_set_repo
from app.services import allocations
from app.services.report_figures import report_figures

ENGINE_IDENTITY = {"engine", "solver"}
"""Keys describing the engine run; compared separately, since an upgrade may change them."""
HISTORY_FIELDS = ("version", "status", "weights", "pool_weights", "rationale")
BASE_POOL = "base"
VERIFY_BUDGETS = 3
"""Re-performing a stored report may take this many solve budgets: it fitted one when it was
made, on a machine that may have been less busy."""


@dataclass
class ReportCheck:
    """The outcome of checking one report: each named check, and why the failed ones failed."""

    report_id: int
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    def passed(self, check: str) -> None:
        self.checks.setdefault(check, True)

    def fail(self, check: str, problem: str) -> None:
        self.checks[check] = False
        self.reasons.setdefault(check, problem)
        self.problems.append(f"report {self.report_id}: {problem}")

    def record(self, check: str, problem: str | None) -> None:
        if problem is None:
            self.passed(check)
        else:
            self.fail(check, problem)


def recompute(body: Mapping[str, Any], check: ReportCheck) -> None:
    """``input_hash`` and ``result``: the engine, run again on the snapshot, gives the body."""
    request = body.get("request") or {}
    try:
        scenario = allocation.parse_scenario(body["snapshot"]["scenario"])
        result = allocations.engine_result(
            scenario,
            solver=request.get("solver", "highs"),
            year=request.get("year"),
            time_limit=allocations.solve_budget() * VERIFY_BUDGETS,
        ).to_dict()
    except BudgetExceeded:
        raise  # not a finding about the report: the service could not re-perform it in time
    except (AllocationError, InvalidInput, KeyError, TypeError) as exc:
        check.fail("result", f"its snapshot no longer runs: {exc}")
        return
    if "weights_source" in body:
        result = report_figures(result, body["snapshot"])
    check.record(
        "input_hash",
        None
        if result.get("input_hash") == body.get("input_hash")
        else f"the snapshot hashes to {result.get('input_hash')}, the report says "
        f"{body.get('input_hash')}",
    )
    differing = sorted(
        key
        for key, value in result.items()
        if key not in ENGINE_IDENTITY and body.get(key) != value
    )
    detail = _first_difference(body, result) if differing else ""
    check.record(
        "result",
        None
        if not differing
        else f"recomputing from its snapshot gives other {', '.join(differing)}{detail}",
    )


def _first_difference(body: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    if body.get("total") != result.get("total"):
        return f" (total: report {body.get('total')}, recomputed {result.get('total')})"
    stated = {
        line.get("ministry"): line for line in body.get("lines") or [] if isinstance(line, dict)
    }
    for line in result.get("lines") or []:
        mine = stated.get(line["ministry"], {})
        if mine.get("total") != line["total"]:
            return (
                f" ({line['ministry']} total: report {mine.get('total')}, recomputed "
                f"{line['total']})"
            )
    return ""


class Reperformed:
    """Outcomes of re-performing report bodies, remembered by the hash of the body.

    A body that hashes to H always recomputes the same way (the engine is deterministic), so
    once it has been re-performed the answer is kept; only bodies whose stored hash matches are
    remembered, and every other check runs every time.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._outcomes: OrderedDict[str, ReportCheck] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every outcome (to time re-performing itself)."""
        with self._lock:
            self._outcomes.clear()

    def check(self, report_hash: str, body: Mapping[str, Any], check: ReportCheck) -> None:
        with self._lock:
            known = self._outcomes.get(report_hash)
            if known is not None:
                self._outcomes.move_to_end(report_hash)
        if known is None:
            known = ReportCheck(check.report_id)
            recompute(body, known)
            with self._lock:
                self._outcomes[report_hash] = known
                while len(self._outcomes) > self.size:
                    self._outcomes.popitem(last=False)
        for name, ok in known.checks.items():
            check.record(name, None if ok else known.reasons[name])


REPERFORMED = Reperformed()


# ---------------------------------------------------------------- the input's history


def weight_set_problem(session: Session, body: Mapping[str, Any]) -> str | None:
    """Why the snapshot's weight set is not a state its history recorded for that set and
    version before the report was made, or None (also for weights given inline)."""
    snapshot = body.get("snapshot") or {}
    stored = snapshot.get("weight_set") if isinstance(snapshot, Mapping) else None
    if not stored:
        return None
    set_id, version = stored.get("id"), stored.get("version")
    if not isinstance(set_id, int):
        return "the snapshot's weight set has no id"
    made = _moment(body.get("created_at"))
    recorded = [
        event.after
        for event in weight_set_repo.events(session, [set_id])
        if event.after
        and event.after.get("version") == version
        and (made is None or event.at <= made)
    ]
    label = f"weight set {set_id} version {version}"
    if not recorded:
        return f"the history of {label} records no state before the report was made"
    wanted = {key: stored.get(key) for key in HISTORY_FIELDS}
    if any({key: after.get(key) for key in HISTORY_FIELDS} == wanted for after in recorded):
        return None
    return (
        f"the snapshot's {label} is no state its history recorded: "
        f"{_weight_differences(stored, recorded[-1])}"
    )


def _weight_differences(stored: Mapping[str, Any], recorded: Mapping[str, Any]) -> str:
    found = []
    for key in ("weights",):
        mine, theirs = stored.get(key) or {}, recorded.get(key) or {}
        for code in sorted(set(mine) | set(theirs)):
            if mine.get(code) != theirs.get(code):
                found.append(f"{code}: snapshot {mine.get(code)}, history {theirs.get(code)}")
    for key in ("status", "pool_weights", "rationale"):
        if stored.get(key) != recorded.get(key):
            found.append(f"{key} differs")
    return "; ".join(found[:5]) or "the states differ"


def scenario_weights_problem(body: Mapping[str, Any]) -> str | None:
    """Why the scenario's base-pool weights are not the snapshot's weight set's, or None."""
    snapshot = body.get("snapshot") or {}
    stored = snapshot.get("weight_set") if isinstance(snapshot, Mapping) else None
    if not stored:
        return None
    pools = stored.get("pool_weights") or {}
    expected = pools.get(BASE_POOL) or stored.get("weights") or {}
    actual = (snapshot.get("scenario") or {}).get("weights") or {}
    if _amounts(expected) == _amounts(actual):
        return None
    differing = sorted(
        code
        for code in set(expected) | set(actual)
        if _amount(expected.get(code)) != _amount(actual.get(code))
    )
    shown = "; ".join(
        f"{code}: scenario {actual.get(code)}, weight set {expected.get(code)}"
        for code in differing[:5]
    )
    return f"the scenario's weights are not those of its weight set: {shown}"


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _amounts(values: Mapping[str, Any]) -> dict[str, Decimal | None]:
    return {code: _amount(value) for code, value in values.items()}


def _moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
