"""The offline verifier behind ``costshare verify``: no database, no server, only the files.

For each exported report it runs these checks, in this order, and says for each why it
passed or failed:

``document``         the file is a JSON report with well-formed evidence
``report_hash``      the body hashes to the stated ``report_hash``
``entry_signature``  the report entry (its id and report_hash) is signed by a key given
``signed_head``      the tree head is signed by a key given, active when it was signed
``inclusion``        the entry is leaf ``leaf_index`` of the tree under that head
``publication``      when the report says it is published: its signed publication entry
``input_hash``       the input snapshot hashes to the stated ``input_hash``
``result``           the engine, run again on the snapshot, gives the same report

The last two are how the service re-performs a report (``app/services/reperform.py``): the
snapshot's scenario is parsed and allocated again with the rule, year and solver the report
records under ``request``, stated as the service states it (where the weights come from, and
the warning when nobody adopted them: ``app.services.report_figures``), and every result key
but ``engine`` and ``solver`` must match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import allocation
from allocation.errors import AllocationError
from allocation.report import sha256_of
from app.ledger import entries
from app.ledger.errors import InvalidProof, InvalidSignature, MalformedDocument
from app.ledger.evidence import EVIDENCE, Evidence, LeafProof, report_body
from app.ledger.heads import SignedTreeHead, verify_tree_head
from app.ledger.merkle import hash_hex, verify_inclusion
from app.ledger.signing import PublicKeyring
from app.services.report_figures import report_figures

DOCUMENT, REPORT_HASH, ENTRY_SIGNATURE = "document", "report_hash", "entry_signature"
SIGNED_HEAD, INCLUSION, PUBLICATION = "signed_head", "inclusion", "publication"
INPUT_HASH, RESULT = "input_hash", "result"
ENGINE_IDENTITY = frozenset({"engine", "solver"})
"""Result keys describing the engine run, which an upgrade may change; not compared."""
PUBLISHED_STATES = frozenset({"published", "superseded"})
FIGURES_FIRST = ("status", "total", "pools", "lines")
"""Result keys whose differences are named before the rest (explanation, input, …)."""
MAX_DIFFERENCES = 5


@dataclass(frozen=True, slots=True)
class Check:
    """One named check of one file: passed or not, and why."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """Every check of one file."""

    file: str
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return all(check.ok for check in self.checks)

    def failed(self) -> tuple[str, ...]:
        """The names of the checks that failed."""
        return tuple(check.name for check in self.checks if not check.ok)


@dataclass(frozen=True, slots=True)
class TrustedKeys:
    """The public keys to verify with, and where they came from (said in the output)."""

    keyring: PublicKeyring | None
    source: str


def verify_file(path: Path, *, keys: TrustedKeys, head: SignedTreeHead | None) -> FileVerdict:
    """Verify one exported report file; an unreadable file fails its ``document`` check."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return FileVerdict(str(path), (Check(DOCUMENT, False, f"cannot read it: {exc}"),))
    return FileVerdict(str(path), verify_document(document, keys=keys, head=head))


def verify_document(
    document: object, *, keys: TrustedKeys, head: SignedTreeHead | None = None
) -> tuple[Check, ...]:
    """All checks of one exported report. ``head``, when given, replaces the evidence's."""
    if not isinstance(document, Mapping) or not isinstance(document.get("id"), int):
        return (Check(DOCUMENT, False, "not an exported report: no JSON object with an id"),)
    body = report_body(document)
    evidence = _evidence(document)
    checks = [
        Check(DOCUMENT, False, evidence)
        if isinstance(evidence, str)
        else Check(DOCUMENT, True, _summary(body, evidence, head)),
        _report_hash(body, document.get(REPORT_HASH)),
    ]
    if isinstance(evidence, str):
        missing = "no usable evidence (see the document check)"
        checks += [
            Check(name, False, missing) for name in (ENTRY_SIGNATURE, SIGNED_HEAD, INCLUSION)
        ]
    else:
        checks += _log_checks(document, body, evidence, keys=keys, head=head)
    checks += _recomputed(body)
    return tuple(checks)


def _evidence(document: Mapping[str, Any]) -> Evidence | str:
    """The parsed evidence, or why there is none."""
    if EVIDENCE not in document:
        return "the report carries no evidence: export it again from a signing log"
    try:
        return Evidence.from_document(document[EVIDENCE])
    except MalformedDocument as exc:
        return f"the evidence is malformed: {exc.detail}"


def _summary(body: Mapping[str, Any], evidence: Evidence, head: SignedTreeHead | None) -> str:
    used = head or evidence.signed_head
    return (
        f"report {body.get('id')} for {body.get('year')}, leaf {evidence.report.leaf_index} "
        f"of a log of {used.tree_size} entries"
    )


