"""Stage 5: the allocation report — figures as decimal strings, plain sentences, hashes.

A report is immutable and reproducible: the normalised input travels with it, and
``input_hash`` is the SHA-256 of that input's canonical JSON, so the same problem written
differently (key order, ``5000000`` vs ``"5000000.00"``, weight ``1`` vs ``"1.000000"``) gets
the same hash. The engine and solver descriptions are reported but never hashed into it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from allocation.model import BOUND_FAMILIES, Cell, NamedConstraint, Problem
from allocation.money import cents_text, euro_text, fraction_text, percent_text
from allocation.rounding import RoundedAllocation, largest_remainder
from allocation.rules import ExactAllocation, Marginal
from allocation.scenario import JSON, Rule

OPTIMAL = "optimal"
INFEASIBLE = "infeasible"


def canonical_json(obj: object) -> str:
    """JSON with sorted keys and no whitespace; floats and NaN are refused.

    >>> canonical_json({"b": [1, "é"], "a": None})
    '{"a":null,"b":[1,"é"]}'
    """
    _refuse_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _refuse_floats(obj: object) -> None:
    if isinstance(obj, float):
        raise TypeError("canonical JSON holds no floats: write numbers as decimal strings")
    if isinstance(obj, Mapping):
        for value in obj.values():
            _refuse_floats(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            _refuse_floats(value)


def sha256_of(obj: object) -> str:
    """``"sha256:"`` + the SHA-256 of the object's canonical JSON in UTF-8.

    >>> sha256_of({"a": 1}) == sha256_of({"a": 1})
    True
    """
    digest = hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


def report_hash(report: Mapping[str, object]) -> str:
    """The hash of a whole report dict, as stored next to it."""
    return sha256_of(report)


def input_hash(document: Mapping[str, object]) -> str:
    """The hash of a normalised scenario document (``Scenario.to_document()``)."""
    return sha256_of(document)


@dataclass(frozen=True, slots=True)
class Line:
    """One ministry's result."""

    ministry: str
    total: int
    pools: tuple[tuple[str, int], ...]
    target: int
    target_exact: Fraction
    binding: tuple[str, ...]
    broken: tuple[str, ...]

    @property
    def deviation(self) -> int:
        """Total minus the displayed target, in cents."""
        return self.total - self.target

    def to_dict(self, grand_total: int) -> dict[str, JSON]:
        """The line as JSON-able values; money as strings with two decimals."""
        share = Fraction(self.total, grand_total) if grand_total else Fraction(0)
        return {
            "ministry": self.ministry,
            "total": cents_text(self.total),
            "pools": {name: cents_text(cents) for name, cents in self.pools},
            "target": cents_text(self.target),
            "target_exact": fraction_text(self.target_exact / 100, 6),
            "deviation": cents_text(self.deviation),
            "deviation_pct": percent_text(self.total, self.target_exact),
            "share": fraction_text(share, 6),
            "binding": list(self.binding),
            "broken": list(self.broken),
        }


