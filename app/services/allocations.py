"""Use cases on allocation runs: run the engine, chain and store the report, read, verify,
publish.

A report's body is canonical JSON holding the engine's result, the fully resolved input
snapshot, who made it and when, and ``prev_hash``: the hash of the report stored before it.
``report_hash`` is the SHA-256 of that body. Each report and each publication is also a signed
entry of the log (``app.services.log``). Appending takes the log's lock, so concurrent runs
queue and the chain and the log stay linear; the append is part of the request's single
transaction, so a crash leaves either the whole report, its entry and its signed head, or
nothing. What is published is what the signed log vouches for (``app.services.vouched``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlmodel import Session

import allocation
from allocation.errors import InvalidScenario
from allocation.report import canonical_json, sha256_of
from app.auth import Principal, Role
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.ledger.heads import SignedTreeHead
from app.models import AllocationReport, Publication, utcnow
from app.repositories import log as log_repo
from app.repositories import reports as repo
from app.services import log as ledger_log
from app.services import scenarios, vouched, weight_sets
from app.services.report_figures import report_figures
from app.services.revisions import check_revision
from app.settings import get_settings

PUBLISHED, SUPERSEDED, UNPUBLISHED = "published", "superseded", "unpublished"
SYSTEM = Principal(key_prefix="system", role=Role.ADMIN)
"""Reads done on the service's own behalf (e.g. checking a weight set's state)."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What to run: a stored scenario or an inline document, with an optional rule and year."""

    scenario_id: int | None
    scenario: dict[str, Any] | None
    rule: str | None
    solver: str
    year: int | None

    def fingerprint(self) -> str:
        """What makes two requests the same request: the normalised scenario (so ``1.5`` and
        ``"1.50"`` are one weight), never the raw JSON numbers."""
        return sha256_of(
            {
                "scenario_id": self.scenario_id,
                "scenario": normalised_document(self.scenario),
                "rule": self.rule,
                "solver": self.solver,
                "year": self.year,
            }
        )


def plain_json(value: Any) -> Any:
    """A JSON value with every float written as its shortest decimal text."""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    return value


def normalised_document(document: Any) -> Any:
    """The engine's normal form of an inline scenario where it parses; otherwise the document
    with floats as decimal text (it will be refused later, naming the field)."""
    if isinstance(document, dict) and "weight_set" not in document:
        try:
            return allocation.parse_scenario(document).to_document()
        except InvalidScenario:
            pass
    return plain_json(document)