def _report_hash(body: Mapping[str, Any], stated: object) -> Check:
    try:
        recomputed = sha256_of(body)
    except TypeError as exc:
        return Check(REPORT_HASH, False, f"the body cannot be hashed: {exc}")
    if recomputed == stated:
        return Check(REPORT_HASH, True, f"the body hashes to {recomputed}")
    return Check(
        REPORT_HASH,
        False,
        f"the body hashes to {recomputed}, but the report states {stated}: figures or inputs "
        f"were changed after the report was made",
    )


# ---------------------------------------------------------------- signatures and the log


def _log_checks(
    document: Mapping[str, Any],
    body: Mapping[str, Any],
    evidence: Evidence,
    *,
    keys: TrustedKeys,
    head: SignedTreeHead | None,
) -> list[Check]:
    entry = entries.report_entry(
        report_id=int(body["id"]), report_hash=str(document.get(REPORT_HASH))
    )
    used = head or evidence.signed_head
    checks = [
        _entry_signature(ENTRY_SIGNATURE, entry, evidence.report, keys),
        _signed_head(used, keys, given=head is not None),
        _inclusion(INCLUSION, entry, evidence.report, used),
    ]
    publication = _publication(document, body, evidence, keys=keys, head=used)
    return checks if publication is None else [*checks, publication]


def _entry_signature(
    name: str, entry: Mapping[str, Any], leaf: LeafProof, keys: TrustedKeys
) -> Check:
    if keys.keyring is None:
        return Check(name, False, f"no public keys to check it with: {keys.source}")
    try:
        key = entries.verify_entry(keys.keyring, entry, leaf.entry_signature)
    except InvalidSignature as exc:
        return Check(name, False, exc.detail)
    return Check(name, True, f"signed by {key.key_id} ({key.status}; keys from {keys.source})")


def _signed_head(head: SignedTreeHead, keys: TrustedKeys, *, given: bool) -> Check:
    origin = "the head given with --head" if given else "the evidence's head"
    if keys.keyring is None:
        return Check(SIGNED_HEAD, False, f"no public keys to check it with: {keys.source}")
    try:
        key = verify_tree_head(head, keys.keyring)
    except InvalidSignature as exc:
        return Check(SIGNED_HEAD, False, f"{origin}: {exc.detail}")
    return Check(
        SIGNED_HEAD,
        True,
        f"{origin} ({head.tree_size} entries, root {hash_hex(head.root_hash)[:16]}…) is signed "
        f"by {key.key_id}",
    )


def _inclusion(name: str, entry: Mapping[str, Any], leaf: LeafProof, head: SignedTreeHead) -> Check:
    computed = entries.entry_leaf_hash(entry)
    if computed != leaf.leaf_hash:
        return Check(
            name,
            False,
            f"the evidence's leaf_hash {hash_hex(leaf.leaf_hash)} is not the hash of this "
            f"entry ({hash_hex(computed)})",
        )
    try:
        verify_inclusion(
            leaf=computed,
            index=leaf.leaf_index,
            tree_size=head.tree_size,
            proof=leaf.inclusion_proof,
            root=head.root_hash,
        )
    except InvalidProof as exc:
        return Check(name, False, f"not in the log under this head: {exc.detail}")
    return Check(
        name, True, f"leaf {leaf.leaf_index} of the {head.tree_size} entries under the head"
    )


def _publication(
    document: Mapping[str, Any],
    body: Mapping[str, Any],
    evidence: Evidence,
    *,
    keys: TrustedKeys,
    head: SignedTreeHead,
) -> Check | None:
    state = document.get("publication")
    claimed = isinstance(state, Mapping) and state.get("state") in PUBLISHED_STATES
    if evidence.publication is None:
        if claimed:
            return Check(
                PUBLICATION,
                False,
                "the report says it is published, but the evidence has no signed publication",
            )
        return None
    entry = evidence.publication.entry
    mismatch = _publication_mismatch(entry, document, body)
    if mismatch is not None:
        return Check(PUBLICATION, False, mismatch)
    for check in (
        _entry_signature(PUBLICATION, entry, evidence.publication.leaf, keys),
        _inclusion(PUBLICATION, entry, evidence.publication.leaf, head),
    ):
        if not check.ok:
            return check
    return Check(
        PUBLICATION,
        True,
        f"published for {entry['year']} at {entry['published_at']} by {entry['published_by']}; "
        f"signed, leaf {evidence.publication.leaf.leaf_index} under the head",
    )


