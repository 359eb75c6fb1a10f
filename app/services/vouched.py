"""What the signed log vouches for, as the read paths use it, and the proofs an outsider checks.

Read paths (a report's publication state, a ministry's share, the budget table, exports, the
publication history, plans) count a publication only when the log vouches for it: its row has
a log entry that is exactly the entry the row stands for, signed by a key of the keyring, and
included under the newest signed head, whose own signature verifies and whose root is the root
of the stored log. Any other publication row is ignored there (and logged), and named by
``GET /v1/audit/verify``.

The figures a ministry relies on (its share, the budget table, an export) are read only from a
report whose body hashes to the ``report_hash`` of its signed entry; otherwise the read is
refused with 409 rather than showing a figure nobody signed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from allocation.report import sha256_of
from app import published
from app.errors import InvalidInput, LogContradiction, NotFound
from app.ledger import entries
from app.ledger.errors import LedgerError, MalformedDocument
from app.ledger.evidence import Evidence, SignedEntry, build_evidence
from app.ledger.heads import SignedTreeHead
from app.ledger.merkle import MerkleTree
from app.ledger.signing import PublicKeyring, Signature
from app.models import AllocationReport, LogEntry, Publication
from app.repositories import log as repo
from app.services import log as ledger_log
from app.services import signing

log = logging.getLogger("costshare.log")
SEE_VERIFY = "see GET /v1/audit/verify"


def contradiction(detail: str) -> LogContradiction:
    """The refusal when the stored log contradicts what was signed; this process's prepared
    answers are forgotten with it (:func:`app.published.distrust`)."""
    published.distrust()
    return LogContradiction(detail)


@dataclass(frozen=True, slots=True)
class TrustedLog:
    """The newest signed head, checked, with the stored log's tree and the public keys."""

    head: SignedTreeHead
    tree: MerkleTree
    keys: PublicKeyring


_TRUSTED = "costshare_trusted_log"
"""``session.info`` key: the trusted log as this transaction saw it, until it writes again."""


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_trusted(session: Session, *_args: object) -> None:
    session.info.pop(_TRUSTED, None)


def trusted_log(session: Session) -> TrustedLog | None:
    """The log as far as its newest signed head vouches for it; None while it is empty.
    :class:`LogContradiction` when that head does not verify or the stored log disagrees.
    Worked out once per transaction until it writes (a budget table reads it per year)."""
    if _TRUSTED in session.info:
        known: TrustedLog | None = session.info[_TRUSTED]
        return known
    trusted = _trusted_log(session)
    session.info[_TRUSTED] = trusted
    return trusted


def _trusted_log(session: Session) -> TrustedLog | None:
    record = repo.latest_head(session)
    if record is None:
        return None
    try:
        head = signing.head_of(record)
    except MalformedDocument as exc:
        raise contradiction(
            f"the newest signed head is malformed: {exc.detail}; {SEE_VERIFY}"
        ) from exc
    keys = signing.public_keys()
    problem = signing.head_signature_problem(keys, head)
    if problem is not None:
        raise contradiction(
            f"the newest signed head ({head.tree_size} entries) does not verify: {problem}; "
            f"{SEE_VERIFY}"
        )
    tree = ledger_log.log_tree(session)
    if head.tree_size > tree.size or tree.root(head.tree_size) != head.root_hash:
        raise contradiction(
            f"the stored log ({tree.size} entries) does not have the root of its newest signed "
            f"head ({head.tree_size} entries); {SEE_VERIFY}"
        )
    return TrustedLog(head, tree, keys)


def leaf_problem(
    row: LogEntry, expected: Mapping[str, Any], trusted: TrustedLog | None
) -> str | None:
    """Why the stored entry ``row`` is not the signed, logged ``expected`` entry, or None."""
    if row.entry != entries.leaf_data(expected).decode("utf-8"):
        return f"its log entry {row.leaf_index} is not the entry its row stands for"
    if trusted is None or row.leaf_index >= trusted.head.tree_size:
        return f"its log entry {row.leaf_index} is not under the newest signed head"
    if trusted.tree.leaf_hash(row.leaf_index) != entries.entry_leaf_hash(expected):
        return f"leaf {row.leaf_index} of the log is not the hash of its entry"
    try:
        signature = signing.stored_signature(row)
    except MalformedDocument as exc:
        return exc.detail
    return signing.entry_signature_problem(trusted.keys, expected, signature)


