"""The report document as every export reads it: parsed once, checked to add up to the cent.

Exports are pure functions of the report as the reports API returns it (a JSON-able dict):
no database, no web framework. Money is read from decimal strings into integer cents and
written back from cents, so every export adds up to the report's total to the cent. A report
whose amounts are malformed or do not add up raises ``ValueError`` rather than be printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

BASE_POOL = "base"

_MONEY = re.compile(r"-?\d+(\.\d{1,2})?")
_PLAIN_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True, slots=True)
class ExportLine:
    """One ministry's result, money in cents, pools in the order of the report's pools."""

    ministry: str
    name: str
    chapter: str
    pools: tuple[int, ...]
    total: int
    target: int | None
    deviation: int | None
    deviation_pct: Decimal | None
    share: Decimal | None
    binding: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExportedReport:
    """The parts of a stored report every export needs, checked to add up to the cent."""

    id: str
    year: str
    status: str
    rule: str
    total: int
    pool_names: tuple[str, ...]
    pool_amounts: tuple[int, ...]
    lines: tuple[ExportLine, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    explanation: tuple[str, ...]
    publication: str
    weights_adopted: bool | None
    acknowledged_unadopted: bool
    created_at: str
    created_by: str
    input_hash: str
    report_hash: str
    prev_hash: str
    engine: str
    solver: str
    weight_set: str

    @property
    def publication_text(self) -> str:
        """ "published", "superseded by report 9", "not published (draft)" or ""."""
        return PUBLICATION_TEXT.get(self.publication, self.publication)

    @property
    def weights_note(self) -> str:
        """What every export says when the figures rest on weights nobody adopted."""
        if self.weights_adopted is not False:
            return ""
        if self.acknowledged_unadopted:
            return "Based on weights that are not adopted; it was published with that acknowledged."
        return "Based on weights that are not adopted."

    def base_and_variable(self, line: ExportLine) -> tuple[int, int]:
        """A line's base pool and the sum of all its other (variable) pools, in cents."""
        base = sum(c for n, c in zip(self.pool_names, line.pools, strict=True) if n == BASE_POOL)
        return base, line.total - base


def cents_of(value: object, *, field: str) -> int:
    """Integer cents of a money value such as ``"850319.60"``; floats are refused.

    >>> cents_of("850319.60", field="total")
    85031960
    """
    if isinstance(value, str) and _MONEY.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, Decimal) and value.is_finite():
        amount = value
    else:
        raise ValueError(
            f'{field}: money must be a decimal string such as "5000000.00", got {value!r}'
        )
    cents = amount.scaleb(2)
    if cents != cents.to_integral_value():
        raise ValueError(f"{field}: money has at most two decimals, got {value!r}")
    return int(cents)


def decimal_of(value: object, *, field: str) -> Decimal | None:
    """A plain decimal (share, percentage, weight) or None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    raise ValueError(f'{field}: must be a decimal string such as "0.166667", got {value!r}')


def text_of(value: object) -> str:
    return "" if value is None else str(value)


def mapping_of(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def texts_of(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(text_of(item) for item in value)


def _named_version(value: object) -> str:
    """``"highs 1.16.0"`` from ``{"name": "highs", "version": "1.16.0"}``."""
    named = mapping_of(value)
    return " ".join(text_of(named.get(key)) for key in ("name", "version") if named.get(key))


def _weight_set_label(value: object) -> str:
    weight_set = mapping_of(value)
    if not weight_set:
        return "none (weights given in the scenario)"
    details = ", ".join(
        part
        for part in (
            f"version {weight_set['version']}" if weight_set.get("version") is not None else "",
            text_of(weight_set.get("status")),
        )
        if part
    )
    name = text_of(weight_set.get("name")) or f"weight set {text_of(weight_set.get('id'))}"
    return f"{name} ({details})" if details else name


def _read_line(
    line: Mapping[str, Any], *, pool_names: tuple[str, ...], ministries: Mapping[str, Any]
) -> ExportLine:
    code = text_of(line.get("ministry"))
    pools = mapping_of(line.get("pools"))
    unknown = sorted(set(pools) - set(pool_names))
    if unknown:
        raise ValueError(f"lines.{code}.pools: pools not in the report: {', '.join(unknown)}")
    known = mapping_of(ministries.get(code))
    optional_money = {
        key: None if line.get(key) is None else cents_of(line[key], field=f"lines.{code}.{key}")
        for key in ("target", "deviation")
    }
    return ExportLine(
        ministry=code,
        name=text_of(known.get("name")),
        chapter=text_of(known.get("chapter")),
        pools=tuple(cents_of(pools.get(p, 0), field=f"lines.{code}.pools.{p}") for p in pool_names),
        total=cents_of(line.get("total"), field=f"lines.{code}.total"),
        target=optional_money["target"],
        deviation=optional_money["deviation"],
        deviation_pct=decimal_of(line.get("deviation_pct"), field=f"lines.{code}.deviation_pct"),
        share=decimal_of(line.get("share"), field=f"lines.{code}.share"),
        binding=texts_of(line.get("binding")),
    )


PUBLICATION_TEXT = {
    "published": "published",
    "superseded": "superseded (no longer the official report of its year)",
    "unpublished": "not published (draft)",
}


def _weights_adopted(report: Mapping[str, Any]) -> bool | None:
    """Whether the report's weights were an adopted weight set; None when it does not say."""
    source = mapping_of(report.get("weights_source"))
    if isinstance(source.get("adopted"), bool):
        return bool(source["adopted"])
    snapshot = mapping_of(report.get("snapshot"))
    if "weight_set" not in snapshot:
        return None
    return mapping_of(snapshot.get("weight_set")).get("status") == "adopted"