def _publication_mismatch(
    entry: Mapping[str, Any], document: Mapping[str, Any], body: Mapping[str, Any]
) -> str | None:
    expected = {"report_id": body.get("id"), "report_hash": document.get(REPORT_HASH)}
    expected["year"] = body.get("year")
    for key, value in expected.items():
        if entry.get(key) != value:
            return f"the publication entry names {key} {entry.get(key)}, the report {value}"
    state = document.get("publication")
    if isinstance(state, Mapping):
        for key, signed in (
            ("published_at", "published_at"),
            ("published_by", "published_by"),
            ("acknowledged_unadopted_weights", "acknowledged_unadopted_weights"),
        ):
            if key in state and state[key] != entry[signed]:
                return f"the report says {key} {state[key]}, the signed publication {entry[signed]}"
    return None


# ---------------------------------------------------------------- recomputing


def recompute(body: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's result for the report's snapshot and request, stated as the service states
    it (``app.services.allocations.engine_result`` and ``report_figures``)."""
    result = _engine_result(body)
    if "weights_source" in body:
        return report_figures(result, body["snapshot"])
    return result


def _engine_result(body: Mapping[str, Any]) -> dict[str, Any]:
    request = body.get("request") or {}
    scenario = allocation.parse_scenario(body["snapshot"]["scenario"])
    solver = request.get("solver", "highs")
    year = request.get("year")
    if year is None or year == scenario.year:
        return allocation.allocate(scenario, solver=solver).to_dict()
    years = allocation.allocate_years(scenario, solver=solver)
    for report in years.reports:
        if report.year == year:
            return report.to_dict()
    covered = ", ".join(str(report.year) for report in years.reports)
    raise ValueError(f"the scenario covers {covered}; the report asks for {year}")


def _recomputed(body: Mapping[str, Any]) -> list[Check]:
    try:
        result = recompute(body)
    except (AllocationError, KeyError, TypeError, AttributeError, ValueError) as exc:
        reason = f"the snapshot does not run: {exc!r}"
        return [Check(INPUT_HASH, False, reason), Check(RESULT, False, reason)]
    stated = body.get("input_hash")
    input_check = (
        Check(INPUT_HASH, True, f"the snapshot hashes to {stated}")
        if result.get("input_hash") == stated
        else Check(
            INPUT_HASH,
            False,
            f"the snapshot hashes to {result.get('input_hash')}, the report states {stated}",
        )
    )
    differences = _differences(body, result)
    if not differences:
        return [input_check, Check(RESULT, True, _agreement(result))]
    shown = "; ".join(differences[:MAX_DIFFERENCES])
    more = len(differences) - MAX_DIFFERENCES
    tail = f"; and {more} more" if more > 0 else ""
    return [input_check, Check(RESULT, False, f"recomputing gives other figures: {shown}{tail}")]


def _agreement(result: Mapping[str, Any]) -> str:
    return (
        f"recomputed {result.get('status')} {result.get('rule')} split for {result.get('year')}, "
        f"total {result.get('total')}: every figure matches"
    )


def _differences(body: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    order = [*(k for k in FIGURES_FIRST if k in result), *sorted(set(result) - set(FIGURES_FIRST))]
    for key in order:
        if key in ENGINE_IDENTITY or body.get(key) == result[key]:
            continue
        if key == "lines":
            found += _line_differences(body.get(key), result[key])
        elif isinstance(result[key], (str, int)) or result[key] is None:
            found.append(f"{key}: report {body.get(key)}, recomputed {result[key]}")
        else:
            found.append(f"{key} differs")
    return found


def _line_differences(stated: object, recomputed: Sequence[Mapping[str, Any]]) -> list[str]:
    if not isinstance(stated, list) or not all(isinstance(line, Mapping) for line in stated):
        return ["lines differ"]
    by_ministry = {line.get("ministry"): line for line in stated}
    found: list[str] = []
    for line in recomputed:
        ministry = line["ministry"]
        mine = by_ministry.get(ministry)
        if mine is None:
            found.append(f"{ministry}: missing from the report")
            continue
        for field, value in line.items():
            if mine.get(field) == value:
                continue
            if isinstance(value, Mapping) and isinstance(mine.get(field), Mapping):
                found += [
                    f"{ministry} {field}.{name}: report {mine[field].get(name)}, recomputed {cents}"
                    for name, cents in value.items()
                    if mine[field].get(name) != cents
                ]
            else:
                found.append(f"{ministry} {field}: report {mine.get(field)}, recomputed {value}")
    extra = set(by_ministry) - {line["ministry"] for line in recomputed}
    found += [
        f"{ministry}: in the report but not recomputed" for ministry in sorted(extra, key=str)
    ]
    return found