@dataclass(frozen=True, slots=True)
class Level:
    """Ministries sharing one relative deviation in the leximin result."""

    deviation: Fraction
    ministries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllocationReport:
    """The immutable record of one run: input, rule, result, explanation."""

    status: str
    rule: Rule
    year: int
    total: int
    pools: tuple[tuple[str, int], ...]
    lines: tuple[Line, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    explanation: tuple[str, ...]
    levels: tuple[Level, ...]
    marginals: tuple[Marginal, ...]
    document: Mapping[str, JSON]
    engine: Mapping[str, str]
    solver: Mapping[str, str]
    funding: Mapping[str, JSON] | None = None
    """Need, external money, today's streams and the gap (``allocation.funding``)."""

    @property
    def input_hash(self) -> str:
        """SHA-256 of the normalised input (rule included, engine and solver excluded)."""
        return input_hash(self.document)

    def to_dict(self) -> dict[str, JSON]:
        """The report as JSON-able values; see docs/scenario.md for every field."""
        report: dict[str, JSON] = {
            "status": self.status,
            "rule": self.rule.value,
            "year": self.year,
            "total": cents_text(self.total),
            "pools": {name: cents_text(cents) for name, cents in self.pools},
            "lines": [line.to_dict(self.total) for line in self.lines],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "explanation": list(self.explanation),
            "input_hash": self.input_hash,
            "input": dict(self.document),
            "engine": dict(self.engine),
            "solver": dict(self.solver),
        }
        if self.rule is Rule.CONSTRAINED and self.status == OPTIMAL:
            report["leximin"] = _leximin_dict(self.levels, self.marginals)
        if self.funding is not None:
            report["funding"] = dict(self.funding)
        return report


def _leximin_dict(levels: Sequence[Level], marginals: Sequence[Marginal]) -> dict[str, JSON]:
    return {
        "levels": [
            {
                "deviation_pct": fraction_text(level.deviation * 100, 4),
                "ministries": list(level.ministries),
            }
            for level in levels
        ],
        "marginals": [
            {
                "constraint": marginal.constraint,
                "per_euro": significant_text(marginal.per_euro),
                "round": 1,
            }
            for marginal in marginals
        ],
    }


def significant_text(value: float, digits: int = 2) -> str:
    """A float as a plain decimal string rounded to ``digits`` significant digits.

    >>> significant_text(-2.0000000000000008e-06), significant_text(0.0)
    ('-0.0000020', '0')
    """
    if value == 0:
        return "0"
    rounded = Decimal(f"{value:.{digits - 1}e}")
    return format(rounded, "f")


# --- building lines ------------------------------------------------------------------------


def build_lines(
    problem: Problem,
    allocation: ExactAllocation,
    *,
    rounded: RoundedAllocation,
    broken: Mapping[str, tuple[str, ...]],
) -> tuple[Line, ...]:
    """One line per ministry in code order, with display targets summing to T."""
    targets = largest_remainder(
        dict(problem.targets), problem.total, order=lambda m: (-problem.target(m), m)
    )
    lines = []
    for ministry in problem.ministries:
        total = rounded.totals[ministry]
        lines.append(
            Line(
                ministry=ministry,
                total=total,
                pools=tuple(
                    (pool.name, rounded.cells[Cell(ministry, pool.name)]) for pool in problem.pools
                ),
                target=targets[ministry],
                target_exact=problem.target(ministry),
                binding=_binding(problem, ministry, allocation=allocation)
                if allocation.rule is Rule.CONSTRAINED
                else (),
                broken=broken.get(ministry, ()),
            )
        )
    return tuple(lines)


def _binding(problem: Problem, ministry: str, *, allocation: ExactAllocation) -> tuple[str, ...]:
    """Bound families whose bound equals the ministry's exact total."""
    total = allocation.total(ministry)
    bounds = {
        "floor": problem.floors.get(ministry),
        "ceiling": problem.ceilings.get(ministry),
        "max_share": problem.max_share_cents,
        "fixed": problem.fixed.get(ministry),
    }
    return tuple(family for family in BOUND_FAMILIES if bounds[family] == total)


def leximin_levels(problem: Problem, allocation: ExactAllocation) -> tuple[Level, ...]:
    """Free ministries grouped by exact relative deviation, largest first."""
    groups: dict[Fraction, list[str]] = {}
    for ministry in allocation.free:
        target = problem.target(ministry)
        deviation = abs(allocation.total(ministry) - target) / target
        groups.setdefault(deviation, []).append(ministry)
    return tuple(Level(d, tuple(groups[d])) for d in sorted(groups, reverse=True))


def broken_bounds(
    problem: Problem,
    rounded: RoundedAllocation,
    *,
    found: Sequence[tuple[NamedConstraint, Fraction | int]],
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Per ministry the bound families broken, and a warning sentence per broken bound."""
    per_ministry: dict[str, list[str]] = {}
    warnings = []
    for constraint, gap in found:
        per_ministry.setdefault(constraint.subject, []).append(constraint.family)
        warnings.append(
            _broken_text(problem, constraint, total=rounded.totals[constraint.subject], gap=gap)
        )
    return {m: tuple(families) for m, families in per_ministry.items()}, tuple(warnings)


def _broken_text(
    problem: Problem, constraint: NamedConstraint, *, total: int, gap: Fraction | int
) -> str:
    ministry, bound = constraint.subject, euro_text(constraint.bound)
    pays = f"{ministry} pays {euro_text(total)}"
    amount = euro_text(int(gap))
    if constraint.family == "ceiling":
        text = f"{pays}, {amount} above its ceiling of {bound}"
    elif constraint.family == "max_share":
        share = f"max_share {problem.max_share} × {euro_text(problem.total)} = {bound}"
        text = f"{pays}, {amount} above {share}"
    elif constraint.family == "floor":
        text = f"{pays}, {amount} below its floor of {bound}"
    else:
        text = f"{pays}, not its fixed amount of {bound}"
    return f"{text} ({constraint.name})"
