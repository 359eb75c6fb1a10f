"""Real exported reports and a small signing log, built the way the service builds them.

A report body is the engine's ``to_dict()`` plus the fields ``app.services.allocations.run``
adds; the export adds ``report_hash`` and ``publication`` as ``report_document`` does. The
log is an in-memory list of entries, signed with a keyring in a temporary folder.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import allocation
from allocation.report import sha256_of
from app.ledger import entries, keyring
from app.ledger.evidence import SignedEntry, attach_evidence, build_evidence
from app.ledger.heads import SignedTreeHead, sign_tree_head
from app.ledger.merkle import MerkleTree
from app.ledger.signing import Signature, SigningKey

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = json.loads((ROOT / "examples" / "offlimits-2027.json").read_text())
PROJECTED = json.loads((ROOT / "examples" / "offlimits-2027-2031.json").read_text())
MINISTRIES = {
    "BZ": {"name": "Buitenlandse Zaken", "chapter": "V"},
    "BZK": {"name": "Binnenlandse Zaken en Koninkrijksrelaties", "chapter": "VII"},
    "EZ": {"name": "Economische Zaken", "chapter": "XIII"},
    "JenV": {"name": "Justitie en Veiligheid", "chapter": "VI"},
    "OCW": {"name": "Onderwijs, Cultuur en Wetenschap", "chapter": "VIII"},
    "VWS": {"name": "Volksgezondheid, Welzijn en Sport", "chapter": "XVI"},
}
MADE = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def engine_body(scenario_document: dict[str, Any], *, year: int | None = None) -> dict[str, Any]:
    """The engine's report for the scenario, as ``engine_result(...).to_dict()`` gives it."""
    scenario = allocation.parse_scenario(scenario_document)
    if year is None or year == scenario.year:
        return allocation.allocate(scenario).to_dict()
    (report,) = [r for r in allocation.allocate_years(scenario).reports if r.year == year]
    return report.to_dict()


def report_body(
    scenario_document: dict[str, Any],
    *,
    report_id: int,
    prev_hash: str | None,
    year: int | None = None,
) -> dict[str, Any]:
    """A stored report's body, with the fields the service adds around the engine's."""
    scenario = allocation.parse_scenario(scenario_document)
    return {
        **engine_body(scenario_document, year=year),
        "id": report_id,
        "prev_hash": prev_hash,
        "created_at": (MADE + timedelta(minutes=report_id)).isoformat(),
        "created_by": "negotiator:cs_3f2a9c1e",
        "scenario_ref": None,
        "snapshot": {
            "scenario": scenario.to_document(),
            "weight_set": None,
            "ministries": {code: MINISTRIES[code] for code in sorted(scenario.ministries)},
        },
        "request": {"solver": "highs", "year": year},
    }


def export(body: dict[str, Any], publication: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON export of a report: body, ``report_hash``, ``publication``."""
    return {
        **body,
        "report_hash": sha256_of(body),
        "publication": publication or {"state": "unpublished"},
    }


def rehash(document: dict[str, Any]) -> dict[str, Any]:
    """The export with its report_hash made to fit its (changed) body again."""
    body = {
        k: v for k, v in document.items() if k not in {"report_hash", "publication", "evidence"}
    }
    return {**document, "report_hash": sha256_of(body)}


@dataclass
class Log:
    """An in-memory signing log of report and publication entries."""

    key: SigningKey
    entries: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)

    def append(self, entry: dict[str, Any]) -> int:
        self.entries.append(entry)
        self.signatures.append(entries.sign_entry(self.key, entry))
        return len(self.entries) - 1

    def tree(self) -> MerkleTree:
        return MerkleTree.from_leaf_hashes(entries.entry_leaf_hash(e) for e in self.entries)

    def head(self, size: int | None = None, *, at: datetime | None = None) -> SignedTreeHead:
        size = len(self.entries) if size is None else size
        return sign_tree_head(
            self.key,
            tree_size=size,
            root_hash=self.tree().root(size),
            timestamp=at or MADE + timedelta(hours=1, minutes=size),
        )

    def signed(self, index: int) -> SignedEntry:
        return SignedEntry(self.entries[index], index, self.signatures[index])

    def with_evidence(
        self,
        document: dict[str, Any],
        *,
        index: int,
        head: SignedTreeHead,
        publication: int | None = None,
    ) -> dict[str, Any]:
        evidence = build_evidence(
            tree=self.tree(),
            signed_head=head,
            report=self.signed(index),
            publication=None if publication is None else self.signed(publication),
        )
        return attach_evidence(document, evidence)


@dataclass
class Ledger:
    """Three reports and a publication, logged and exported with evidence."""

    keys_dir: Path
    log: Log
    exports: dict[int, dict[str, Any]]

    def documents(self) -> dict[int, dict[str, Any]]:
        return copy.deepcopy(self.exports)


def build_ledger(keys_dir: Path) -> Ledger:
    keyring.create_keyring(keys_dir, now=MADE - timedelta(days=1))
    log = Log(keyring.load_signing_key(keys_dir))
    first = export(report_body(SCENARIO, report_id=1, prev_hash=None))
    second_body = report_body(PROJECTED, report_id=2, prev_hash=first["report_hash"], year=2029)
    second = export(second_body)
    third = export(report_body(SCENARIO, report_id=3, prev_hash=second["report_hash"]))
    for document in (first, second, third):
        log.append(
            entries.report_entry(report_id=document["id"], report_hash=document["report_hash"])
        )
    published_at = (MADE + timedelta(minutes=30)).isoformat()
    log.append(
        entries.publication_entry(
            report_id=1,
            report_hash=first["report_hash"],
            year=2027,
            published_at=published_at,
            published_by="negotiator:cs_3f2a9c1e",
            supersedes_report_id=None,
        )
    )
    head = log.head()
    first["publication"] = {
        "state": "published",
        "published_at": published_at,
        "published_by": "negotiator:cs_3f2a9c1e",
    }
    exports = {
        1: log.with_evidence(first, index=0, head=head, publication=3),
        2: log.with_evidence(second, index=1, head=head),
        3: log.with_evidence(third, index=2, head=head),
    }
    return Ledger(keys_dir, log, exports)


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
