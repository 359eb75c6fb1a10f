"""How often does the engine refuse a scenario as not certifiable? Over the property generators.

Run: ``python bench/certifiable.py [--examples 300] [--solver highs]``. Draws a fixed,
derandomised sample from each hypothesis strategy the property tests use, allocates every
scenario with the constrained rule and counts the outcomes: optimal, infeasible (an answer:
the conflicting bounds are named) and refused (an ``AllocationError``, which the service
answers with 422 "not certifiable"). Prints a Markdown table and each refusal's reason.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import strategies as st  # noqa: E402

from allocation import AllocationError, allocate, parse_scenario  # noqa: E402
from tests.allocation.conftest import (  # noqa: E402
    bounded_documents,
    extreme_documents,
    infeasible_documents,
    pooled_documents,
)
from tests.allocation.golden import draw_documents  # noqa: E402

GENERATORS: tuple[tuple[str, st.SearchStrategy[dict[str, Any]]], ...] = (
    ("bounded, realistic", bounded_documents(min_amount=100_000)),
    ("bounded, negotiated", bounded_documents(min_amount=100_000, moderate=True)),
    ("bounded, any scale", bounded_documents()),
    ("bounded, one pool", bounded_documents(max_ministries=8, max_channels=0)),
    ("bounded, shared pools", bounded_documents(full_support=True, min_amount=100_000)),
    ("unbounded", pooled_documents()),
    ("infeasible", infeasible_documents(max_ministries=5)),
    ("extreme scales", extreme_documents()),
    ("extreme scales, up to 60 ministries", extreme_documents(max_ministries=60)),
)


def outcome(document: dict[str, Any], *, solver: str) -> str:
    """optimal, infeasible, or ``refused: <reason>``."""
    try:
        return allocate(parse_scenario(document), solver=solver).status
    except AllocationError as error:
        return f"refused: {type(error).__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per generator")
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--only", help="run only generators whose name contains this")
    args = parser.parse_args(argv)
    print("| generator | scenarios | optimal | infeasible | refused | rate |")
    print("|---|---:|---:|---:|---:|---:|")
    total, refused_total, reasons = 0, 0, []
    start = time.perf_counter()
    for name, strategy in GENERATORS:
        if args.only and args.only not in name:
            continue
        counts: Counter[str] = Counter()
        for document in draw_documents(strategy, args.examples):
            result = outcome(document, solver=args.solver)
            counts["refused" if result.startswith("refused") else result] += 1
            if result.startswith("refused"):
                reasons.append(f"{name}: {result}")
        scenarios = sum(counts.values())
        total += scenarios
        refused_total += counts["refused"]
        rate = counts["refused"] / scenarios if scenarios else 0.0
        print(
            f"| {name} | {scenarios} | {counts['optimal']} | {counts['infeasible']} "
            f"| {counts['refused']} | {rate:.2%} |",
            flush=True,
        )
    print(f"| **all** | **{total}** | | | **{refused_total}** | **{refused_total / total:.2%}** |")
    print(f"\n{time.perf_counter() - start:.0f} s")
    for reason in reasons:
        print(f"- {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
