"""What changes from year to year, and who pays today: terms of a projection, funding streams.

A **term** of a projection says what holds in some years only: from year ``from`` (inclusive)
until ``until`` (inclusive; open-ended when left out). It may change weights (per ministry;
channels that follow the top-level weights follow too), a channel's own weights, floors,
ceilings and fixed amounts (per ministry; ``null`` removes one), ``max_share`` (``null``
removes it), the base indexation, the contact growth of every channel or of one, and a
channel's rate per contact. Terms apply in the order written; a later one wins.

A **funding stream** is money Offlimits receives today: external money that no ministry pays
(an EU grant, sector sponsoring) or a ministry's current contribution (the status quo). It has
a yearly ``amount`` from year ``from`` until ``until``. External money reduces what the
ministries split; a ministry's stream is what it pays today, to compare the rules against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from allocation.errors import InvalidScenario
from allocation.money import cents_text, decimal_text
from allocation.values import (
    FIRST_YEAR,
    HIGHEST_RATE,
    LAST_YEAR,
    LOWEST_RATE,
    MAX_RATE_CENTS,
    check_fields,
    code_value,
    integer_value,
    kind_of,
    money_value,
    object_value,
    parse_weight,
    ratio_value,
)

JSON = None | bool | int | str | list["JSON"] | dict[str, "JSON"]
MAX_TERMS = 20
MAX_STREAMS = 50
_TERM_FIELDS = (
    "from",
    "until",
    "weights",
    "channel_weights",
    "floors",
    "ceilings",
    "fixed",
    "max_share",
    "base_indexation",
    "contact_growth",
    "channel_growth",
    "rates",
)
_STREAM_FIELDS = ("name", "ministry", "amount", "from", "until")

Changes = tuple[tuple[str, int | None], ...]
"""Per ministry a new amount in cents, or None to remove the bound."""


@dataclass(frozen=True, slots=True)
class Term:
    """What holds from ``first`` through ``last`` (None: to the end of the projection)."""

    first: int
    last: int | None = None
    weights: tuple[tuple[str, Decimal], ...] = ()
    channel_weights: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...] = ()
    floors: Changes = ()
    ceilings: Changes = ()
    fixed: Changes = ()
    max_share: tuple[Decimal | None, ...] = ()
    """Empty: unchanged; one element: the new cap, or None to remove it."""
    base_indexation: Decimal | None = None
    contact_growth: Decimal | None = None
    channel_growth: tuple[tuple[str, Decimal], ...] = ()
    rates: tuple[tuple[str, int], ...] = ()

    def holds_in(self, year: int) -> bool:
        """Whether the term applies to ``year``."""
        return self.first <= year and (self.last is None or year <= self.last)

    def to_document(self) -> dict[str, JSON]:
        """The term as normalised JSON; only what it changes is written."""
        document: dict[str, JSON] = {"from": self.first}
        if self.last is not None:
            document["until"] = self.last
        if self.weights:
            document["weights"] = {code: decimal_text(w) for code, w in self.weights}
        if self.channel_weights:
            document["channel_weights"] = {
                name: {code: decimal_text(w) for code, w in weights}
                for name, weights in self.channel_weights
            }
        for family, changes in (
            ("floors", self.floors),
            ("ceilings", self.ceilings),
            ("fixed", self.fixed),
        ):
            if changes:
                document[family] = {
                    code: None if cents is None else cents_text(cents) for code, cents in changes
                }
        if self.max_share:
            cap = self.max_share[0]
            document["max_share"] = None if cap is None else decimal_text(cap)
        if self.base_indexation is not None:
            document["base_indexation"] = decimal_text(self.base_indexation)
        if self.contact_growth is not None:
            document["contact_growth"] = decimal_text(self.contact_growth)
        if self.channel_growth:
            document["channel_growth"] = {n: decimal_text(g) for n, g in self.channel_growth}
        if self.rates:
            document["rates"] = {name: cents_text(rate) for name, rate in self.rates}
        return document


@dataclass(frozen=True, slots=True)
class Stream:
    """A yearly amount Offlimits receives today: external (``ministry`` None) or a ministry's."""

    name: str
    ministry: str | None
    amount: int
    first: int | None = None
    last: int | None = None

    @property
    def external(self) -> bool:
        """Money no ministry pays (EU grant, sponsoring)."""
        return self.ministry is None

    def holds_in(self, year: int) -> bool:
        """Whether the stream pays in ``year``."""
        return (self.first is None or self.first <= year) and (
            self.last is None or year <= self.last
        )

    def to_document(self) -> dict[str, JSON]:
        """The stream as normalised JSON."""
        document: dict[str, JSON] = {"name": self.name, "amount": cents_text(self.amount)}
        if self.ministry is not None:
            document["ministry"] = self.ministry
        if self.first is not None:
            document["from"] = self.first
        if self.last is not None:
            document["until"] = self.last
        return document


