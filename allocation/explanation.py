"""Plain sentences that explain a report to the finance departments of all ministries.

Every figure comes from the report's own cents or from the first LP round's duals (marginal
effects, labelled as such and rounded: they explain, they are not money).
"""

from __future__ import annotations

from collections.abc import Sequence

from allocation.model import Problem
from allocation.money import euro_text, fraction_text, percent_text
from allocation.report import Level, Line, significant_text
from allocation.rules import Marginal
from allocation.scenario import Rule

_RULES = {
    Rule.PROPORTIONAL: (
        "Rule proportional: every ministry pays its target, the share its weights give it in "
        "each pool; bounds are not applied, broken ones are listed as warnings."
    ),
    Rule.EQUAL: (
        "Rule equal: every pool is split equally over all {count} ministries, whatever their "
        "weights; bounds are not applied, broken ones are listed as warnings."
    ),
    Rule.CONSTRAINED: (
        "Rule constrained: the split honours every pool and bound and keeps each ministry's "
        "relative deviation from its target as small as possible, the largest first (leximin); "
        "within a ministry, its pools are split by the same principle."
    ),
}

_BOUND_WORDS = {
    "floor": "its floor",
    "ceiling": "its ceiling",
    "max_share": "the max_share cap",
    "fixed": "its fixed amount",
}

_MARGINAL_WORDS = {
    "floor": "Each €1 off {m}'s floor",
    "ceiling": "Each €1 more room under {m}'s ceiling",
    "max_share": "Each €1 more room under {m}'s max_share cap",
    "fixed": "Each €1 more in {m}'s fixed amount",
}


def explain(
    problem: Problem,
    rule: Rule,
    *,
    lines: Sequence[Line],
    levels: Sequence[Level],
    marginals: Sequence[Marginal],
) -> tuple[str, ...]:
    """The explanation of an optimal result, sentence by sentence."""
    sentences = [_RULES[rule].format(count=len(problem.ministries)), _pools_sentence(problem)]
    sentences += [_line_sentence(line) for line in lines]
    if rule is Rule.CONSTRAINED:
        sentences += _pinned_sentences(problem)
        sentences += _leximin_sentences(levels, marginals)
    return tuple(sentences)


def explain_infeasible(problems: Sequence[str]) -> tuple[str, ...]:
    """The explanation of an infeasible result: why no split honours every bound."""
    return (
        "No split honours every bound: " + "; ".join(problems) + ".",
        "Relax the bounds named above, or choose the proportional or equal rule to see the "
        "split without bounds.",
    )


def _pools_sentence(problem: Problem) -> str:
    parts = ", ".join(f"{pool.name} {euro_text(pool.amount)}" for pool in problem.pools)
    return f"{euro_text(problem.total)} is allocated: {parts}."


def _line_sentence(line: Line) -> str:
    deviation = euro_text(line.deviation)
    percent = percent_text(line.total, line.target_exact)
    if percent is not None:
        deviation = f"{deviation}, {percent}%"
    sentence = (
        f"{line.ministry}: target {euro_text(line.target)}, pays {euro_text(line.total)} "
        f"(deviation {deviation})"
    )
    if line.binding:
        words = " and ".join(_BOUND_WORDS[family] for family in line.binding)
        verb = "binds" if len(line.binding) == 1 else "bind"
        sentence += f"; {words} {verb}"
    if line.broken:
        words = " and ".join(_BOUND_WORDS[family] for family in line.broken)
        sentence += f"; this breaks {words}"
    return sentence + "."


def _pinned_sentences(problem: Problem) -> list[str]:
    """Ministries whose bounds leave one possible total take no part in the balancing."""
    return [
        f"{ministry}'s total is fixed by its bounds at {euro_text(problem.lower(ministry))}; "
        "it takes no part in balancing the deviations."
        for ministry in problem.ministries
        if problem.target(ministry) > 0 and problem.is_pinned(ministry)
    ]


def _leximin_sentences(levels: Sequence[Level], marginals: Sequence[Marginal]) -> list[str]:
    if not levels:
        return ["Every ministry's total is fixed by its bounds; nothing was left to balance."]
    top = levels[0]
    sentences = [
        "Among the ministries not fixed by their bounds, the largest relative deviation is "
        f"{fraction_text(top.deviation * 100, 4)}% ({', '.join(top.ministries)})."
    ]
    if len(levels) > 1:
        rest = "; ".join(
            f"{fraction_text(level.deviation * 100, 4)}% ({', '.join(level.ministries)})"
            for level in levels[1:]
        )
        sentences.append(
            f"With that held, the next deviations are as small as they can be: {rest}."
        )
    for marginal in marginals:
        effect = "lowers" if marginal.per_euro < 0 else "raises"
        start = _MARGINAL_WORDS[marginal.family].format(m=marginal.ministry)
        sentences.append(
            f"{start} {effect} the largest relative deviation by "
            f"{significant_text(abs(marginal.per_euro))} "
            f"(dual of {marginal.constraint} in the first, min-max round)."
        )
    if marginals:
        sentences.append(
            "Marginal effects are LP duals: they hold for small changes and explain the result; "
            "they are not amounts of money."
        )
    return sentences
