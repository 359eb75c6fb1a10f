"""Benchmark the signed log: appending, proofs, and verification, at 10^4 and 10^5 entries.

Run: ``python bench/ledger.py [--sizes 10000 100000] [--database-url URL]`` (a fresh SQLite file
in a temporary folder unless a migrated, empty PostgreSQL database is named). Not a test:
nothing is asserted.

A log of n entries is made quickly but in the real format: n report rows with small bodies,
each with a genuinely signed entry, one signed head per entry (as one run per transaction
makes) and the checkpoint file with a line per head. Then, through the service's own
functions: one more append (lock, checks against the newest head and the last checkpoint,
sign, store, commit, checkpoint), an inclusion and a consistency proof with the tree rebuilt
(a fresh process) and kept (every later request), and a page of the whole-log verification.
Re-performing a real report is timed apart, on the default 2027 scenario.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os  # noqa: E402

from sqlalchemy import insert  # noqa: E402


def _timed(action: Callable[[], Any], *, repeat: int = 1) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def fill(url: str, size: int, checkpoint_file: Path) -> None:
    """n reports with signed entries, a signed head per size, and their checkpoint lines."""
    from datetime import UTC, datetime

    from allocation.report import canonical_json, sha256_of
    from app.db import engine_for
    from app.ledger import entries
    from app.ledger.heads import sign_tree_head
    from app.ledger.merkle import MerkleTree
    from app.models import AllocationReport, LogEntry, TreeHeadRecord
    from app.services import signing

    key = signing.signing_key()
    now = datetime.now(UTC)
    reports, logged, leaves = [], [], []
    prev_hash = None
    for index in range(size):
        body = {"id": index + 1, "prev_hash": prev_hash, "year": 2027, "total": "0.00"}
        report_hash = sha256_of(body)
        entry = entries.report_entry(report_id=index + 1, report_hash=report_hash)
        signature = entries.sign_entry(key, entry)
        leaf = entries.entry_leaf_hash(entry)
        reports.append(
            {
                "id": index + 1,
                "year": 2027,
                "rule": "constrained",
                "status": "optimal",
                "body": canonical_json(body),
                "input_hash": "sha256:" + "0" * 64,
                "report_hash": report_hash,
                "prev_hash": prev_hash,
                "created_by": "bench",
                "created_at": now,
            }
        )
        logged.append(
            {
                "leaf_index": index,
                "kind": "report",
                "report_id": index + 1,
                "entry": entries.leaf_data(entry).decode(),
                "leaf_hash": leaf.hex(),
                "key_id": signature.key_id,
                "signature": signing.signature_text(signature),
                "created_at": now,
            }
        )
        leaves.append(leaf)
        prev_hash = report_hash
    tree = MerkleTree.from_leaf_hashes(leaves)
    heads = [sign_tree_head(key, tree_size=n, root_hash=tree.root(n)) for n in range(1, size + 1)]
    with engine_for(url).begin() as connection:
        for start in range(0, size, 5000):
            connection.execute(insert(AllocationReport), reports[start : start + 5000])
            connection.execute(insert(LogEntry), logged[start : start + 5000])
            rows = [signing.record_of(h).model_dump() for h in heads[start : start + 5000]]
            connection.execute(insert(TreeHeadRecord), rows)
    with checkpoint_file.open("w", encoding="utf-8") as out:
        for head in heads:
            out.write(canonical_json(head.to_document()) + "\n")
    os.chmod(checkpoint_file, 0o600)


def measure(url: str, size: int) -> dict[str, float]:
    from sqlmodel import Session

    from app.db import engine_for, session_for
    from app.models import AllocationReport
    from app.services import audit, vouched
    from app.services import log as ledger_log

    engine = engine_for(url)
    figures: dict[str, float] = {}

    def rebuilt_proof() -> Any:
        ledger_log.forget_trees()
        with Session(engine) as session:
            return vouched.report_inclusion(session, size // 2, tree_size=None)

    def kept_proof() -> Any:
        with Session(engine) as session:
            return vouched.report_inclusion(session, size // 2, tree_size=None)

    def consistency() -> Any:
        with Session(engine) as session:
            return vouched.consistency(session, first=size // 3, second=None)

    figures["proof, tree rebuilt (ms)"] = _timed(rebuilt_proof)[0] * 1000
    figures["proof, tree kept (ms)"] = _timed(kept_proof, repeat=20)[0] * 1000
    figures["consistency, tree kept (ms)"] = _timed(consistency, repeat=20)[0] * 1000

    counter = [size]

    def append() -> None:
        counter[0] += 1
        with session_for(writes=True) as session:
            last = session.get(AllocationReport, counter[0] - 1)
            assert last is not None
            appender = ledger_log.open_log(session)
            row = AllocationReport(
                id=counter[0],
                year=2027,
                rule="constrained",
                status="optimal",
                body=f'{{"id":{counter[0]}}}',
                input_hash="sha256:" + "0" * 64,
                report_hash=f"sha256:{counter[0]:064x}",
                prev_hash=last.report_hash,
                created_by="bench",
            )
            session.add(row)
            session.flush()
            appender.add_report(row)
            appender.seal()
            session.commit()

    figures["append, tree kept (ms)"] = _timed(append, repeat=20)[0] * 1000

    def page() -> Any:
        with Session(engine) as session:
            return audit.verify_log(session, start=0, limit=1)

    seconds, _ = _timed(page)
    figures["whole-log checks of a verify page, first in a process (s)"] = seconds
    seconds, _ = _timed(page, repeat=3)
    figures["whole-log checks of a verify page, later (s)"] = seconds
    return figures


def real_reports(count: int) -> dict[str, float]:
    """``count`` real runs of the default 2027 scenario, then one page verifying them all."""
    from sqlmodel import Session

    from app.auth import Principal, Role
    from app.cli import migrate
    from app.db import dispose_engines, engine_for, session_for
    from app.seed import seed
    from app.services import allocations, audit
    from app.services.reperform import REPERFORMED
    from app.settings import get_settings

    folder = Path(tempfile.mkdtemp(prefix="costshare-bench-"))
    url = f"sqlite:///{folder / 'real.sqlite3'}"
    os.environ.update(
        {"DATABASE_URL": url, "COSTSHARE_CHECKPOINT_FILE": str(folder / "checkpoints.jsonl")}
    )
    get_settings.cache_clear()
    dispose_engines()
    migrate()
    with session_for(writes=True) as session:
        seed(session)
        session.commit()
    editor = Principal(key_prefix="bench", role=Role.NEGOTIATOR)
    request = allocations.RunRequest(
        scenario_id=1, scenario=None, rule=None, solver="highs", year=None
    )

    def run() -> None:
        with session_for(writes=False) as session:
            allocations.run(session, editor, request, idempotency_key=None)
            session.commit()

    run_seconds, _ = _timed(run, repeat=count)
    REPERFORMED.clear()

    def page() -> Any:
        with Session(engine_for(url)) as session:
            return audit.verify_log(session, start=0, limit=count)

    seconds, result = _timed(page)
    assert result.valid and result.checked == count, result.findings[:3]
    return {
        "run of the 2027 scenario, whole request path but HTTP (ms)": run_seconds * 1000,
        f"verify a page of {count} real reports, per report (ms)": seconds / count * 1000,
    }


def reperformance() -> dict[str, float]:
    """Re-performing the default 2027 report, uncached, per report."""
    from allocation import parse_scenario
    from app.services import reperform
    from app.services.allocations import engine_result
    from app.services.report_figures import report_figures

    seed_document = _default_scenario()
    scenario = parse_scenario(seed_document)
    result = engine_result(scenario, solver="highs", year=None).to_dict()
    snapshot = {"scenario": scenario.to_document(), "weight_set": None, "ministries": {}}
    body = {**report_figures(result, snapshot), "snapshot": snapshot, "request": {}}

    def once() -> None:
        check = reperform.ReportCheck(1)
        reperform.recompute(body, check)
        assert check.valid, check.problems

    return {"re-perform one 6 x 4 report (ms)": _timed(once, repeat=20)[0] * 1000}


def _default_scenario() -> dict[str, Any]:
    import json

    root = Path(__file__).resolve().parents[1]
    return dict(json.loads((root / "examples" / "offlimits-2027.json").read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    args = parser.parse_args()
    rows: dict[str, dict[int, float]] = {}
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix="costshare-bench-"))
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ.update(
            {
                "DATABASE_URL": url,
                "COSTSHARE_SIGNING_KEYS": str(folder / "keys"),
                "COSTSHARE_CHECKPOINT_FILE": str(folder / "checkpoints.jsonl"),
            }
        )
        from app.cli import migrate
        from app.db import dispose_engines
        from app.services import signing
        from app.settings import get_settings

        get_settings.cache_clear()
        dispose_engines()
        migrate()
        signing.ensure_keyring()
        started = time.perf_counter()
        fill(url, size, folder / "checkpoints.jsonl")
        if url.startswith("sqlite"):
            from app.db import engine_for

            with engine_for(url).connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"filled {size} entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for name, value in measure(url, size).items():
            rows.setdefault(name, {})[size] = value
    for name, value in {**reperformance(), **real_reports(100)}.items():
        rows[name] = dict.fromkeys(args.sizes, value)
    print("| | " + " | ".join(f"{size:,} entries" for size in args.sizes) + " |")
    print("|---|" + "---:|" * len(args.sizes))
    for name, values in rows.items():
        cells = " | ".join(f"{values[size]:.3g}" for size in args.sizes)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
