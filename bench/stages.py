"""Where the time of one constrained allocation goes, stage by stage.

Run: ``python bench/stages.py [--ministries 6] [--pools 4] [--runs 200]``. Each stage function
of the engine is wrapped with a timer for the duration of the run (nothing in ``allocation/``
changes); prints the mean milliseconds per ``allocate()`` call spent in each stage, largest
first. Stages nest only where noted; their sum is a little below the whole because the report
assembly between them is not wrapped. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocation import closed_form, engine, rules  # noqa: E402
from bench.engine import scenario  # noqa: E402

STAGES: list[tuple[ModuleType, str, str]] = [
    (rules, "diagnose", "feasibility diagnosis (exact)"),
    (rules, "totals_family", "scaled rows of the totals LP"),
    (rules, "run_rounds", "LP rounds of the totals: build, HiGHS, read back"),
    (rules, "leximin_cells", "cells by exact cuts: flows or elastic LPs, fractions"),
    (rules, "first_round", "first LP round alone, for the marginals (closed form)"),
    (closed_form, "clipped_totals", "closed-form totals"),
    (closed_form, "can_carry", "can the pools carry the closed-form totals (max-flow)"),
    (closed_form, "profile_cells", "closed-form cells (one weight profile)"),
    (rules, "recover_totals", "exact recovery of the totals"),
    (rules, "peel_forced_cells", "cells forced by the totals"),
    (rules, "check_split", "exact check of the split (totals, signs)"),
    (rules, "check_totals_optimal", "optimality certificate, totals"),
    (engine, "build_problem", "exact problem from the scenario"),
    (engine, "round_allocation", "controlled rounding to cents"),
    (engine, "check_allocation", "exact check of the rounded cents"),
    (engine, "build_lines", "report lines"),
    (engine, "leximin_levels", "leximin levels"),
    (engine, "explain", "explanation sentences"),
]


@contextmanager
def timed_stages(spent: dict[str, float]) -> Iterator[None]:
    """Wrap every stage with a timer adding to ``spent``; restore the originals afterwards."""
    originals = [(module, name, getattr(module, name)) for module, name, _ in STAGES]
    for (module, name, label), (_, _, original) in zip(STAGES, originals, strict=True):
        setattr(module, name, _timer(original, label, spent))
    try:
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def _timer(function: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ministries", type=int, default=6)
    parser.add_argument("--pools", type=int, default=4)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    cases = [scenario(args.ministries, args.pools, seed) for seed in range(1, args.runs + 1)]
    engine.allocate(scenario(6, 4, seed=0))
    spent: dict[str, float] = defaultdict(float)
    with timed_stages(spent):
        start = time.perf_counter()
        for case in cases:
            engine.allocate(case)
        whole = time.perf_counter() - start
    print(f"| stage ({args.ministries} × {args.pools}, {args.runs} runs) | mean ms |")
    print("|---|---:|")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"| {label} | {seconds / len(cases) * 1000:.2f} |")
    print(f"| **allocate() as a whole** | **{whole / len(cases) * 1000:.2f}** |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