# ---------------------------------------------------------------- publications


@dataclass(frozen=True, slots=True)
class Vouched:
    """A publication the signed log vouches for."""

    publication: Publication
    entry: dict[str, Any]
    leaf_index: int
    signature: Signature


def publications(
    session: Session,
    *,
    years: list[int] | None = None,
    report_id: int | None = None,
    trusted: TrustedLog | None = None,
) -> list[Vouched]:
    """The publications the log vouches for, in log order (the order they happened in)."""
    rows = repo.logged_publications(session, years=years, report_id=report_id)
    if not rows:
        return []
    trusted = trusted or trusted_log(session)
    found: list[Vouched] = []
    for publication, row, _report_hash in rows:
        expected = ledger_log.publication_entry_of(publication, _signed_report_hash(row))
        problem = leaf_problem(row, expected, trusted)
        if problem is not None:
            log.warning(
                "publication ignored: the signed log does not vouch for it",
                extra={"fields": {"publication_id": publication.id, "reason": problem}},
            )
            continue
        found.append(Vouched(publication, expected, row.leaf_index, signing.stored_signature(row)))
    return found


def _signed_report_hash(row: LogEntry) -> str:
    """The report hash a stored publication entry names: which report was published is
    compared with the row; whether that report is still as signed, when its figures are read
    (:func:`check_report`)."""
    try:
        named = json.loads(row.entry).get("report_hash")
    except (json.JSONDecodeError, AttributeError):
        return ""
    return named if isinstance(named, str) else ""


def in_force(session: Session, years: list[int]) -> dict[int, Vouched]:
    """The publication in force per year: the last one of that year in the log."""
    current: dict[int, Vouched] = {}
    for vouched in publications(session, years=years):
        current[vouched.publication.year] = vouched
    return current


def published_report_ids(session: Session) -> set[int]:
    return {vouched.publication.report_id for vouched in publications(session)}


# ---------------------------------------------------------------- reports


def report_problem(
    session: Session, row: AllocationReport, body: Mapping[str, Any], trusted: TrustedLog | None
) -> str | None:
    """Why the stored report is not the one its signed log entry vouches for, or None."""
    entry_row = repo.entry_of_report(session, row.id)
    if entry_row is None:
        return "it has no entry in the signed log"
    if sha256_of(body) != row.report_hash:
        return "its body does not hash to its report_hash"
    expected = entries.report_entry(report_id=row.id, report_hash=row.report_hash)
    return leaf_problem(entry_row, expected, trusted)


def check_report(
    session: Session,
    row: AllocationReport,
    body: Mapping[str, Any],
    publication: Vouched | None = None,
) -> None:
    """Refuse (409) to serve figures of a report its signed log entry does not vouch for (nor,
    when given, the publication that made it official)."""
    problem = report_problem(session, row, body, trusted_log(session))
    if problem is None and publication is not None:
        if publication.entry["report_hash"] != row.report_hash:
            problem = (
                f"it was published as {publication.entry['report_hash']}, but is now "
                f"{row.report_hash}"
            )
    if problem is not None:
        raise contradiction(
            f"report {row.id} is not as it was signed: {problem}; its figures are not served "
            f"(GET /v1/allocations/{row.id}/verify says more)"
        )


def evidence(session: Session, row: AllocationReport) -> Evidence:
    """The evidence an exported report carries (``app.ledger.evidence``): its signed entry and
    inclusion proof under the newest signed head, and its first publication's, if any."""
    trusted = trusted_log(session)
    entry_row = repo.entry_of_report(session, row.id)
    if trusted is None or entry_row is None:
        raise contradiction(f"report {row.id} is not in the signed log; {SEE_VERIFY}")
    try:
        report = SignedEntry(
            json.loads(entry_row.entry), entry_row.leaf_index, signing.stored_signature(entry_row)
        )
        published = publications(session, report_id=row.id, trusted=trusted)
        first = (
            SignedEntry(published[0].entry, published[0].leaf_index, published[0].signature)
            if published
            else None
        )
        return build_evidence(
            tree=trusted.tree, signed_head=trusted.head, report=report, publication=first
        )
    except (LedgerError, json.JSONDecodeError) as exc:
        reason = exc.detail if isinstance(exc, LedgerError) else str(exc)
        raise contradiction(f"report {row.id}: no evidence: {reason}; {SEE_VERIFY}") from exc


