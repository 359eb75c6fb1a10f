"""Scenario documents the service tests and the benchmarks share."""

from __future__ import annotations

import random


def large_scenario(ministries: int, channels: int, *, seed: int = 7) -> dict[str, object]:
    """``ministries`` (codes M000…) over a base of €900M and ``channels`` per-contact pools,
    a fifth of the ministries missing from each, weights 1–9 and a binding max_share."""
    rng = random.Random(seed)
    codes = [f"M{i:03d}" for i in range(ministries)]
    return {
        "year": 2027,
        "base": "900000000.00",
        "weights": {code: rng.randint(1, 9) for code in codes},
        "variable": [
            {
                "channel": f"c{c}",
                "rate_per_contact": "3.00",
                "contacts": 100_000 + c,
                "weights": {code: rng.randint(1, 9) for code in codes if rng.random() > 0.2},
            }
            for c in range(channels)
        ],
        "constraints": {"max_share": f"{max(0.02, 3 / ministries):.4f}"},
    }
