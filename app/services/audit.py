"""Verification: one report against its snapshot and its signed entry, and the whole signed log.

Nothing here trusts the database: the Merkle tree is rebuilt from the stored leaf hashes, every
entry's signature is checked with the keyring's public keys, the root against the newest signed
head, every head and checkpoint (``COSTSHARE_CHECKPOINT_FILE``) against the log, every report is
re-performed from its snapshot and its snapshot compared with the weight-set history, and
every publication row must be an entry of the log. Each failure is a :class:`Finding` that
names the entry, the check and the reason.

The whole-log check is paged over entries (``start``, ``limit``) and stops early, with
``next_start``, once the page has used the solve budget: a log of 10⁵ reports is verified in
pages, never in one request that makes others wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from allocation.report import sha256_of
from app import published
from app.auth import Principal
from app.errors import LogContradiction
from app.ledger import entries
from app.ledger.checkpoints import check_log
from app.ledger.errors import LedgerError, MalformedDocument
from app.ledger.heads import SignedTreeHead, TreeHead
from app.ledger.merkle import HASH_SIZE, MerkleTree, verify_inclusion
from app.ledger.signing import PublicKeyring
from app.models import AllocationReport
from app.repositories import log as repo
from app.repositories import reports as report_repo
from app.services import allocations, signing, vouched
from app.services import log as ledger_log
from app.services.checkpoint_file import read_checkpoint_file
from app.services.log_audit import MAX_FINDINGS, Finding, LogCheck, check_entries
from app.services.reperform import (
    REPERFORMED,
    ReportCheck,
    recompute,
    scenario_weights_problem,
    weight_set_problem,
)
from app.settings import get_settings

MAX_PAGE = 1000
DEFAULT_PAGE = 100
REPORT_CHECKS = (
    "report_hash",
    "prev_hash",
    "entry_signature",
    "inclusion",
    "publications",
    "weight_set_history",
    "scenario_weights",
    "input_hash",
    "result",
)
"""The checks of ``GET /v1/allocations/{id}/verify`` (docs/audit.md explains each)."""
MISSING_LEAF = b"\x00" * HASH_SIZE


# ---------------------------------------------------------------- one report


def _reperform(
    session: Session, row: AllocationReport, body: dict[str, Any], check: ReportCheck
) -> None:
    check.record("weight_set_history", weight_set_problem(session, body))
    check.record("scenario_weights", scenario_weights_problem(body))
    if check.checks.get("report_hash"):
        REPERFORMED.check(row.report_hash, body, check)
    else:
        recompute(body, check)


def verify_report(session: Session, principal: Principal, report_id: int) -> ReportCheck:
    """Every check of one report: its hash and chain link, its signed entry and its inclusion
    under the newest signed head, its publications, its input's history, and a fresh run."""
    view = allocations.get(session, principal, report_id)
    row, body = view.row, view.body
    check = ReportCheck(report_id)
    recomputed = sha256_of(body)
    check.record(
        "report_hash",
        None
        if recomputed == row.report_hash
        else f"stored report_hash {row.report_hash} but the body hashes to {recomputed}: the "
        "body or the hash was changed",
    )
    previous = report_repo.get(session, row.id - 1) if row.id > 1 else None
    expected_prev = previous.report_hash if previous is not None else None
    check.record(
        "prev_hash",
        None
        if row.prev_hash == expected_prev == body.get("prev_hash")
        else f"prev_hash {row.prev_hash} does not match report {row.id - 1} ({expected_prev})",
    )
    _signed_entry(session, row, check)
    _publications_of(session, row, check)
    _reperform(session, row, body, check)
    if not check.valid:
        published.distrust()
    return check


def _signed_entry(session: Session, row: AllocationReport, check: ReportCheck) -> None:
    """``entry_signature`` and ``inclusion`` of the report's entry, as the report is now."""
    keys = signing.public_keys()
    entry_row = repo.entry_of_report(session, row.id)
    if entry_row is None:
        problem = "it has no entry in the signed log"
        check.fail("entry_signature", problem)
        check.fail("inclusion", problem)
        return
    entry = entries.report_entry(report_id=row.id, report_hash=row.report_hash)
    try:
        signature = signing.stored_signature(entry_row)
    except MalformedDocument as exc:
        check.fail("entry_signature", exc.detail)
    else:
        check.record("entry_signature", signing.entry_signature_problem(keys, entry, signature))
    check.record("inclusion", _inclusion_problem(session, entry, entry_row.leaf_index, keys))