# ---------------------------------------------------------------- proofs


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """An entry, its signature and its audit path in the log's first ``tree_size`` entries."""

    entry: dict[str, Any]
    leaf_index: int
    leaf_hash: bytes
    signature: Signature
    tree_size: int
    path: tuple[bytes, ...]
    signed_head: SignedTreeHead | None


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The proof that the log's first ``first`` entries are a prefix of its first ``second``."""

    first: int
    second: int
    path: tuple[bytes, ...]
    first_head: SignedTreeHead | None
    second_head: SignedTreeHead | None


def _required(session: Session) -> TrustedLog:
    trusted = trusted_log(session)
    if trusted is None:
        raise NotFound("the log is empty: nothing has been signed yet")
    return trusted


def _stored_head(session: Session, tree_size: int) -> SignedTreeHead | None:
    record = repo.head_of_size(session, tree_size)
    return signing.head_of(record) if record is not None else None


def _size(trusted: TrustedLog, asked: int | None, *, field: str) -> int:
    size = trusted.head.tree_size if asked is None else asked
    if size > trusted.head.tree_size:
        raise contradiction(
            f"{field}: the log's newest signed head has {trusted.head.tree_size} entries, fewer "
            f"than {size}: if you were given a head of {size} entries, this log is not its "
            "continuation (it was truncated, or the head is from another log)"
        )
    return size


def inclusion(session: Session, row: LogEntry, *, tree_size: int | None) -> InclusionProof:
    """The inclusion proof of a stored entry, under the newest signed head or a smaller size."""
    trusted = _required(session)
    size = _size(trusted, tree_size, field="tree_size")
    if row.leaf_index >= size:
        raise contradiction(
            f"tree_size: entry {row.leaf_index} was appended after the log's first {size} entries"
        )
    try:
        entry = entries.check_entry(json.loads(row.entry))
        signature = signing.stored_signature(row)
    except (MalformedDocument, json.JSONDecodeError) as exc:
        raise contradiction(f"log entry {row.leaf_index} is malformed; {SEE_VERIFY}") from exc
    return InclusionProof(
        entry=dict(entry),
        leaf_index=row.leaf_index,
        leaf_hash=trusted.tree.leaf_hash(row.leaf_index),
        signature=signature,
        tree_size=size,
        path=trusted.tree.inclusion_proof(row.leaf_index, size),
        signed_head=_stored_head(session, size),
    )


def report_inclusion(session: Session, report_id: int, *, tree_size: int | None) -> InclusionProof:
    row = repo.entry_of_report(session, report_id)
    if row is None:
        raise contradiction(f"report {report_id} has no entry in the signed log; {SEE_VERIFY}")
    return inclusion(session, row, tree_size=tree_size)


def publication_inclusion(
    session: Session, publication_id: int, *, tree_size: int | None
) -> InclusionProof:
    row = repo.entry_of_publication(session, publication_id)
    if row is None:
        if repo.publications_by_id(session, [publication_id]):
            raise contradiction(
                f"publication {publication_id} has no entry in the signed log, so it does not "
                f"count; {SEE_VERIFY}"
            )
        raise NotFound(f"unknown publication {publication_id}")
    return inclusion(session, row, tree_size=tree_size)


def consistency(session: Session, *, first: int, second: int | None) -> ConsistencyProof:
    """RFC 6962 consistency proof between two sizes of the log (``second``: the newest head)."""
    trusted = _required(session)
    newer = _size(trusted, second, field="second")
    older = _size(trusted, first, field="first")
    if older > newer:
        raise InvalidInput("first", f"must not exceed second ({newer}), got {older}")
    return ConsistencyProof(
        first=older,
        second=newer,
        path=trusted.tree.consistency_proof(older, newer),
        first_head=_stored_head(session, older),
        second_head=_stored_head(session, newer),
    )


def newest_head(session: Session) -> SignedTreeHead:
    """The newest signed head, checked against the stored log."""
    return _required(session).head
