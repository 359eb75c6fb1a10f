"""Verification: a report against its own snapshot, and the whole chain link by link.

Nothing here trusts a stored figure: the report hash is recomputed from the stored body, the
result is recomputed by the engine from the stored input snapshot, and each ``prev_hash`` is
checked against the report before it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

import allocation
from allocation.errors import AllocationError, BudgetExceeded
from allocation.report import sha256_of
from app.auth import Principal
from app.models import AllocationReport
from app.repositories import reports as repo
from app.services import allocations

ENGINE_IDENTITY = {"engine", "solver"}
"""Keys describing the engine run; compared separately, since an upgrade may change them."""
CHAIN_BATCH = 500
VERIFY_BUDGETS = 3
"""Re-performing a stored report may take this many solve budgets: it fitted one when it was
made, on a machine that may have been less busy."""


@dataclass
class ReportCheck:
    """The outcome of verifying one report."""

    report_id: int
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    def fail(self, check: str, problem: str) -> None:
        self.checks[check] = False
        self.problems.append(problem)


def _stored_hash(row: AllocationReport, body: dict[str, Any], check: ReportCheck) -> None:
    recomputed = sha256_of(body)
    check.checks["report_hash"] = recomputed == row.report_hash
    if not check.checks["report_hash"]:
        check.problems.append(
            f"report {row.id}: stored report_hash {row.report_hash} but the body hashes to "
            f"{recomputed}: the body or the hash was changed"
        )


def _recomputed(body: dict[str, Any], check: ReportCheck) -> None:
    request = body.get("request", {})
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
    except (AllocationError, KeyError, TypeError) as exc:
        check.fail("result", f"report {check.report_id}: its snapshot no longer runs: {exc}")
        return
    if "weights_source" in body:
        result = allocations.report_figures(result, body["snapshot"])
    check.checks["input_hash"] = result.get("input_hash") == body.get("input_hash")
    if not check.checks["input_hash"]:
        check.problems.append(
            f"report {check.report_id}: the snapshot hashes to {result.get('input_hash')}, "
            f"the report says {body.get('input_hash')}"
        )
    differing = sorted(
        key
        for key, value in result.items()
        if key not in ENGINE_IDENTITY and body.get(key) != value
    )
    check.checks["result"] = not differing
    if differing:
        check.problems.append(
            f"report {check.report_id}: recomputing from its snapshot gives other "
            f"{', '.join(differing)}"
        )


class Reperformed:
    """Outcomes of re-performing report bodies, remembered by the hash of the body.

    A body that hashes to H always recomputes the same way (the engine is deterministic), so
    once it has been re-performed the answer is kept; only bodies whose stored hash matches
    are remembered, and the other checks (hash, chain link) run every time.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._outcomes: OrderedDict[str, tuple[dict[str, bool], list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, report_hash: str, body: dict[str, Any], check: ReportCheck) -> None:
        with self._lock:
            known = self._outcomes.get(report_hash)
            if known is not None:
                self._outcomes.move_to_end(report_hash)
        if known is None:
            fresh = ReportCheck(check.report_id)
            _recomputed(body, fresh)
            known = (dict(fresh.checks), list(fresh.problems))
            with self._lock:
                self._outcomes[report_hash] = known
                while len(self._outcomes) > self.size:
                    self._outcomes.popitem(last=False)
        check.checks.update(known[0])
        check.problems.extend(known[1])


REPERFORMED = Reperformed()


def verify_report(session: Session, principal: Principal, report_id: int) -> ReportCheck:
    view = allocations.get(session, principal, report_id)
    row = view.row
    body = json.loads(row.body)
    check = ReportCheck(report_id)
    _stored_hash(row, body, check)
    previous = repo.get(session, row.id - 1) if row.id > 1 else None
    expected_prev = previous.report_hash if previous is not None else None
    check.checks["prev_hash"] = row.prev_hash == expected_prev == body.get("prev_hash")
    if not check.checks["prev_hash"]:
        check.problems.append(
            f"report {row.id}: prev_hash {row.prev_hash} does not match report {row.id - 1} "
            f"({expected_prev})"
        )
    if check.checks["report_hash"]:
        REPERFORMED.check(row.report_hash, body, check)
    else:
        _recomputed(body, check)
    return check


@dataclass
class ChainCheck:
    """The outcome of walking the whole chain."""

    length: int
    checked: int = 0
    head_hash: str | None = None
    first_broken: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return self.first_broken is None


def _link_problem(row: AllocationReport, expected_id: int, prev_hash: str | None) -> str | None:
    if row.id != expected_id:
        return f"report {expected_id} is missing: the chain jumps to {row.id}"
    body = json.loads(row.body)
    if sha256_of(body) != row.report_hash:
        return "its body does not hash to its report_hash: the report was changed"
    if row.prev_hash != prev_hash or body.get("prev_hash") != prev_hash:
        return f"its prev_hash does not match the hash of report {row.id - 1}"
    if body.get("id") != row.id:
        return "its body names another id"
    return None


def verify_chain(session: Session) -> ChainCheck:
    """Walk every report in order; name the first broken link, if any."""
    head = repo.chain_head(session)
    result = ChainCheck(length=head.length, head_hash=head.head_hash)
    prev_hash: str | None = None
    after = 0
    while True:
        rows = repo.in_chain_order(session, after=after, batch=CHAIN_BATCH)
        for row in rows:
            problem = _link_problem(row, result.checked + 1, prev_hash)
            if problem is not None:
                result.first_broken = {"id": row.id, "reason": problem}
                return result
            prev_hash = row.report_hash
            result.checked += 1
        if len(rows) < CHAIN_BATCH:
            break
        after = rows[-1].id
    if result.checked != head.length or prev_hash != head.head_hash:
        result.first_broken = {
            "id": result.checked + 1 if result.checked < head.length else result.checked,
            "reason": f"the chain head says {head.length} reports ending in {head.head_hash}, "
            f"but {result.checked} were found ending in {prev_hash}",
        }
    return result
