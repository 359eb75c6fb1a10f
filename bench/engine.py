"""Benchmark the allocation engine: allocate() end to end with the constrained rule.

Run: ``python bench/engine.py`` (``--quick`` for fewer runs). Prints a Markdown table of the
median and 95th-percentile wall time per size and solver. Not a test: nothing is asserted.

Scenarios are random but seeded: weights 1–9 (a channel leaves out about a fifth of the
ministries), a base of €1–10 million, channels of €10,000–€1 million, a max_share cap, and a
floor and a ceiling on a few ministries drawn around their targets so that every scenario is
feasible and some bounds bind.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocation import allocate, parse_scenario  # noqa: E402
from allocation.scenario import Scenario  # noqa: E402

SIZES = [(6, 4), *((m, p) for m in (12, 50, 200) for p in (1, 4, 20))]


def scenario(ministries: int, pools: int, seed: int) -> Scenario:
    """A feasible random scenario with ``ministries`` ministries and ``pools`` pools."""
    rng = random.Random(seed)
    codes = [f"M{index:03d}" for index in range(ministries)]
    weights = {code: rng.randint(1, 9) for code in codes}
    channels = []
    for index in range(pools - 1):
        own = {code: rng.randint(1, 9) for code in codes if rng.random() > 0.2}
        own = own or {codes[0]: 1}
        channels.append(
            {
                "channel": f"c{index:02d}",
                "rate_per_contact": f"{rng.randint(10, 50)}.00",
                "contacts": rng.randint(1_000, 20_000),
                "reference_contacts": 0,
                "weights": own,
            }
        )
    document: dict[str, Any] = {
        "year": 2027,
        "rule": "constrained",
        "base": f"{rng.randint(1_000_000, 10_000_000)}.00",
        "weights": weights,
        "variable": channels,
    }
    total = parse_scenario(document).total
    share_of = {code: weight / sum(weights.values()) for code, weight in weights.items()}
    chosen = rng.sample(codes, k=max(1, ministries // 6))
    floors = {c: f"{int(total * share_of[c] * 1.05) / 100:.2f}" for c in chosen[::2]}
    ceilings = {c: f"{int(total * share_of[c] * 0.8) / 100:.2f}" for c in chosen[1::2]}
    document["constraints"] = {
        "max_share": f"{min(1.0, max(share_of.values()) * 1.5 + 0.05):.6f}",
        "floors": floors,
        "ceilings": ceilings,
    }
    return parse_scenario(document)


def timings(ministries: int, pools: int, *, solver: str, runs: int) -> list[float]:
    """Seconds per allocate() call over ``runs`` distinct scenarios (after a small warm-up)."""
    allocate(scenario(6, 4, seed=0), solver=solver)
    seconds = []
    for seed in range(1, runs + 1):
        case = scenario(ministries, pools, seed)
        start = time.perf_counter()
        report = allocate(case, solver=solver)
        seconds.append(time.perf_counter() - start)
        if report.status != "optimal":
            raise SystemExit(f"unexpected status {report.status} for seed {seed}")
    return seconds


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def runs_for(ministries: int, pools: int, solver: str, quick: bool) -> int:
    cells = ministries * pools
    runs = 200 if cells <= 30 else 40 if cells <= 250 else 10 if cells <= 1000 else 2
    if solver == "cbc":
        runs = max(3, runs // 4)
    return max(1, runs // 4) if quick else runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs per size")
    args = parser.parse_args(argv)
    rows = [("highs", m, p) for m, p in SIZES] + [("cbc", 6, 4), ("cbc", 12, 4)]
    print("| ministries × pools | solver | runs | median (ms) | p95 (ms) |")
    print("|---|---|---:|---:|---:|")
    for solver, ministries, pools in rows:
        runs = runs_for(ministries, pools, solver, args.quick)
        seconds = timings(ministries, pools, solver=solver, runs=runs)
        median = statistics.median(seconds) * 1000
        p95 = percentile(seconds, 0.95) * 1000
        row = f"| {ministries} × {pools} | {solver} | {runs} | {median:.1f} | {p95:.1f} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