@dataclass(frozen=True, slots=True)
class ReportView:
    """A stored report: its row, its parsed body, and where it stands in publication;
    ``signed_head`` is the head that logged what the request just did, when it did."""

    row: AllocationReport
    body: dict[str, Any]
    publication: dict[str, Any]
    signed_head: SignedTreeHead | None = None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where the next report goes: after report ``length``, whose hash is ``head_hash``."""

    length: int
    head_hash: str | None

    @classmethod
    def of(cls, session: Session) -> ChainHead:
        """The head of the report chain, derived from the newest report (hold the log's lock)."""
        last = log_repo.last_report(session)
        return cls(0, None) if last is None else cls(last.id, last.report_hash)

    def after(self, report_hash: str) -> ChainHead:
        return ChainHead(self.length + 1, report_hash)


# ---------------------------------------------------------------- running


def solve_budget() -> float:
    """Seconds one solve may take (``COSTSHARE_SOLVE_BUDGET_SECONDS``)."""
    return get_settings().solve_budget_seconds


def engine_result(
    scenario: allocation.Scenario,
    *,
    solver: str,
    year: int | None,
    time_limit: float | None = None,
) -> Any:
    """The engine's report for ``year`` of the scenario (its own year when None); only that
    year is solved, within ``time_limit`` seconds (the solve budget when None)."""
    limit = solve_budget() if time_limit is None else time_limit
    if year is None or year == scenario.year:
        return allocation.allocate(scenario, solver=solver, time_limit=limit)
    try:
        return allocation.allocate_year(scenario, year, solver=solver, time_limit=limit)
    except InvalidScenario as exc:
        raise InvalidInput(exc.field, exc.message) from exc


def resolve_request(
    session: Session, principal: Principal, request: RunRequest
) -> tuple[scenarios.Resolved, dict[str, Any] | None]:
    if (request.scenario_id is None) == (request.scenario is None):
        raise InvalidInput("scenario_id", "give either scenario_id or scenario, not both or none")
    reference = None
    if request.scenario_id is not None:
        stored = scenarios.get(session, request.scenario_id)
        document: Any = stored.document
        reference = {"id": stored.id, "name": stored.name, "version": stored.version}
        field = "scenario_id"
    else:
        document = request.scenario
        field = "scenario"
    if request.rule is not None and isinstance(document, dict):
        document = {**document, "rule": request.rule}
    return scenarios.resolve(session, principal, document, field=field), reference


def run(
    session: Session,
    principal: Principal,
    request: RunRequest,
    *,
    idempotency_key: str | None,
) -> tuple[ReportView, bool]:
    """Run the engine and append the report to the chain. Returns the report and whether it
    was created now (False: an earlier request with the same Idempotency-Key made it)."""
    scope = f"{principal.key_prefix}:{idempotency_key}" if idempotency_key else None
    if scope is not None:
        earlier = _replay(session, principal, scope, request)
        if earlier is not None:
            return earlier, False
    resolved, reference = resolve_request(session, principal, request)
    result = engine_result(resolved.scenario, solver=request.solver, year=request.year)
    engine_body = report_figures(result.to_dict(), resolved.snapshot)
    appender = ledger_log.open_log(session)
    if scope is not None:
        earlier = _replay(session, principal, scope, request)
        if earlier is not None:
            return earlier, False
    view = build_report(
        principal,
        chain=ChainHead.of(session),
        engine_body=engine_body,
        resolved=resolved,
        reference=reference,
        request={"solver": request.solver, "year": request.year},
        idempotency=(scope, request.fingerprint()) if scope else None,
    )
    session.add(view.row)
    session.flush()
    appender.add_report(view.row)
    return replace(view, signed_head=appender.seal()), True


@dataclass(frozen=True, slots=True)
class PlanLink:
    """A report's place in a multi-year plan."""

    plan_id: int
    years: tuple[int, ...]


def build_report(
    principal: Principal,
    *,
    chain: ChainHead,
    engine_body: dict[str, Any],
    resolved: scenarios.Resolved,
    reference: dict[str, Any] | None,
    request: dict[str, Any],
    idempotency: tuple[str, str] | None = None,
    plan: PlanLink | None = None,
) -> ReportView:
    """Build the report that follows ``chain`` (the caller holds the log's lock); the caller
    adds the row to the session (a plan's row must be written first) and logs it."""
    created_at = utcnow()
    body = {
        **engine_body,
        "id": chain.length + 1,
        "prev_hash": chain.head_hash,
        "created_at": created_at.isoformat(),
        "created_by": principal.actor,
        "scenario_ref": reference,
        "snapshot": resolved.snapshot,
        "request": request,
    }
    if plan is not None:
        body["plan"] = {"id": plan.plan_id, "years": list(plan.years)}
    report_hash = sha256_of(body)
    row = AllocationReport(
        id=chain.length + 1,
        year=int(engine_body["year"]),
        rule=str(engine_body["rule"]),
        status=str(engine_body["status"]),
        scenario_id=reference["id"] if reference else None,
        body=canonical_json(body),
        input_hash=str(engine_body["input_hash"]),
        report_hash=report_hash,
        prev_hash=chain.head_hash,
        created_by=principal.actor,
        created_at=created_at,
        idempotency_scope=idempotency[0] if idempotency else None,
        request_fingerprint=idempotency[1] if idempotency else None,
        plan_id=plan.plan_id if plan else None,
    )
    return ReportView(row, body, {"state": UNPUBLISHED})


def _replay(
    session: Session, principal: Principal, scope: str, request: RunRequest
) -> ReportView | None:
    earlier = repo.by_idempotency_scope(session, scope)
    if earlier is None:
        return None
    if earlier.request_fingerprint != request.fingerprint():
        raise Conflict(
            "this Idempotency-Key was used with another request body; use a new key for a "
            "new request"
        )
    return view_of(session, earlier)


# ---------------------------------------------------------------- reading


def publication_state(row: AllocationReport, of_year: list[vouched.Vouched]) -> dict[str, Any]:
    """Where a report stands, from the publications of its year the signed log vouches for
    (in log order)."""
    mine = [v.publication for v in of_year if v.publication.year == row.year]
    if not any(p.report_id == row.id for p in mine):
        return {"state": UNPUBLISHED}
    first = next(p for p in mine if p.report_id == row.id)
    current = mine[-1]
    state: dict[str, Any] = {
        "state": PUBLISHED if current.report_id == row.id else SUPERSEDED,
        "published_at": first.at.isoformat(),
        "published_by": first.actor,
        "acknowledged_unadopted_weights": first.acknowledged_unadopted_weights,
        "plan_id": current.plan_id if current.report_id == row.id else first.plan_id,
    }
    if current.report_id != row.id:
        state["superseded_by"] = current.report_id
    return state


def view_of(
    session: Session, row: AllocationReport, of_year: list[vouched.Vouched] | None = None
) -> ReportView:
    """A stored report with its parsed body and its publication state (``of_year``: the
    vouched publications, when the caller has them already)."""
    if of_year is None:
        of_year = vouched.publications(session, years=[row.year])
    return ReportView(row, json.loads(row.body), publication_state(row, of_year))


def get(session: Session, principal: Principal, report_id: int) -> ReportView:
    row = repo.get(session, report_id)
    if row is None:
        raise NotFound(f"unknown allocation report {report_id}")
    of_year = vouched.publications(session, years=[row.year])
    if not principal.is_editor and all(v.publication.report_id != row.id for v in of_year):
        raise Forbidden("unpublished reports are visible to negotiators and admins only")
    return view_of(session, row, of_year)


def page(
    session: Session, principal: Principal, *, year: int | None, limit: int, offset: int
) -> tuple[list[ReportView], int]:
    published = vouched.publications(session)
    only = None if principal.is_editor else {v.publication.report_id for v in published}
    rows, total = repo.page(session, year=year, only_ids=only, limit=limit, offset=offset)
    return [view_of(session, row, published) for row in rows], total


# ---------------------------------------------------------------- publishing


def publication_revision(session: Session, year: int) -> str:
    """The ETag a publisher must send: changes whenever a report is published for ``year``."""
    return f"{year}.{len(repo.publications(session, year=year))}"


def unadopted_weights(session: Session, body: dict[str, Any]) -> str | None:
    """Why a report's weights are not an adopted decision now, or None when they are.

    Adopted means: the weight set the report names is adopted today *and* holds the very
    weights the report used (a draft edited after the run and then adopted does not count).
    """
    snapshot = body.get("snapshot", {})
    stored = snapshot.get("weight_set")
    if not stored:
        return "its weights were given inline with the request, not taken from a weight set"
    label = f"weight set '{stored['name']}' version {stored['version']} (id {stored['id']})"
    try:
        current = weight_sets.get(session, SYSTEM, int(stored["id"]))
    except NotFound:
        return f"its {label} no longer exists"
    if current.row.status != "adopted":
        return f"it rests on {label}, which is {current.row.status}, not adopted"
    used = {k: stored.get(k) for k in ("weights", "pool_weights")}
    adopted = {k: v for k, v in current.values.as_json().items() if k in used}
    if used != adopted:
        return f"it used weights that differ from the adopted {label}"
    return None


def publish(
    session: Session,
    principal: Principal,
    report_id: int,
    *,
    if_match: str | None,
    acknowledge_unadopted_weights: bool = False,
) -> ReportView:
    """Make a report the official one for its year; the one before it is superseded.

    ``If-Match`` must carry the report's ETag, which changes with every publication for its
    year: of two negotiators publishing different reports for one year, the later is told.
    A report whose weights nobody adopted is published only when the request acknowledges
    that; the acknowledgement is stored with the publication and shown wherever it is read."""
    view = get(session, principal, report_id)
    what = f"report {report_id}"
    check_revision(if_match, publication_revision(session, view.row.year), what=what)
    if view.row.status != "optimal":
        raise Conflict(
            f"report {report_id} is {view.row.status}; only a feasible split can be published"
        )
    reason = unadopted_weights(session, view.body)
    refuse_unadopted(reason, what=what, acknowledged=acknowledge_unadopted_weights)
    appender = ledger_log.open_log(session)
    check_revision(if_match, publication_revision(session, view.row.year), what=what)
    add_publication(session, principal, view.row, appender, acknowledged=reason is not None)
    head = appender.seal()
    return replace(view_of(session, view.row), signed_head=head)


def add_publication(
    session: Session,
    principal: Principal,
    row: AllocationReport,
    appender: ledger_log.LogAppend,
    *,
    acknowledged: bool,
    plan_id: int | None = None,
) -> Publication:
    """Make ``row`` the report in force for its year and log it (``appender`` holds the log's
    lock); the one in force before it, as the signed log says, is superseded, and both stay
    in the history."""
    found = vouched.in_force(session, [row.year]).get(row.year)
    current = found.publication if found else None
    if current is not None and current.report_id == row.id:
        raise Conflict(f"report {row.id} is already the published report for {row.year}")
    publication = Publication(
        year=row.year,
        report_id=row.id,
        supersedes_report_id=current.report_id if current else None,
        actor=principal.actor,
        acknowledged_unadopted_weights=acknowledged,
        plan_id=plan_id,
    )
    session.add(publication)
    session.flush()
    appender.add_publication(publication, row)
    return publication


def refuse_unadopted(reason: str | None, *, what: str, acknowledged: bool) -> None:
    """409 when ``what`` rests on weights nobody adopted and the request did not say so."""
    if reason is not None and not acknowledged:
        raise Conflict(
            f"{what} cannot be published silently: {reason}; adopt the weights "
            'first, or publish with {"acknowledge_unadopted_weights": true}'
        )


def publications(session: Session, *, year: int | None) -> list[Publication]:
    """The publication history the signed log vouches for, in the order it happened (with
    their log entries: ``app.services.vouched.publications``)."""
    found = vouched.publications(session, years=None if year is None else [year])
    return [v.publication for v in found]