def _inclusion_problem(
    session: Session, entry: Mapping[str, Any], index: int, keys: PublicKeyring
) -> str | None:
    record = repo.latest_head(session)
    if record is None:
        return "the log has no signed head"
    try:
        head = signing.head_of(record)
    except MalformedDocument as exc:
        return f"the newest signed head is malformed: {exc.detail}"
    problem = signing.head_signature_problem(keys, head)
    if problem is not None:
        return f"the newest signed head does not verify: {problem}"
    if index >= head.tree_size:
        return f"its entry {index} is not under the newest signed head ({head.tree_size} entries)"
    try:
        tree = ledger_log.log_tree(session)
        proof = tree.inclusion_proof(index, head.tree_size)
        verify_inclusion(
            leaf=entries.entry_leaf_hash(entry),
            index=index,
            tree_size=head.tree_size,
            proof=proof,
            root=head.root_hash,
        )
    except LogContradiction as exc:
        return exc.detail
    except LedgerError as exc:
        return f"not in the log under the newest signed head: {exc.detail}"
    return None


def _publications_of(session: Session, row: AllocationReport, check: ReportCheck) -> None:
    """``publications``: every publication row naming the report is vouched for by the log."""
    rows = [p for p in report_repo.publications(session, year=row.year) if p.report_id == row.id]
    if not rows:
        return
    try:
        trusted = vouched.trusted_log(session)
    except LogContradiction as exc:
        check.fail("publications", exc.detail)
        return
    counted = {
        v.publication.id: v
        for v in vouched.publications(session, report_id=row.id, trusted=trusted)
    }
    for publication in rows:
        found = counted.get(publication.id)
        if found is None:
            check.fail(
                "publications",
                f"publication {publication.id} (for {publication.year}) is not an entry the "
                "signed log vouches for: it does not count",
            )
        elif found.entry["report_hash"] != row.report_hash:
            check.fail(
                "publications",
                f"publication {publication.id} was signed for the report as "
                f"{found.entry['report_hash']}, not as it is now ({row.report_hash})",
            )
    check.passed("publications")


# ---------------------------------------------------------------- the whole log


def verify_log(session: Session, *, start: int, limit: int) -> LogCheck:
    """Check the log as a whole, and the entries ``start`` ≤ i < ``start + limit`` one by one,
    until the page has used the solve budget (then ``next_start`` says where to go on)."""
    keys = signing.public_keys()
    result = LogCheck(start=start, limit=limit)
    result.reports, result.publications = repo.counts(session)
    tree = _stored_tree(session, result)
    result.tree_size = tree.size
    end = min(start + limit, tree.size)
    newest = _newest_head(session, tree, keys, result)
    result.signed_head = newest
    _heads(session, tree, keys, result, above=start, up_to=end)
    _checkpoints(tree, keys, result, above=start, up_to=end)
    _unlogged(session, result)
    check_entries(session, keys, result, start=start, end=end)
    if not result.valid:
        published.distrust()
    return result


def _stored_tree(session: Session, result: LogCheck) -> MerkleTree:
    """The tree of the stored leaf hashes, read again; a missing or malformed leaf is a
    finding and stands as zeros, so the roots show it too. The kept tree is used only when it
    was built from exactly the first of these leaves."""
    leaves: list[bytes] = []
    for index, text in repo.leaf_hashes(session):
        while len(leaves) < index:
            result.add(Finding("log", "positions", f"entry {len(leaves)} is missing", len(leaves)))
            leaves.append(MISSING_LEAF)
        try:
            leaf = bytes.fromhex(text)
        except ValueError:
            leaf = b""
        if len(leaf) != HASH_SIZE or leaf.hex() != text:
            result.add(Finding("log", "leaf_hash", f"entry {index}: malformed leaf hash", index))
            leaf = MISSING_LEAF
        leaves.append(leaf)
    kept = ledger_log.kept_tree(session)
    stored = b"".join(leaves)
    if kept is not None and stored.startswith(kept.levels[0]):
        return kept.extended(leaves[kept.size :])
    return MerkleTree.from_leaf_hashes(leaves)


def _head_problem(
    head: SignedTreeHead, tree: MerkleTree, keys: PublicKeyring
) -> tuple[str, str] | None:
    problem = signing.head_signature_problem(keys, head)
    if problem is not None:
        return "signature", problem
    if head.tree_size > tree.size:
        return "truncated", (
            f"the head records {head.tree_size} entries, the log has {tree.size}: entries "
            "were removed"
        )
    if tree.root(head.tree_size) != head.root_hash:
        return "root", (
            f"the log's first {head.tree_size} entries do not have the head's root "
            f"{head.root_hash.hex()[:16]}…: entries were changed"
        )
    return None