def read_report(report: Mapping[str, Any]) -> ExportedReport:
    """Parse and check a stored report once, so the renderers only format."""
    pools = mapping_of(report.get("pools"))
    pool_names = tuple(str(name) for name in pools)
    snapshot = mapping_of(report.get("snapshot"))
    ministries = mapping_of(snapshot.get("ministries"))
    lines = tuple(
        _read_line(mapping_of(line), pool_names=pool_names, ministries=ministries)
        for line in report.get("lines") or ()
    )
    publication = mapping_of(report.get("publication"))
    view = ExportedReport(
        id=text_of(report.get("id")),
        year=text_of(report.get("year")),
        status=text_of(report.get("status")),
        rule=text_of(report.get("rule")),
        total=cents_of(report.get("total", "0.00"), field="total"),
        pool_names=pool_names,
        pool_amounts=tuple(cents_of(pools[name], field=f"pools.{name}") for name in pool_names),
        lines=lines,
        problems=texts_of(report.get("problems")),
        warnings=texts_of(report.get("warnings")),
        explanation=texts_of(report.get("explanation")),
        publication=text_of(publication.get("state")),
        weights_adopted=_weights_adopted(report),
        acknowledged_unadopted=publication.get("acknowledged_unadopted_weights") is True,
        created_at=text_of(report.get("created_at")),
        created_by=text_of(report.get("created_by")),
        input_hash=text_of(report.get("input_hash")),
        report_hash=text_of(report.get("report_hash")),
        prev_hash=text_of(report.get("prev_hash")),
        engine=_named_version(report.get("engine")),
        solver=_named_version(report.get("solver")),
        weight_set=_weight_set_label(snapshot.get("weight_set")),
    )
    _check_sums(view)
    return view


def _check_sums(report: ExportedReport) -> None:
    """Refuse a report whose lines, pools and total disagree by even a cent.

    A report without lines (infeasible) has nothing to add up and passes.
    """
    if not report.lines:
        return
    for line in report.lines:
        if sum(line.pools) != line.total:
            raise ValueError(
                f"lines.{line.ministry}: pools add up to {plain_amount(sum(line.pools))}, "
                f"but its total is {plain_amount(line.total)}"
            )
    for index, name in enumerate(report.pool_names):
        allocated = sum(line.pools[index] for line in report.lines)
        if allocated != report.pool_amounts[index]:
            raise ValueError(
                f"pools.{name}: ministries pay {plain_amount(allocated)}, "
                f"but the pool is {plain_amount(report.pool_amounts[index])}"
            )
    if sum(report.pool_amounts) != report.total:
        raise ValueError(
            f"total: pools add up to {plain_amount(sum(report.pool_amounts))}, "
            f"but the total is {plain_amount(report.total)}"
        )


def plain_amount(cents: int) -> str:
    """Machine format: dot, exactly two decimals, no grouping. ``-123456`` → ``"-1234.56"``."""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


def euro_nl(cents: int) -> str:
    """Dutch notation for people. ``500000000`` → ``"€ 5.000.000,00"``."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", ".")
    return f"€ {'−' if cents < 0 else ''}{grouped},{rest:02d}"


def percent_nl(fraction: Decimal | None) -> str:
    """``Decimal("0.166667")`` → ``"16,67%"``; empty when absent."""
    if fraction is None:
        return ""
    percent = (fraction * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"{percent}%".replace(".", ",").replace("-", "−")


def euros_float(cents: int) -> float:
    """The one float conversion: the double nearest the exact amount, for an Excel cell."""
    return float(Decimal(cents).scaleb(-2))