# --- reading -------------------------------------------------------------------------------


def _span(
    item: Mapping[str, object], path: str, *, required: bool
) -> tuple[int | None, int | None]:
    if required and "from" not in item:
        raise InvalidScenario(f"{path}.from", "is required")
    first = (
        integer_value(item["from"], f"{path}.from", low=FIRST_YEAR, high=LAST_YEAR)
        if "from" in item
        else None
    )
    last = (
        integer_value(item["until"], f"{path}.until", low=FIRST_YEAR, high=LAST_YEAR)
        if "until" in item
        else None
    )
    if first is not None and last is not None and last < first:
        raise InvalidScenario(f"{path}.until", f"must not be before from ({first}), got {last}")
    return first, last


def _known(code: str, path: str, known: tuple[str, ...], what: str) -> str:
    code_value(code, path)
    if code not in known:
        raise InvalidScenario(path, f"unknown {what} {code!r}")
    return code


def _weights(
    value: object, path: str, *, ministries: tuple[str, ...]
) -> tuple[tuple[str, Decimal], ...]:
    weights = object_value(value, path)
    return tuple(
        (
            _known(code, f"{path}.{code}", ministries, "ministry"),
            parse_weight(weights[code], f"{path}.{code}"),
        )
        for code in sorted(weights)
    )


def _changes(value: object, path: str, *, ministries: tuple[str, ...]) -> Changes:
    amounts = object_value(value, path)
    changes: list[tuple[str, int | None]] = []
    for code in sorted(amounts):
        _known(code, f"{path}.{code}", ministries, "ministry")
        raw = amounts[code]
        changes.append((code, None if raw is None else money_value(raw, f"{path}.{code}")))
    return tuple(changes)


def _growths(
    value: object, path: str, *, channels: tuple[str, ...]
) -> tuple[tuple[str, Decimal], ...]:
    growths = object_value(value, path)
    return tuple(
        (
            _known(name, f"{path}.{name}", channels, "channel"),
            ratio_value(growths[name], f"{path}.{name}", low=LOWEST_RATE, high=HIGHEST_RATE),
        )
        for name in sorted(growths)
    )


def parse_channel_growth(
    value: object, path: str, *, channels: tuple[str, ...]
) -> tuple[tuple[str, Decimal], ...]:
    """A growth rate per channel, e.g. ``{"hulplijn": "0.28"}``."""
    return _growths(value, path, channels=channels)