def _newest_head(
    session: Session, tree: MerkleTree, keys: PublicKeyring, result: LogCheck
) -> SignedTreeHead | None:
    record = repo.latest_head(session)
    if record is None:
        if tree.size:
            result.add(Finding("head", "signed_head", "the log has entries but no signed head"))
        return None
    try:
        head = signing.head_of(record)
    except MalformedDocument as exc:
        result.add(Finding("head", "signed_head", exc.detail))
        return None
    problem = _head_problem(head, tree, keys)
    if problem is not None:
        result.add(Finding("head", problem[0], f"the newest signed head: {problem[1]}"))
    elif head.tree_size < tree.size:
        result.add(
            Finding(
                "log",
                "signed_head",
                f"entries {head.tree_size}–{tree.size - 1} are under no signed head: they "
                "were added behind the service's back",
                head.tree_size,
            )
        )
    return head


def _heads(
    session: Session,
    tree: MerkleTree,
    keys: PublicKeyring,
    result: LogCheck,
    *,
    above: int,
    up_to: int,
) -> None:
    """Every stored head with a size in this page's range, against the log."""
    for record in repo.heads_between(session, above=above, up_to=max(up_to, above)):
        try:
            head = signing.head_of(record)
        except MalformedDocument as exc:
            result.add(Finding("head", "signed_head", exc.detail))
            continue
        problem = _head_problem(head, tree, keys)
        if problem is not None:
            result.add(
                Finding("head", problem[0], f"signed head of {head.tree_size}: {problem[1]}")
            )


def _checkpoints(
    tree: MerkleTree, keys: PublicKeyring, result: LogCheck, *, above: int, up_to: int
) -> None:
    """The checkpoint file: lines in this page's range, every line beyond the log, and the
    last line, each consistent with the log (``app.ledger.checkpoints.check_log``)."""
    path = get_settings().checkpoint_file
    try:
        read = read_checkpoint_file(path)
    except LedgerError as exc:
        result.add(Finding("checkpoint", "file", exc.detail))
        return
    for damaged in read.damaged:
        if not damaged.torn:
            result.add(Finding("checkpoint", "line", f"{path}: {damaged.reason}"))
    last = read.checkpoints[-1].line if read.checkpoints else None
    selected = [
        checkpoint
        for checkpoint in read.checkpoints
        if above < checkpoint.head.tree_size <= up_to
        or checkpoint.head.tree_size > tree.size
        or checkpoint.line == last
    ]
    outcome = check_log(
        selected,
        current=TreeHead(tree.size, tree.root()),
        consistency_proof=tree.consistency_proof,
        keys=keys,
    )
    result.checkpoints = outcome.checked
    for found in outcome.inconsistencies:
        result.add(
            Finding(
                "checkpoint",
                found.problem.value,
                f"{path} line {found.line} ({found.tree_size} entries): {found.detail}",
            )
        )


def _unlogged(session: Session, result: LogCheck) -> None:
    for report in repo.unlogged_reports(session, limit=MAX_FINDINGS):
        result.add(
            Finding(
                "report", "logged", "the report has no entry in the signed log", None, report.id
            )
        )
    for publication in repo.unlogged_publications(session, limit=MAX_FINDINGS):
        result.add(
            Finding(
                "publication",
                "logged",
                f"publication of report {publication.report_id} for {publication.year} has no "
                "entry in the signed log: it does not count",
                None,
                publication.report_id,
                publication.id,
            )
        )


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """One verdict on the log, for pages that show one: the first page of
    :func:`verify_log`, its first finding as ``first_broken``."""

    valid: bool
    length: int
    checked: int
    head_hash: str | None
    first_broken: dict[str, Any] | None


def verify_chain(session: Session) -> ChainSummary:
    """The log as a whole and its first page of entries, summed up in one verdict."""
    result = verify_log(session, start=0, limit=DEFAULT_PAGE)
    newest = repo.last_report(session)
    first = result.findings[0] if result.findings else None
    return ChainSummary(
        valid=result.valid and result.next_start is None,
        length=result.reports,
        checked=result.checked,
        head_hash=newest.report_hash if newest else None,
        first_broken=None
        if first is None
        else {
            "id": first.report_id if first.report_id is not None else first.leaf_index,
            "reason": f"{first.check}: {first.reason}",
        },
    )
