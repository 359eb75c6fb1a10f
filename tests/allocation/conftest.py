"""Shared scenario builders and hypothesis strategies for the allocation tests."""

from __future__ import annotations

import os
import random
from typing import Any

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

settings.register_profile(
    "allocation",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("explore", parent=settings.get_profile("allocation"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "allocation"))

SIX = ("JenV", "BZK", "EZ", "VWS", "BZ", "OCW")
CODES = ("BZ", "BZK", "EZ", "JenV", "OCW", "SZW", "VWS", "AZ")


def offlimits_document() -> dict[str, Any]:
    """The Offlimits 2027 example: base plus a helpline channel, all four bound families."""
    return {
        "year": 2027,
        "rule": "constrained",
        "base": "5000000.00",
        "weights": {"JenV": 3, "BZK": 2, "EZ": "1.5", "VWS": "1.5", "BZ": 1, "OCW": 1},
        "variable": [
            {
                "channel": "hulplijn",
                "rate_per_contact": "25.00",
                "contacts": 15685,
                "reference_contacts": 12065,
                "weights": {"JenV": 2, "BZK": 1, "VWS": 1},
            }
        ],
        "constraints": {
            "max_share": "0.40",
            "floors": {"JenV": "1000000.00"},
            "ceilings": {"OCW": "300000.00"},
            "fixed": {"BZK": "500000.00"},
        },
    }


def base_only_document(
    weights: dict[str, Any] | None = None, base: str = "5000000.00"
) -> dict[str, Any]:
    """A base-only scenario, six equal weights unless told otherwise."""
    return {
        "year": 2027,
        "rule": "constrained",
        "base": base,
        "weights": weights if weights is not None else dict.fromkeys(SIX, 1),
    }


def cents(amount: int) -> str:
    """Integer cents as a money string."""
    return f"{amount // 100}.{amount % 100:02d}"


@st.composite
def pooled_documents(
    draw: st.DrawFn,
    *,
    max_ministries: int = 6,
    max_channels: int = 3,
    full_support: bool = False,
    min_amount: int = 0,
    max_amount: int = 10**9,
) -> dict[str, Any]:
    """A scenario without bounds: random weights, base and channels (amounts in cents).

    ``min_amount`` keeps every non-empty pool at least that large, so the pools stay within
    a realistic range of each other.
    """
    count = draw(st.integers(2, max_ministries))
    codes = draw(st.permutations(CODES))[:count]
    low_weight = 1 if full_support else 0
    weights = {code: draw(st.integers(low_weight, 9)) for code in codes}
    if not any(weights.values()):
        weights[codes[0]] = 1
    channels = []
    for index in range(draw(st.integers(0, max_channels))):
        rate = draw(st.integers(1, 10_000))
        paid = draw(st.integers(-(-min_amount // rate), max(1, max_amount // rate)))
        if full_support:
            channel_weights = {code: draw(st.integers(1, 9)) for code in codes if weights[code]}
        else:
            channel_weights = {code: draw(st.integers(0, 9)) for code in codes}
            if not any(channel_weights.values()):
                channel_weights[draw(st.sampled_from(codes))] = 1
        channels.append(
            {
                "channel": f"c{index}",
                "rate_per_contact": cents(rate),
                "contacts": paid,
                "reference_contacts": 0,
                "weights": channel_weights,
            }
        )
    return {
        "year": 2027,
        "rule": "constrained",
        "base": cents(draw(st.integers(max(min_amount, 0 if channels else 1), max_amount))),
        "weights": weights,
        "variable": channels,
        "constraints": {},
    }


@st.composite
def bounded_documents(draw: st.DrawFn, *, moderate: bool = False, **options: Any) -> dict[str, Any]:
    """A scenario with bounds that some split meets: bounds are drawn around a random split.

    The split sends each pool to ministries with weight in it; floors, ceilings, fixed amounts
    and max_share are then set so that this split honours them, often exactly (tight bounds
    are where LPs are degenerate). A ``moderate`` split gives every ministry at least half its
    target share of each pool, as negotiated bounds do; otherwise a ministry may be held to a
    few cents against a target of millions.
    """
    from allocation.model import build_problem
    from allocation.scenario import parse_scenario

    document = draw(pooled_documents(**options))
    problem = build_problem(parse_scenario(document))
    split = _random_split(draw, problem, moderate=moderate)
    constraints: dict[str, Any] = {"floors": {}, "ceilings": {}, "fixed": {}}
    for code, amount in split.items():
        family = draw(st.sampled_from(["none", "none", "floor", "ceiling", "both", "fixed"]))
        if family in ("floor", "both"):
            constraints["floors"][code] = cents(amount - draw(_slack(amount)))
        if family in ("ceiling", "both"):
            constraints["ceilings"][code] = cents(amount + draw(_slack(problem.total)))
        if family == "fixed":
            constraints["fixed"][code] = cents(amount)
    if draw(st.booleans()) and problem.total > 0:
        largest = max(split.values())
        share = -(-largest * 10**6 // problem.total) + draw(st.integers(0, 200_000))
        constraints["max_share"] = f"{min(share, 10**6) / 10**6:.6f}"
    document["constraints"] = constraints
    return document


def _slack(limit: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(0), st.integers(0, max(0, limit)))


def _random_split(draw: st.DrawFn, problem: Any, *, moderate: bool) -> dict[str, int]:
    split = dict.fromkeys(problem.ministries, 0)
    for pool in problem.pools:
        carriers = [cell.ministry for cell in problem.allowed if cell.pool == pool.name]
        if not carriers:
            continue
        cuts = sorted(draw(st.integers(0, pool.amount)) for _ in carriers[1:])
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, pool.amount], strict=True)]
        if moderate:
            targets = [int(problem.cell_targets[_cell(code, pool.name)]) for code in carriers]
            parts = [(part + target) // 2 for part, target in zip(parts, targets, strict=True)]
            parts[0] += pool.amount - sum(parts)
        for code, part in zip(carriers, parts, strict=True):
            split[code] += part
    return split


def _cell(ministry: str, pool: str) -> Any:
    from allocation.model import Cell

    return Cell(ministry, pool)


@st.composite
def infeasible_documents(draw: st.DrawFn, **options: Any) -> dict[str, Any]:
    """A scenario whose bounds no split meets: a floor, ceilings, a pair or a capped pool.

    Some draws stay feasible (a pool of a cent cannot be capped below itself); the engine must
    answer those too.
    """
    from allocation.model import build_problem
    from allocation.scenario import parse_scenario

    document = draw(pooled_documents(**options))
    problem = build_problem(parse_scenario(document))
    carriers = [m for m in problem.ministries if problem.target(m) > 0]
    assume(carriers)
    victim = draw(st.sampled_from(carriers))
    kind = draw(st.sampled_from(["floor", "ceilings", "pair", "pool", "max_share"]))
    total = problem.total
    if kind == "floor":
        document["constraints"] = {"floors": {victim: cents(total + 1)}}
    elif kind == "ceilings":
        cap = total // (2 * len(problem.ministries))
        document["constraints"] = {"ceilings": dict.fromkeys(problem.ministries, cents(cap))}
    elif kind == "pair":
        document["constraints"] = {"floors": {victim: "2.00"}, "ceilings": {victim: "1.00"}}
    elif kind == "max_share":
        share = draw(st.integers(1, max(1, 10**6 // len(carriers) - 1)))
        document["constraints"] = {"max_share": f"{share / 10**6:.6f}"}
    else:
        pool = max(problem.pools, key=lambda p: p.amount)
        capped = {c.ministry for c in problem.allowed if c.pool == pool.name}
        cap = pool.amount // (2 * len(capped))
        document["constraints"] = {"ceilings": dict.fromkeys(sorted(capped), cents(cap))}
    return document


def tiny_ceiling_document(seed: int, *, ministries: int = 200, channels: int = 3) -> dict[str, Any]:
    """About €905 million over 200 ministries capped at 1.5% each, one of them at €1,000.

    Weights 1–9, a fifth of the ministries missing from each channel; seeded. A ceiling seven
    orders of magnitude below the ministry's target next to hundreds of capped ministries.
    """
    rng = random.Random(seed)
    codes = [f"M{index:03d}" for index in range(ministries)]
    weights = {code: rng.randint(1, 9) for code in codes}
    variable = []
    for index in range(channels):
        own = {code: rng.randint(1, 9) for code in codes if rng.random() > 0.2}
        variable.append(
            {
                "channel": f"c{index}",
                "rate_per_contact": "25.00",
                "contacts": rng.randint(50_000, 100_000),
                "reference_contacts": 0,
                "weights": own,
            }
        )
    return {
        "year": 2027,
        "rule": "constrained",
        "base": "900000000.00",
        "weights": weights,
        "variable": variable,
        "constraints": {
            "max_share": "0.015",
            "ceilings": {codes[rng.randrange(ministries)]: "1000.00"},
        },
    }


@st.composite
def extreme_documents(draw: st.DrawFn, *, max_ministries: int = 12) -> dict[str, Any]:
    """Feasible scenarios at the edges of scale, one of four kinds.

    * ``tiny``: a few ministries bounded to cents or euros against a total of up to €10^10;
    * ``capped``: max_share just above 1/n, so that many ministries sit at the cap;
    * ``cent``: fixed amounts of a cent or two next to pools of millions;
    * ``dominant``: one weight a million times the others, so one ministry carries almost all.
    """
    kind = draw(st.sampled_from(["tiny", "capped", "cent", "dominant"]))
    count = draw(st.integers(3, max_ministries))
    codes = [f"M{index:02d}" for index in range(count)]
    weights: dict[str, Any] = {code: draw(st.integers(1, 9)) for code in codes}
    if kind == "dominant":
        weights[codes[0]] = draw(st.sampled_from([10**6, 10**8, 10**9]))
    channels = []
    for index in range(draw(st.integers(0, 4))):
        carriers = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=count, unique=True))
        channel_weights = {code: draw(st.integers(1, 9)) for code in carriers}
        if kind == "dominant" and draw(st.booleans()):
            channel_weights[codes[0]] = 10**9
        channels.append(
            {
                "channel": f"c{index}",
                "rate_per_contact": cents(draw(st.integers(1, 10**6))),
                "contacts": draw(st.integers(1, 10**6)),
                "weights": channel_weights,
            }
        )
    huge = draw(st.integers(10**8, 10**12))
    document: dict[str, Any] = {
        "year": 2027,
        "rule": "constrained",
        "base": cents(huge),
        "weights": weights,
        "variable": channels,
        "constraints": {},
    }
    from allocation.model import build_problem
    from allocation.scenario import parse_scenario

    problem = build_problem(parse_scenario(document))
    constraints: dict[str, Any] = {"floors": {}, "ceilings": {}, "fixed": {}}
    small = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=max(1, count // 3)))
    if kind == "tiny":
        for code in small:
            constraints["ceilings"][code] = cents(draw(st.integers(0, 100_000)))
        if draw(st.booleans()):
            constraints["max_share"] = "0.9"
    elif kind == "capped":
        share = 10**6 // count + draw(st.integers(1, 10**6 // count))
        constraints["max_share"] = f"{min(share, 10**6) / 10**6:.6f}"
        if draw(st.booleans()):
            constraints["ceilings"][small[0]] = cents(draw(st.integers(0, 100)))
    elif kind == "cent":
        for code in small:
            constraints["fixed"][code] = cents(draw(st.integers(0, 2)))
    else:
        rest = [code for code in codes[1:] if problem.target(code) > 0]
        if rest:
            constraints["floors"][draw(st.sampled_from(rest))] = cents(draw(st.integers(1, 10**4)))
        if draw(st.booleans()):
            constraints["max_share"] = "0.999"
    document["constraints"] = {k: v for k, v in constraints.items() if v}
    return document