def _term(
    value: object, path: str, *, ministries: tuple[str, ...], channels: tuple[str, ...]
) -> Term:
    item = object_value(value, path)
    check_fields(item, path, allowed=_TERM_FIELDS, required=())
    first, last = _span(item, path, required=True)
    assert first is not None
    max_share: tuple[Decimal | None, ...] = ()
    if "max_share" in item:
        cap = item["max_share"]
        if cap is None:
            max_share = (None,)
        else:
            number = ratio_value(cap, f"{path}.max_share", low=Decimal(0), high=Decimal(1))
            if number <= 0:
                raise InvalidScenario(f"{path}.max_share", f"must be > 0 and ≤ 1, got {cap}")
            max_share = (number,)
    rates = object_value(item.get("rates", {}), f"{path}.rates")
    channel_weights = object_value(item.get("channel_weights", {}), f"{path}.channel_weights")
    return Term(
        first=first,
        last=last,
        weights=_weights(item.get("weights", {}), f"{path}.weights", ministries=ministries),
        channel_weights=tuple(
            (
                _known(name, f"{path}.channel_weights.{name}", channels, "channel"),
                _weights(
                    channel_weights[name],
                    f"{path}.channel_weights.{name}",
                    ministries=ministries,
                ),
            )
            for name in sorted(channel_weights)
        ),
        floors=_changes(item.get("floors", {}), f"{path}.floors", ministries=ministries),
        ceilings=_changes(item.get("ceilings", {}), f"{path}.ceilings", ministries=ministries),
        fixed=_changes(item.get("fixed", {}), f"{path}.fixed", ministries=ministries),
        max_share=max_share,
        base_indexation=_optional_rate(item, "base_indexation", path),
        contact_growth=_optional_rate(item, "contact_growth", path),
        channel_growth=_growths(
            item.get("channel_growth", {}), f"{path}.channel_growth", channels=channels
        ),
        rates=tuple(
            (
                _known(name, f"{path}.rates.{name}", channels, "channel"),
                money_value(rates[name], f"{path}.rates.{name}", limit=MAX_RATE_CENTS),
            )
            for name in sorted(rates)
        ),
    )


def _optional_rate(item: Mapping[str, object], name: str, path: str) -> Decimal | None:
    if name not in item:
        return None
    return ratio_value(item[name], f"{path}.{name}", low=LOWEST_RATE, high=HIGHEST_RATE)


def parse_terms(
    value: object,
    path: str,
    *,
    ministries: tuple[str, ...],
    channels: tuple[str, ...],
    years: range,
) -> tuple[Term, ...]:
    """The terms of a projection; each must start within the projected ``years``."""
    if not isinstance(value, list):
        raise InvalidScenario(path, f"must be a list of terms, got {kind_of(value)}")
    if len(value) > MAX_TERMS:
        raise InvalidScenario(path, f"at most {MAX_TERMS} terms, got {len(value)}")
    terms = []
    for index, item in enumerate(value):
        term = _term(item, f"{path}[{index}]", ministries=ministries, channels=channels)
        if term.first not in years:
            raise InvalidScenario(
                f"{path}[{index}].from",
                f"must be a projected year ({years.start}–{years.stop - 1}), got {term.first}",
            )
        terms.append(term)
    return tuple(terms)


def parse_funding(value: object, *, ministries: tuple[str, ...]) -> tuple[Stream, ...]:
    """The funding streams of a scenario: ``[{"name", "amount", "ministry"?, "from"?,
    "until"?}]``; a stream without a ministry is external money.

    >>> [s.external for s in parse_funding(
    ...     [{"name": "EU", "amount": "400000.00", "until": 2025},
    ...      {"name": "JenV", "ministry": "JenV", "amount": 3650000}], ministries=("JenV",))]
    [True, False]
    """
    if not isinstance(value, list):
        raise InvalidScenario("funding", f"must be a list of streams, got {kind_of(value)}")
    if len(value) > MAX_STREAMS:
        raise InvalidScenario("funding", f"at most {MAX_STREAMS} streams, got {len(value)}")
    streams = []
    for index, raw in enumerate(value):
        path = f"funding[{index}]"
        item = object_value(raw, path)
        check_fields(item, path, allowed=_STREAM_FIELDS, required=("name", "amount"))
        name = item["name"]
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200 or name != name.strip():
            raise InvalidScenario(
                f"{path}.name", "must be a name of 1 to 200 characters without outer spaces"
            )
        if any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in name):
            raise InvalidScenario(f"{path}.name", "must not hold control characters")
        ministry = item.get("ministry")
        if ministry is not None:
            if not isinstance(ministry, str):
                raise InvalidScenario(
                    f"{path}.ministry", f"must be a code, got {kind_of(ministry)}"
                )
            _known(ministry, f"{path}.ministry", ministries, "ministry")
        first, last = _span(item, path, required=False)
        streams.append(
            Stream(
                name=name,
                ministry=ministry,
                amount=money_value(item["amount"], f"{path}.amount"),
                first=first,
                last=last,
            )
        )
    return tuple(streams)
