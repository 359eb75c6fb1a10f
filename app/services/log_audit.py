"""The whole-log check, entry by entry: what each report and publication entry must be, given
the entries before it. Used by :func:`app.services.audit.verify_log`."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from allocation.report import sha256_of
from app.ledger import entries
from app.ledger.errors import MalformedDocument
from app.ledger.heads import SignedTreeHead
from app.ledger.merkle import leaf_hash
from app.ledger.signing import PublicKeyring
from app.models import AllocationReport, LogEntry, Publication
from app.repositories import log as repo
from app.services import signing
from app.services.log import publication_entry_of
from app.services.reperform import (
    REPERFORMED,
    ReportCheck,
    recompute,
    scenario_weights_problem,
    weight_set_problem,
)
from app.settings import get_settings

MAX_FINDINGS = 200
"""Findings listed per page; ``more_findings`` counts the rest."""
FINDING_CHECKS = (
    # the log as a whole
    "positions",
    "leaf_hash",
    "signed_head",
    "signature",
    "root",
    "truncated",
    "logged",
    # the checkpoint file
    "file",
    "line",
    "rewritten",
    "unproven",
    "bad_signature",
    # each entry
    "entry",
    "order",
    "report_row",
    "report_hash",
    "body",
    "body_hash",
    "prev_hash",
    "weight_set_history",
    "scenario_weights",
    "input_hash",
    "result",
    "publication_row",
    "year",
    "plan",
    "supersedes",
)
"""Every ``check`` a finding of ``GET /v1/audit/verify`` may name (docs/audit.md explains each)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that failed: where (entry, report, publication), which check, and why."""

    kind: str
    check: str
    reason: str
    leaf_index: int | None = None
    report_id: int | None = None
    publication_id: int | None = None


@dataclass
class LogCheck:
    """The outcome of checking one page of the log and the log as a whole."""

    start: int
    limit: int
    tree_size: int = 0
    reports: int = 0
    publications: int = 0
    checked: int = 0
    next_start: int | None = None
    signed_head: SignedTreeHead | None = None
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0

    @property
    def valid(self) -> bool:
        return not self.findings and not self.more_findings

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.more_findings += 1


# ---------------------------------------------------------------- entry by entry


@dataclass
class _Walk:
    """What the walk knows from the entries before the page."""

    next_report: int
    previous_hash: str | None
    in_force: dict[int, int]
    report_entries: dict[int, tuple[int, str]] = field(default_factory=dict)


def _walk_before(session: Session, start: int) -> _Walk:
    reports_before = repo.report_entries_before(session, start)
    previous = repo.entry_of_report(session, reports_before) if reports_before else None
    walk = _Walk(reports_before + 1, _signed_hash(previous), {})
    for row in repo.publication_entries_before(session, start):
        entry = _parsed(row)
        if entry is not None and entry.get("kind") == entries.PUBLICATION:
            walk.in_force[int(entry["year"])] = int(entry["report_id"])
    return walk


def _signed_hash(row: LogEntry | None) -> str | None:
    entry = _parsed(row) if row is not None else None
    return str(entry["report_hash"]) if entry else None


def _parsed(row: LogEntry) -> Mapping[str, Any] | None:
    try:
        return entries.check_entry(json.loads(row.entry))
    except (json.JSONDecodeError, MalformedDocument):
        return None


def check_entries(
    session: Session, keys: PublicKeyring, result: LogCheck, *, start: int, end: int
) -> None:
    budget = get_settings().solve_budget_seconds
    began = time.monotonic()
    walk = _walk_before(session, start)
    rows = repo.entries(session, start=start, limit=max(0, end - start))
    reports = repo.reports_by_id(session, [r.report_id for r in rows if r.report_id])
    publications = repo.publications_by_id(
        session, [r.publication_id for r in rows if r.publication_id]
    )
    for position, row in enumerate(rows):
        if position and time.monotonic() - began > budget:
            result.next_start = row.leaf_index
            return
        entry = _entry(row, keys, result)
        if entry is not None and entry["kind"] == entries.REPORT:
            _report_entry(session, row, entry, reports.get(row.report_id or 0), walk, result)
        elif entry is not None:
            publication = publications.get(row.publication_id or 0)
            _publication_entry(session, row, entry, publication, walk, result)
        result.checked += 1
    if end < result.tree_size:
        result.next_start = end


def _entry(row: LogEntry, keys: PublicKeyring, result: LogCheck) -> Mapping[str, Any] | None:
    """``entry``, ``leaf_hash`` and ``signature`` of one stored entry."""
    here: dict[str, Any] = {
        "leaf_index": row.leaf_index,
        "report_id": row.report_id,
        "publication_id": row.publication_id,
    }
    entry = _parsed(row)
    if entry is None or entry["kind"] != row.kind or entries.leaf_data(entry).decode() != row.entry:
        result.add(
            Finding(
                row.kind,
                "entry",
                "the stored entry is not a well-formed, canonical entry of its kind",
                **here,
            )
        )
        return None
    here["report_id"] = int(entry["report_id"])
    if leaf_hash(row.entry.encode("utf-8")).hex() != row.leaf_hash:
        result.add(
            Finding(
                row.kind, "leaf_hash", "the stored leaf hash is not the hash of the entry", **here
            )
        )
    try:
        problem = signing.entry_signature_problem(keys, entry, signing.stored_signature(row))
    except MalformedDocument as exc:
        problem = exc.detail
    if problem is not None:
        result.add(Finding(row.kind, "signature", problem, **here))
    return entry


def _report_entry(
    session: Session,
    row: LogEntry,
    entry: Mapping[str, Any],
    report: AllocationReport | None,
    walk: _Walk,
    result: LogCheck,
) -> None:
    """A report entry: the next report of the chain, stored exactly as signed, its input as
    its history recorded it, and its figures those the engine gives for that input."""
    report_id = int(entry["report_id"])

    def fail(check: str, reason: str) -> None:
        result.add(Finding("report", check, reason, row.leaf_index, report_id))

    if report_id != walk.next_report:
        fail(
            "order",
            f"report entries name reports 1, 2, 3, … in turn; this one names report {report_id} "
            f"where report {walk.next_report} belongs",
        )
    expected_prev = walk.previous_hash
    walk.next_report = report_id + 1
    walk.previous_hash = str(entry["report_hash"])
    walk.report_entries[report_id] = (row.leaf_index, str(entry["report_hash"]))
    if report is None or row.report_id != report_id:
        fail("report_row", f"report {report_id}, which the entry names, is not stored")
        return
    if report.report_hash != entry["report_hash"]:
        fail(
            "report_hash",
            f"the stored report's hash {report.report_hash} is not the signed "
            f"{entry['report_hash']}: the report was changed after it was signed",
        )
    try:
        body = json.loads(report.body)
    except json.JSONDecodeError as exc:
        fail("body", f"the stored body is not JSON: {exc}")
        return
    body_hash = sha256_of(body)
    if body_hash != report.report_hash:
        fail("body_hash", f"the body hashes to {body_hash}, not its report_hash")
    if body.get("id") != report.id:
        fail("body", f"its body names report {body.get('id')}")
    if report.prev_hash != expected_prev or body.get("prev_hash") != expected_prev:
        fail(
            "prev_hash",
            f"its prev_hash {body.get('prev_hash')} is not the signed hash of report "
            f"{report_id - 1} ({expected_prev})",
        )
    check = ReportCheck(report.id)
    check.record("weight_set_history", weight_set_problem(session, body))
    check.record("scenario_weights", scenario_weights_problem(body))
    if body_hash == report.report_hash == entry["report_hash"]:
        REPERFORMED.check(report.report_hash, body, check)
    else:
        recompute(body, check)
    for name, ok in check.checks.items():
        if not ok:
            fail(name, check.reasons[name])


def _publication_entry(
    session: Session,
    row: LogEntry,
    entry: Mapping[str, Any],
    publication: Publication | None,
    walk: _Walk,
    result: LogCheck,
) -> None:
    """A publication entry: stored exactly as signed, after its report's entry, naming that
    entry's hash, and superseding the report the log had in force for the year."""
    report_id, year = int(entry["report_id"]), int(entry["year"])

    def fail(check: str, reason: str) -> None:
        result.add(
            Finding("publication", check, reason, row.leaf_index, report_id, row.publication_id)
        )

    report = repo.report(session, report_id)
    if publication is None:
        fail("publication_row", f"publication {row.publication_id} is not stored")
    else:
        stored = publication_entry_of(publication, report.report_hash if report else "")
        differing = sorted(key for key in stored if stored[key] != entry.get(key))
        if differing:
            fail(
                "publication_row",
                f"the stored publication is not the signed one: {', '.join(differing)} differ",
            )
    known = walk.report_entries.get(report_id)
    if known is None:
        earlier = repo.entry_of_report(session, report_id)
        known = (earlier.leaf_index, _signed_hash(earlier) or "") if earlier else None
    if known is None or known[0] > row.leaf_index:
        fail("order", f"it publishes report {report_id} before the log has that report")
    elif known[1] != entry["report_hash"]:
        fail("report_hash", f"it names another hash than report {report_id}'s signed entry")
    if report is not None and report.year != year:
        fail("year", f"it publishes report {report_id} of {report.year} for {year}")
    if entry["plan_id"] is not None and (report is None or report.plan_id != entry["plan_id"]):
        fail("plan", f"it names plan {entry['plan_id']}, which report {report_id} is not part of")
    before = walk.in_force.get(year)
    if before == report_id:
        fail("supersedes", f"report {report_id} was already in force for {year}")
    elif entry["supersedes_report_id"] != before:
        fail(
            "supersedes",
            f"it says it supersedes {entry['supersedes_report_id']}, but the log had "
            f"{before} in force for {year}",
        )
    walk.in_force[year] = report_id
