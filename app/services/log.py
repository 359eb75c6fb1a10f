"""Appending to the signed log: signed entries, one signed tree head per transaction, and the
checkpoint file once the transaction has committed.

Every report and every publication is an entry of one append-only log (``log_entry``), signed
with the keyring's active key as it is made. A transaction that appends signs one head over
the new size and root (``tree_head``) and leaves it in ``session.info``; after that transaction
commits, the head is appended to the checkpoint file (``COSTSHARE_CHECKPOINT_FILE``). A head
whose transaction rolled back never reaches the file, so every checkpoint names a log that was
really stored.

Before extending the log, :func:`open_log` checks that the stored log still extends the newest
signed head in the database and the last line of the checkpoint file; a log that was truncated
or rewritten behind the service's back is never signed over (``LogContradiction``).

The Merkle tree is built from the stored leaf hashes and kept between requests per database;
a kept tree is used only while its last leaf is still the stored one, and extended by the
leaves stored since, so roots and proofs at 10⁵ entries cost microseconds, not a rebuild.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from app.errors import LogContradiction, Unavailable
from app.ledger import entries
from app.ledger.checkpoints import append_checkpoint
from app.ledger.errors import LedgerError, MalformedDocument
from app.ledger.heads import SignedTreeHead, sign_tree_head
from app.ledger.merkle import MerkleTree, hash_from_hex, hash_hex
from app.ledger.signing import SigningKey
from app.models import AllocationReport, LogEntry, Publication
from app.repositories import log as repo
from app.services import signing
from app.settings import get_settings

PENDING_HEADS = "costshare_pending_heads"
"""``session.info`` key: heads signed in the transaction, for the checkpoint file."""
APPENDED = "costshare_log_appended"
"""``session.info`` key: the transaction added entries not yet committed."""
TAIL_BYTES = 16_384
log = logging.getLogger("costshare.log")


def publication_entry_of(publication: Publication, report_hash: str) -> dict[str, Any]:
    """The log entry a publication row stands for (its report's hash given)."""
    return entries.publication_entry(
        report_id=publication.report_id,
        report_hash=report_hash,
        year=publication.year,
        published_at=publication.at.isoformat(),
        published_by=publication.actor,
        supersedes_report_id=publication.supersedes_report_id,
        plan_id=publication.plan_id,
        acknowledged_unadopted_weights=publication.acknowledged_unadopted_weights,
    )


# ---------------------------------------------------------------- the tree


_trees: dict[str, MerkleTree] = {}
_trees_lock = threading.Lock()


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def stored_leaves(session: Session, *, start: int = 0) -> list[bytes]:
    """The stored leaf hashes from ``start`` on; a missing or malformed one is a
    contradiction (the log's positions are 0, 1, 2, … without gaps)."""
    leaves: list[bytes] = []
    for position, (index, leaf) in enumerate(repo.leaf_hashes(session, start=start), start):
        if index != position:
            raise LogContradiction(
                f"log entry {position} is missing (the next stored entry is {index}); "
                "see GET /v1/audit/verify"
            )
        try:
            leaves.append(hash_from_hex(leaf, field=f"log entry {index}: leaf_hash"))
        except MalformedDocument as exc:
            raise LogContradiction(f"{exc.detail}; see GET /v1/audit/verify") from exc
    return leaves


def forget_trees() -> None:
    """Drop the kept trees, as a restart does: the next use rebuilds from the stored leaves."""
    with _trees_lock:
        _trees.clear()


def kept_tree(session: Session) -> MerkleTree | None:
    """The tree kept for the session's database, if any (unchecked: compare before use)."""
    with _trees_lock:
        return _trees.get(_database(session))


def log_tree(session: Session) -> MerkleTree:
    """The Merkle tree of the stored log, as this session sees it. It is kept for the next
    request only when it holds nothing but committed entries (the session appended none) and
    is not smaller than the one kept (a session that sees fewer entries leaves it)."""
    key = _database(session)
    with _trees_lock:
        kept = _trees.get(key)
    tree, keep = None, not session.info.get(APPENDED)
    if kept is not None and kept.size:
        last = repo.leaf_hash_at(session, kept.size - 1)
        if last == hash_hex(kept.leaf_hash(kept.size - 1)):
            tree = kept.extended(stored_leaves(session, start=kept.size))
        elif last is None:
            keep = False
    if tree is None:
        tree = MerkleTree.from_leaf_hashes(stored_leaves(session))
    if keep:
        with _trees_lock:
            _trees[key] = tree
    return tree


# ---------------------------------------------------------------- appending


@dataclass
class LogAppend:
    """Appends of one transaction: entries are signed and added as they come; :meth:`seal`
    signs the one head over all of them."""

    session: Session
    key: SigningKey
    tree: MerkleTree
    appended: list[LogEntry] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.tree.size + len(self.appended)

    def add_report(self, row: AllocationReport) -> LogEntry:
        entry = entries.report_entry(report_id=row.id, report_hash=row.report_hash)
        return self._add(entry, report_id=row.id)

    def add_publication(self, publication: Publication, report: AllocationReport) -> LogEntry:
        """Log a publication row that has been flushed (it needs its id)."""
        if publication.id is None:
            raise RuntimeError("flush the publication before logging it")
        entry = publication_entry_of(publication, report.report_hash)
        return self._add(entry, publication_id=publication.id)

    def _add(
        self,
        entry: dict[str, Any],
        *,
        report_id: int | None = None,
        publication_id: int | None = None,
    ) -> LogEntry:
        signature = entries.sign_entry(self.key, entry)
        row = LogEntry(
            leaf_index=self.size,
            kind=entry["kind"],
            report_id=report_id,
            publication_id=publication_id,
            entry=entries.leaf_data(entry).decode("utf-8"),
            leaf_hash=hash_hex(entries.entry_leaf_hash(entry)),
            key_id=signature.key_id,
            signature=signing.signature_text(signature),
        )
        self.session.add(row)
        self.session.info[APPENDED] = True
        self.appended.append(row)
        return row

    def seal(self) -> SignedTreeHead:
        """Sign and store the head over the log with this transaction's entries; it is
        appended to the checkpoint file once the transaction commits."""
        if not self.appended:
            raise RuntimeError("nothing was appended")
        tree = self.tree.extended(bytes.fromhex(row.leaf_hash) for row in self.appended)
        head = sign_tree_head(self.key, tree_size=tree.size, root_hash=tree.root())
        self.session.add(signing.record_of(head))
        self.session.flush()
        self.session.info.setdefault(PENDING_HEADS, []).append(head)
        return head


def open_log(session: Session) -> LogAppend:
    """Take the log's lock (until the transaction ends), check that the stored log extends
    everything signed so far, and get ready to append."""
    log_tree(session)  # build or extend the kept tree before the lock, so nobody waits for it
    repo.lock_log(session)
    key = signing.signing_key()
    tree = log_tree(session)
    newest = repo.latest_head(session)
    if newest is not None:
        _must_extend(
            tree,
            tree_size=newest.tree_size,
            root=newest.root_hash,
            what="the newest signed head in the database",
        )
    path = get_settings().checkpoint_file
    last = last_checkpoint(path)
    if last is not None:
        _must_extend(
            tree,
            tree_size=last.tree_size,
            root=hash_hex(last.root_hash),
            what=f"the last checkpoint in {path}",
        )
    return LogAppend(session, key, tree)


def _must_extend(tree: MerkleTree, *, tree_size: int, root: str, what: str) -> None:
    if tree_size > tree.size:
        raise LogContradiction(
            f"{what} records {tree_size} entries, but the log has {tree.size}: entries were "
            "removed; nothing is appended until the log is restored (GET /v1/audit/verify)"
        )
    if hash_hex(tree.root(tree_size)) != root:
        raise LogContradiction(
            f"the log's first {tree_size} entries no longer have the root {what} records: "
            "entries were changed; nothing is appended until the log is restored "
            "(GET /v1/audit/verify)"
        )


def last_checkpoint(path: Path) -> SignedTreeHead | None:
    """The head on the last whole line of the checkpoint file (a torn line is passed over)."""
    try:
        with path.open("rb") as file:
            end = file.seek(0, os.SEEK_END)
            start = max(0, end - TAIL_BYTES)
            file.seek(start)
            tail = file.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unavailable(f"the checkpoint file {path} cannot be read: {exc}") from exc
    lines = tail.split(b"\n")
    if start > 0:
        lines = lines[1:]
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            return SignedTreeHead.from_document(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError, LedgerError):
            continue
    return None


@event.listens_for(Session, "after_commit")
def _checkpoint_committed_heads(session: Session) -> None:
    session.info.pop(APPENDED, None)
    heads: list[SignedTreeHead] = session.info.pop(PENDING_HEADS, [])
    if not heads:
        return
    path = get_settings().checkpoint_file
    for head in heads:
        try:
            append_checkpoint(path, head)
        except LedgerError as exc:
            log.error(
                "checkpoint not written",
                extra={"fields": {"tree_size": head.tree_size, "reason": exc.detail}},
            )


@event.listens_for(Session, "after_soft_rollback")
def _forget_uncommitted_heads(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_HEADS, None)
        session.info.pop(APPENDED, None)


# ---------------------------------------------------------------- history from before the log


def adopt_history(session: Session) -> int:
    """Log the reports and publications of a database that had them before the log existed
    (migrated from before 0005): reports in id order, then publications in id order, under
    one signed head. Returns how many entries were made. Done only while the log is empty, so a
    row slipped in later is never laundered into the log; verification names such rows."""
    if repo.size(session) or repo.latest_head(session) is not None:
        return 0
    reports = repo.unlogged_reports(session, limit=None)
    publications = repo.unlogged_publications(session, limit=None)
    if not reports and not publications:
        return 0
    appender = open_log(session)
    for row in reports:
        appender.add_report(row)
    by_id = {row.id: row for row in reports}
    for publication in publications:
        published = by_id.get(publication.report_id) or repo.report(session, publication.report_id)
        if published is None:
            raise LogContradiction(f"publication {publication.id} names a missing report")
        appender.add_publication(publication, published)
    session.flush()
    appender.seal()
    return len(reports) + len(publications)
