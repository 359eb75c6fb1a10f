"""Benchmark the allocation engine: allocate() end to end with the constrained rule.

Run: ``python bench/engine.py`` (``--quick`` for fewer runs). Prints, in one run, Markdown
tables of

* ``allocate()`` against bare highspy solving the leximin's LPs (``bench/bare.py``) on the
  same scenarios: medians and 99th percentiles, and their ratio;
* 200 ministries × 20 pools, five seeds;
* the growth in ministries at 20 pools (25, 50, 100, 200) and its fitted exponent;
* CBC for comparison.

Not a test: nothing is asserted. Scenarios are random but seeded: weights 1–9 (a channel
leaves out about a fifth of the ministries), a base of €1–10 million, channels of
€10,000–€1 million, a max_share cap, and a floor and a ceiling on a few ministries drawn
around their targets so that every scenario is feasible and some bounds bind.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocation import allocate, parse_scenario  # noqa: E402
from allocation.model import build_problem  # noqa: E402
from allocation.scenario import Scenario  # noqa: E402
from bench.bare import bare_leximin  # noqa: E402

COMPARED = [(6, 4), (12, 4), (50, 4), (12, 20), (50, 20), (200, 4)]
GROWTH = [25, 50, 100, 200]


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


CLOCK = time.perf_counter


def seconds(call: Callable[[], object]) -> float:
    start = CLOCK()
    call()
    return CLOCK() - start


def timings(ministries: int, pools: int, *, solver: str, runs: int) -> list[float]:
    """Seconds per allocate() call over ``runs`` distinct scenarios (after a small warm-up)."""
    allocate(scenario(6, 4, seed=0), solver=solver)
    found = []
    for seed in range(1, runs + 1):
        case = scenario(ministries, pools, seed)
        found.append(seconds(lambda case=case: _optimal(case, solver)))
    return found


def _optimal(case: Scenario, solver: str) -> None:
    report = allocate(case, solver=solver)
    if report.status != "optimal":
        raise SystemExit(f"unexpected status {report.status}")


def side_by_side(ministries: int, pools: int, *, runs: int) -> tuple[list[float], list[float]]:
    """allocate() and bare highspy on the same scenarios, alternating to share the noise."""
    allocate(scenario(6, 4, seed=0))
    bare_leximin(build_problem(scenario(6, 4, seed=0)))
    engine, bare = [], []
    for seed in range(1, runs + 1):
        case = scenario(ministries, pools, seed)
        problem = build_problem(case)
        engine.append(seconds(lambda case=case: _optimal(case, "highs")))
        bare.append(seconds(lambda problem=problem: bare_leximin(problem)))
    return engine, bare


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def runs_for(ministries: int, pools: int, quick: bool) -> int:
    cells = ministries * pools
    runs = 200 if cells <= 30 else 40 if cells <= 250 else 10 if cells <= 1000 else 3
    return max(3, runs // 4) if quick else runs


def growth_exponent(sizes: Sequence[int], medians: Sequence[float]) -> float:
    """The least-squares slope of log(time) against log(ministries)."""
    xs = [math.log(size) for size in sizes]
    ys = [math.log(value) for value in medians]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )


def ms(value: float) -> str:
    return f"{value * 1000:,.1f}" if value < 10 else f"{value * 1000:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs per size")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time this process's CPU instead of the wall clock (steadier on a busy machine)",
    )
    args = parser.parse_args(argv)
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    print(f"clock: {'process CPU time' if args.cpu else 'wall'}\n")

    print("allocate() against bare highspy solving the leximin's LPs (bench/bare.py)\n")
    print("| ministries × pools | runs | allocate median | p99 | bare median | p99 | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for ministries, pools in COMPARED:
        runs = runs_for(ministries, pools, args.quick)
        engine, bare = side_by_side(ministries, pools, runs=runs)
        ratio = statistics.median(engine) / statistics.median(bare)
        print(
            f"| {ministries} × {pools} | {runs} | {ms(statistics.median(engine))} ms "
            f"| {ms(percentile(engine, 0.99))} ms | {ms(statistics.median(bare))} ms "
            f"| {ms(percentile(bare, 0.99))} ms | {ratio:.2f} |",
            flush=True,
        )

    print("\n200 ministries × 20 pools, five seeds\n")
    print("| seed | allocate |")
    print("|---:|---:|")
    five = [
        seconds(lambda seed=seed: _optimal(scenario(200, 20, seed), "highs"))
        for seed in range(1, 6)
    ]
    for seed, value in enumerate(five, start=1):
        print(f"| {seed} | {value:.2f} s |", flush=True)
    print(f"| median | {statistics.median(five):.2f} s |")
    print(f"| worst | {max(five):.2f} s |")

    print("\nGrowth in ministries at 20 pools\n")
    print("| ministries | runs | median |")
    print("|---:|---:|---:|")
    medians = []
    for ministries in GROWTH:
        runs = 3 if ministries >= 100 else 5
        values = timings(ministries, 20, solver="highs", runs=runs)
        medians.append(statistics.median(values))
        print(f"| {ministries} | {runs} | {ms(medians[-1])} ms |", flush=True)
    print(f"\nfitted exponent: time ∝ ministries^{growth_exponent(GROWTH, medians):.2f}")

    print("\nCBC (wall clock: the solver runs in a process of its own)\n")
    CLOCK = time.perf_counter
    print("| ministries × pools | runs | median | p99 |")
    print("|---|---:|---:|---:|")
    for ministries, pools in ((6, 4), (12, 4)):
        runs = 12 if args.quick else 50
        values = timings(ministries, pools, solver="cbc", runs=runs)
        print(
            f"| {ministries} × {pools} | {runs} | {ms(statistics.median(values))} ms "
            f"| {ms(percentile(values, 0.99))} ms |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
